//! Content codings (gzip, deflate, br, zstd, stacked) over arbitrary bytes: no panic,
//! never past the cap, and real encodings decode back to their bytes (see `check.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    check::check_codings(data);
});
