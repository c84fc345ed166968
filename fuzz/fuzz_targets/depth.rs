//! Deep documents (a unit of markup repeated past Chromium's 512-deep cap): the depth
//! guard gives the links the plain reading of the cap gives (see `check.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    check::check_depth(data);
});
