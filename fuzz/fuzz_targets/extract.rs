//! Decode + extract over arbitrary bytes, page URL and transport charset: no panic, and
//! every link kept is an absolute http(s) URL in canonical form (see `check.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    check::check_extract(data);
});
