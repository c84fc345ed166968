//! `charset_parameter` and `sniff_encoding` over arbitrary input (see `check.rs`):
//! cheap, so it gets many more executions than the `extract` target.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../check.rs"]
mod check;

fuzz_target!(|data: &[u8]| {
    check::check_charset(data);
});
