//! Integration tests of the `link-extractor` binary: it is run as a user runs it,
//! against a local HTTP server on 127.0.0.1, and its exit status, stdout and stderr are
//! checked byte for byte.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed expectation is a failed test

mod support;

mod bad_input;
mod cli;
mod crawl;
mod domains;
mod encodings;
mod extraction;
mod faults;
mod fetching;
mod html_files;
mod input_files;
mod limits;
mod ordering;
mod output;
mod protocol;
mod secrets;
mod signals;
