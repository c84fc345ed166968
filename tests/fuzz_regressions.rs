//! Inputs the fuzzer found (`tests/fuzz-regressions/`), run through the checks of the
//! fuzz targets (`fuzz/check.rs`) on stable, so that a fixed crash stays fixed.
//!
//! A file is named after the target whose corpus it comes from (`extract-…`,
//! `charset-…`), or, for a crash input, after what it found. Every file goes through
//! both targets' checks: they read the same bytes their own way, and a panic in either
//! fails.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed expectation is a failed test

#[path = "../fuzz/check.rs"]
mod check;

use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

use check::{check_charset, check_codings, check_depth, check_extract, Extracted};

fn regression_inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("{}: {err}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file() && path.extension().is_none_or(|ext| ext != "md"))
        .collect();
    files.sort();
    files
}

/// Fewer kept inputs than this means the folder lost its corpus (the test would pass
/// on nothing).
const AT_LEAST_INPUTS: usize = 20;

#[test]
fn every_kept_fuzz_input_passes_the_fuzz_checks() {
    let inputs = regression_inputs();
    assert!(
        inputs.len() >= AT_LEAST_INPUTS,
        "tests/fuzz-regressions/ holds {} inputs, fewer than {AT_LEAST_INPUTS}",
        inputs.len()
    );
    let mut failed = Vec::new();
    for path in inputs {
        let data = fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            check_extract(&data);
            check_charset(&data);
            check_codings(&data);
            check_depth(&data);
        }));
        if outcome.is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(failed.is_empty(), "fuzz checks failed on {failed:?}");
}

// The harness itself: it must see the links, read the header, and catch what it is
// there to catch.

#[test]
fn a_plain_document_is_read_against_the_fallback_url() {
    let html = br#"<a href="/a">a</a><a href="mailto:x@y.test">m</a><a href="b">b</a>"#;
    assert_eq!(check_extract(html), Extracted::Links { web: 2, skipped: 1 });
}

#[test]
fn the_header_gives_the_page_url_and_the_charset() {
    let input = b"\0https://h.test/d/\0text/html; charset=koi8-r\0<a href=\"x?\xc1\">x</a>";
    let case = check::ExtractCase::from_input(input);
    assert_eq!(case.page_url.as_str(), "https://h.test/d/");
    assert_eq!(case.transport_charset.as_deref(), Some("koi8-r"));
    assert_eq!(case.body, b"<a href=\"x?\xc1\">x</a>");
    assert_eq!(
        check_extract(input),
        Extracted::Links { web: 1, skipped: 0 }
    );

    // A bare label; a page URL that is not http(s) falls back.
    let case = check::ExtractCase::from_input(b"\0file:///tmp/x\0shift_jis\0body");
    assert_eq!(case.page_url.as_str(), check::FALLBACK_PAGE_URL);
    assert_eq!(case.transport_charset.as_deref(), Some("shift_jis"));
    assert_eq!(case.body, b"body");

    // Missing fields are empty.
    let case = check::ExtractCase::from_input(b"\0http://h.test/");
    assert_eq!(case.page_url.as_str(), "http://h.test/");
    assert_eq!(case.transport_charset, None);
    assert_eq!(case.body, b"");
}

#[test]
fn the_url_check_rejects_what_it_must() {
    let case = check::ExtractCase::from_input(b"");
    for bad in ["mailto:x@y.test", "file:///etc/passwd", "ftp://f.test/"] {
        let url = url::Url::parse(bad).expect("test URL");
        let outcome = catch_unwind(AssertUnwindSafe(|| check::check_web_url(&url, &case)));
        assert!(outcome.is_err(), "{bad} passed the check");
    }
    let good = url::Url::parse("https://h.test/p%7Cq?a|b").expect("test URL");
    check::check_web_url(&good, &case);
}

#[test]
fn the_charset_checks_hold_on_known_values() {
    assert_eq!(
        check::check_charset_parameter(r#"text/html; x="a;charset=b"; charset="k\"o""#).as_deref(),
        Some("k\"o")
    );
    check_charset(b"koi8-r\0<meta charset=utf-8>");
    check_charset(b"\xef\xbb\xbf<meta charset=utf-16le>");
}

#[test]
fn the_codings_check_decodes_real_encodings_and_stops_bombs() {
    // Each coding alone and three stacked, over a page: they come back.
    let page = b"<!DOCTYPE html><a href=\"/x\">x</a>".repeat(50);
    for selector in [0x40, 0x41, 0x42, 0x43, 0xC0 | 0b10_01_11, 0x41 | 0x40] {
        let mut input = vec![selector];
        input.extend_from_slice(&page);
        check_codings(&input);
    }
    // Bytes that are no coding at all are refused without a panic.
    check_codings(b"\x43not zstd at all");
    // A gzip bomb as it came stops at the cap.
    use std::io::Write;
    let mut bomb = flate2::write::GzEncoder::new(vec![0x40], flate2::Compression::best());
    bomb.write_all(&vec![b' '; 8 << 20]).expect("in memory");
    check_codings(&bomb.finish().expect("in memory"));
}

#[test]
fn a_depth_input_repeats_its_unit_under_the_cap_it_names() {
    let case = check::DepthCase::from_input(b"\x0c\x03<body>\0<div>\0<a href=/x>x</a>");
    assert_eq!(case.max_depth, 16);
    assert_eq!(case.document, "<body><div><div><div><a href=/x>x</a>");
    // Caps wrap at 64; missing parts are empty; a short input is a document of none.
    let case = check::DepthCase::from_input(b"\x44\x02\0<b>");
    assert_eq!((case.max_depth, case.document.as_str()), (8, "<b><b>"));
    let case = check::DepthCase::from_input(b"<");
    assert_eq!((case.max_depth, case.document.as_str()), (4, "<"));
    // At most twice the cap plus 8 repeats, and 32 KiB.
    let case = check::DepthCase::from_input(b"\x3f\xff\0x");
    assert_eq!((case.max_depth, case.document.len()), (67, 2 * 67 + 8));
    let mut input = vec![0x3f, 255, 0];
    input.extend_from_slice(&[b'y'; 300]);
    let case = check::DepthCase::from_input(&input);
    assert_eq!(case.document.len(), 32 * 1024 / 300 * 300);
}

#[test]
fn the_depth_check_sees_the_links_past_a_small_cap() {
    // 20 divs under a cap of 16: the link is past the cap, found both ways.
    assert_eq!(
        check_depth(b"\x0c\x14\0<div>\0<a href=/x>x</a><a href=/y>y</a>"),
        2
    );
    // The seeds of the bugs it found (see the guard's tests): an <li> past the cap, and
    // an end tag in HTML content inside MathML.
    assert_eq!(
        check_depth(b"\x02\x05\0<ul><li>\0</ul><template><div><a href=/t>t</a></template>"),
        1
    );
    assert_eq!(
        check_depth(
            b"\x0c\x18\0<div>\0<math><mi><span><a href=/mi>m</a></mi><anl><a href=/ax>a</a>"
        ),
        2
    );
}

#[test]
fn the_two_parses_of_the_depth_check_can_differ() {
    // The known difference (fuzz/check.rs, runs_adoption_agency): misnested <b><div>
    // past the cap, where the guard keeps document order and the plain rule, like
    // Chromium, does not. The check then compares the distinct links, and passes; the
    // lists themselves differ, so the comparison is not of two copies of one parse.
    use link_extractor::extract::{hrefs_for_fuzzing, FuzzParse};
    let html = "<b><div>".repeat(12) + "<a href=/y>y</a></b><a href=/z>z</a>";
    let guarded = hrefs_for_fuzzing(&html, FuzzParse::Guarded, 16);
    let plain = hrefs_for_fuzzing(&html, FuzzParse::SinkRuleOnly, 16);
    assert_eq!(guarded.1, ["/y", "/z"]);
    assert_eq!(plain.1, ["/z", "/y"]);
    let mut input = vec![12, 12, 0];
    input.extend_from_slice(b"<b><div>\0<a href=/y>y</a></b><a href=/z>z</a>");
    assert_eq!(check_depth(&input), 2);
}

#[test]
fn the_depth_check_has_no_oracle_where_the_agency_crosses_a_template() {
    // Found by the depth target as a difference, but the guard is right: past the cap,
    // Chromium lists both links, the plain rule hides /x in the template.
    use link_extractor::extract::{hrefs_for_fuzzing, FuzzParse};
    let html =
        "<body>".to_string() + &"<div>".repeat(15) + "<template><a href=uon><form><a href=/x>";
    assert_eq!(
        hrefs_for_fuzzing(&html, FuzzParse::Guarded, 16).1,
        ["uon", "/x"]
    );
    assert_eq!(
        hrefs_for_fuzzing(&html, FuzzParse::SinkRuleOnly, 16).1,
        ["uon"]
    );
    let mut input = vec![12, 15];
    input.extend_from_slice(b"<body>\0<div>\0<template><a href=uon><form><a href=/x>");
    assert_eq!(check_depth(&input), 2);
}

#[test]
fn the_adoption_agency_is_told_by_its_tags() {
    for html in ["<b>x</b>", "<a href=x>", "</A>", "<nobr>", "x</font >"] {
        assert!(check::runs_adoption_agency(html), "{html}");
    }
    for html in [
        "<body></body>",
        "<abbr>",
        "</br>",
        "<button></button>",
        "a < b",
    ] {
        assert!(!check::runs_adoption_agency(html), "{html}");
    }
}

/// The committed seeds (`fuzz/seeds/`) pass the checks too: a seed that fails would
/// stop the fuzzer at its start.
#[test]
fn every_seed_passes_the_fuzz_checks() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let mut failed = Vec::new();
    for dir in ["extract", "deep", "charset", "codings", "depth"] {
        let dir = seeds.join(dir);
        for entry in fs::read_dir(&dir).unwrap_or_else(|err| panic!("{}: {err}", dir.display())) {
            let path = entry.expect("directory entry").path();
            let data = fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
            let outcome = catch_unwind(AssertUnwindSafe(|| match path.parent() {
                Some(parent) if parent.ends_with("codings") => check_codings(&data),
                Some(parent) if parent.ends_with("charset") => check_charset(&data),
                Some(parent) if parent.ends_with("depth") => {
                    check_depth(&data);
                }
                _ => {
                    check_extract(&data);
                }
            }));
            if outcome.is_err() {
                failed.push(path.display().to_string());
            }
        }
    }
    assert!(failed.is_empty(), "fuzz checks failed on seeds {failed:?}");
}
