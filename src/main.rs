//! The `link-extractor` command; everything lives in the library.

use std::process::ExitCode;

/// The static musl build's allocator (see Cargo.toml); glibc's own is kept elsewhere.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args_os()
        .map(|arg| arg.to_string_lossy().into_owned())
        .collect();
    link_extractor::run(&args)
}
