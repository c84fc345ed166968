//! What the fuzz targets assert, shared with `tests/fuzz_regressions.rs` so that a kept
//! crash input is checked on stable exactly as libFuzzer checked it.
//!
//! Each check panics when the library breaks a promise; a panic inside the library is
//! a failure too. Beyond the product's promises (docs/usage.md: only http(s) links, resolved
//! and normalised by the WHATWG URL rules), the `extract` check counts the links of the
//! document parsed in one piece (through the same depth guard: past 512 open elements
//! the tree is Chromium's, not plain html5ever's), as an oracle for the chunked parse.
//!
//! The input of the `extract` target is either a whole document (the page URL is then
//! [`FALLBACK_PAGE_URL`] and there is no transport charset), or, when it starts with a
//! NUL byte, `\0PAGE_URL\0CONTENT_TYPE\0BODY`:
//! - `PAGE_URL` (read as UTF-8, lossily) is used when it parses as an absolute http(s)
//!   URL, else the fallback;
//! - `CONTENT_TYPE` is a `Content-Type` value when it holds a `;` (its charset parameter
//!   is then taken with `charset_parameter`), else a bare charset label; empty is none.
//!
//! The input of the `depth` target is `CAP COUNT PREFIX \0 UNIT \0 SUFFIX` (see
//! [`DepthCase`]): a depth cap (mostly a small one) and a document that repeats a small
//! piece of markup, so that a few dozen bytes of input reach past the cap.
//!
//! The input of the `charset` target is read three ways: as a `Content-Type` value
//! (lossily), as a document without transport charset, and, when it holds a NUL byte,
//! as `LABEL\0BODY`.

use std::time::Duration;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, X_USER_DEFINED};
use link_extractor::decode::{charset_parameter, decode, sniff_encoding};
use link_extractor::extract::{
    href_count_in_one_piece, hrefs_for_fuzzing, links_from_bytes, ExtractError, FuzzParse,
};
use url::Url;

/// The page URL when the input names none, or none that is usable.
pub const FALLBACK_PAGE_URL: &str = "http://fuzz.test/dir/page.html?q=1#frag";

/// The parse budget; far above what 64 KiB of input takes, so hitting it is telling.
pub const BUDGET: Duration = Duration::from_secs(2);

/// One input of the `extract` target, taken apart.
#[derive(Debug)]
pub struct ExtractCase<'a> {
    pub page_url: Url,
    pub transport_charset: Option<String>,
    pub body: &'a [u8],
}

impl<'a> ExtractCase<'a> {
    pub fn from_input(data: &'a [u8]) -> Self {
        let fallback = || Url::parse(FALLBACK_PAGE_URL).expect("the fallback URL parses");
        let Some(header) = data.strip_prefix(b"\0") else {
            return ExtractCase {
                page_url: fallback(),
                transport_charset: None,
                body: data,
            };
        };
        let mut fields = header.splitn(3, |&b| b == 0);
        let url_field = fields.next().unwrap_or_default();
        let type_field = fields.next().unwrap_or_default();
        let body = fields.next().unwrap_or_default();

        let page_url = Url::parse(&String::from_utf8_lossy(url_field))
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .unwrap_or_else(fallback);
        let type_field = String::from_utf8_lossy(type_field);
        let transport_charset = if type_field.contains(';') {
            check_charset_parameter(&type_field)
        } else if type_field.is_empty() {
            None
        } else {
            Some(type_field.into_owned())
        };
        ExtractCase {
            page_url,
            transport_charset,
            body,
        }
    }
}

/// What one `extract` input gave, for tests that want to see the harness at work.
#[derive(Debug, PartialEq, Eq)]
pub enum Extracted {
    Links { web: usize, skipped: usize },
    TooSlow,
}

/// Decodes and extracts `data` (see the module documentation for its layout) and
/// asserts that every link kept is an absolute http(s) URL in canonical form.
pub fn check_extract(data: &[u8]) -> Extracted {
    let case = ExtractCase::from_input(data);
    let links = match links_from_bytes(
        case.body,
        case.transport_charset.as_deref(),
        &case.page_url,
        Some(BUDGET),
    ) {
        Ok(links) => links,
        Err(ExtractError::TooSlow(_)) => return Extracted::TooSlow,
    };
    for url in &links.web {
        check_web_url(url, &case);
    }
    let encoding = sniff_encoding(case.body, case.transport_charset.as_deref());
    let in_one_go = href_count_in_one_piece(&decode(case.body, encoding));
    assert_eq!(
        links.web.len() + links.skipped.len(),
        in_one_go,
        "the document parsed in one go has another number of links (case {case:?})"
    );
    Extracted::Links {
        web: links.web.len(),
        skipped: links.skipped.len(),
    }
}

/// Asserts that `url`, a link the extractor kept, is an absolute http(s) URL with a
/// host that reads back unchanged.
pub fn check_web_url(url: &Url, case: &ExtractCase<'_>) {
    assert!(
        matches!(url.scheme(), "http" | "https"),
        "not http(s): {url} (case {case:?})"
    );
    assert!(
        url.host_str().is_some_and(|host| !host.is_empty()),
        "no host: {url} (case {case:?})"
    );
    assert!(
        !url.cannot_be_a_base(),
        "opaque path: {url} (case {case:?})"
    );
    match Url::parse(url.as_str()) {
        Ok(again) => assert_eq!(
            again.as_str(),
            url.as_str(),
            "not canonical: reparsing changes it (case {case:?})"
        ),
        Err(err) => panic!("output does not parse again: {url}: {err} (case {case:?})"),
    }
}

/// The largest document the `depth` target makes.
pub const DEPTH_MAX_DOCUMENT: usize = 32 * 1024;

/// One input of the `depth` target, taken apart.
#[derive(Debug)]
pub struct DepthCase {
    /// The depth cap both parses apply (Chromium's is 512).
    pub max_depth: u32,
    /// `PREFIX`, `UNIT` repeated, `SUFFIX`.
    pub document: String,
}

impl DepthCase {
    /// `CAP COUNT PREFIX \0 UNIT \0 SUFFIX`: the cap is 4 plus `CAP` modulo 64, the
    /// unit repeats `COUNT` times, at most twice the cap plus 8 (past the cap, more
    /// repeats only cost time). The rest, read as UTF-8 (lossily), is split at its
    /// first two NULs into prefix, unit and suffix (missing parts are empty). The count
    /// is lowered until the document fits in [`DEPTH_MAX_DOCUMENT`] bytes.
    ///
    /// Small caps are where the fuzzer explores: the guard's rules do not depend on the
    /// cap, and a document of a hundred bytes goes past a cap of 16 many times, where
    /// under Chromium's 512 the unguarded parse, quadratic, costs a hundred times more
    /// an input. (The `extract` target and the guard's tests parse at 512.)
    pub fn from_input(data: &[u8]) -> Self {
        let (cap, count, rest) = match data {
            [cap, count, rest @ ..] => {
                let cap = 4 + u32::from(*cap % 64);
                let most = 2 * cap as usize + 8;
                (cap, usize::from(*count).min(most), rest)
            }
            _ => (4, 0, data),
        };
        let text = String::from_utf8_lossy(rest);
        let mut parts = text.splitn(3, '\0');
        let prefix = parts.next().unwrap_or_default();
        let unit = parts.next().unwrap_or_default();
        let suffix = parts.next().unwrap_or_default();
        let room = DEPTH_MAX_DOCUMENT.saturating_sub(prefix.len() + suffix.len());
        let count = count.min(room / unit.len().max(1));
        let mut document = String::with_capacity(prefix.len() + unit.len() * count + suffix.len());
        document.push_str(prefix);
        for _ in 0..count {
            document.push_str(unit);
        }
        document.push_str(suffix);
        DepthCase {
            max_depth: cap,
            document,
        }
    }
}

/// The `depth` target: the extractor's parse (chunked, through the depth guard) finds
/// the same `<base href>` and the same links as Chromium's depth rule applied by the
/// tree sink alone, with html5ever's stack of open elements left to grow (see
/// `src/extract/guard.rs`): the same list, or, where the adoption agency may run (see
/// [`runs_adoption_agency`]), the same distinct links, and where it may also move
/// elements across a `<template>`, or where a MathML `annotation-xml` is (html5ever's
/// scope lacks it), nothing (only that neither parse panics). Returns how many links
/// the extractor's parse found.
pub fn check_depth(data: &[u8]) -> usize {
    let case = DepthCase::from_input(data);
    let parse = |how| hrefs_for_fuzzing(&case.document, how, case.max_depth);
    let (guarded_base, mut guarded) = parse(FuzzParse::Guarded);
    let (plain_base, mut plain) = parse(FuzzParse::SinkRuleOnly);
    assert!(
        guarded_base == plain_base,
        "the depth guard changes the base: {guarded_base:?} against {plain_base:?} (document {:?})",
        case.document
    );
    let count = guarded.len();
    let lowercase = case.document.to_ascii_lowercase();
    let agency = runs_adoption_agency(&case.document);
    if agency && lowercase.contains("<template") {
        // The agency moving elements into or out of a template beyond the cap: there
        // the plain rule is not Chromium's either (with <template><a><form><a>, past
        // the cap, Chromium lists both links and the plain rule hides the second in
        // the template, where the guard gives Chromium's list). No oracle: no panic.
        return count;
    }
    if lowercase.contains("annotation-xml") {
        // html5ever leaves MathML annotation-xml out of the default scope (the HTML
        // standard has it), so with one open an end tag such as </div> can close what
        // a browser's would not reach: the plain parse is not Chromium's (nor is the
        // extractor's below the cap; fuzz/README.md). No oracle: no panic.
        return count;
    }
    if agency {
        for list in [&mut guarded, &mut plain] {
            list.sort_unstable();
            list.dedup();
        }
    }
    assert!(
        guarded == plain,
        "the depth guard changes the links: {guarded:?} against {plain:?} (document {:?})",
        case.document
    );
    count
}

/// Whether `html` may run the HTML standard's adoption agency: it has an end tag of a
/// formatting element, or an `<a>` or `<nobr>` start tag (which close an open one).
///
/// Beyond the depth cap the guard closes ordinary elements in html5ever at once, so the
/// agency and the reconstruction of formatting elements see fewer of them than in a
/// browser: the links of the elements the agency moves keep document order, where
/// Chromium, which moves them without applying its cap, gives some in reverse
/// (`ci/chromium-diff/known-differences.json`, `deep-b-div-b-close`), and an `<a>` left
/// open across such an element is copied fewer times (each copy is the same link
/// again). A known difference in the order and number of repeats of a link, never in
/// which links there are (`src/extract/guard.rs`, "Known differences").
pub fn runs_adoption_agency(html: &str) -> bool {
    const FORMATTING: [&str; 14] = [
        "a", "b", "big", "code", "em", "font", "i", "nobr", "s", "small", "strike", "strong", "tt",
        "u",
    ];
    let bytes = html.as_bytes();
    bytes.iter().enumerate().any(|(at, &b)| {
        if b != b'<' {
            return false;
        }
        let (end, name_at) = match bytes.get(at + 1) {
            Some(b'/') => (true, at + 2),
            _ => (false, at + 1),
        };
        let name: String = bytes[name_at.min(bytes.len())..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .map(|c| char::from(c.to_ascii_lowercase()))
            .collect();
        if end {
            FORMATTING.contains(&name.as_str())
        } else {
            name == "a" || name == "nobr"
        }
    })
}

/// `charset_parameter` of `content_type`, checked: a value found is never empty, comes
/// from a parameter (after a `;`), and reads back the same when written quoted.
pub fn check_charset_parameter(content_type: &str) -> Option<String> {
    let value = charset_parameter(content_type)?;
    assert!(!value.is_empty(), "empty charset from {content_type:?}");
    assert!(
        content_type.contains(';'),
        "charset {value:?} without parameters in {content_type:?}"
    );
    let mut quoted = String::from("text/html; charset=\"");
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('"');
    assert_eq!(
        charset_parameter(&quoted).as_deref(),
        Some(value.as_str()),
        "quoted {value:?} does not read back from {quoted:?}"
    );
    Some(value)
}

/// Checks `charset_parameter` and `sniff_encoding` on `data` (see the module
/// documentation), then decodes it.
pub fn check_charset(data: &[u8]) {
    check_charset_parameter(&String::from_utf8_lossy(data));

    let sniffed = sniff_encoding(data, None);
    if Encoding::for_bom(data).is_none() {
        // A declaration in the document never selects these (HTML standard, prescan).
        assert!(
            ![UTF_16BE, UTF_16LE, X_USER_DEFINED].contains(&sniffed),
            "document declared {} ({data:?})",
            sniffed.name()
        );
    }
    let _ = decode(data, sniffed);

    if let Some(nul) = data.iter().position(|&b| b == 0) {
        let label = String::from_utf8_lossy(&data[..nul]);
        let body = &data[nul + 1..];
        let with_label = sniff_encoding(body, Some(&label));
        match Encoding::for_bom(body) {
            Some((from_bom, _)) => assert_eq!(with_label, from_bom, "BOM loses to {label:?}"),
            None => match Encoding::for_label(label.as_bytes()) {
                Some(from_label) => assert_eq!(
                    with_label, from_label,
                    "transport charset {label:?} ignored"
                ),
                None => assert_eq!(
                    with_label,
                    sniff_encoding(body, None),
                    "unknown label {label:?} changed the sniffing"
                ),
            },
        }
        let _ = decode(body, with_label);
    }
}

/// The most the `codings` check decodes: far above what its inputs decode to, unless
/// they are bombs, which must stop here.
pub const CODINGS_CAP: u64 = 1 << 20;

/// The `codings` target. The first byte picks the codings: its top two bits how many
/// (0 to 3), each pair of the low six bits one coding (gzip, deflate, br, zstd), and,
/// for deflate, whether the roundtrip wraps it in zlib (the count's low bit). The rest
/// is decoded as it came (no panic, never past the cap, a truncated read at the cap at
/// most), then encoded with real encoders and decoded again (the bytes come back).
pub fn check_codings(data: &[u8]) {
    use link_extractor::fetch::body::{self, BodyError, Overflow};
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let codings = selected_codings(selector);
    for overflow in [Overflow::Fail, Overflow::Truncate] {
        match body::decode(rest, &codings, CODINGS_CAP, overflow, None) {
            Ok(bytes) => assert!(bytes.len() as u64 <= CODINGS_CAP, "{} bytes", bytes.len()),
            Err(BodyError::TooLarge) => assert_eq!(overflow, Overflow::Fail),
            Err(BodyError::Corrupt { .. }) => {}
            Err(other) => panic!("{other:?} from bytes in memory"),
        }
    }
    let zlib = selector & 0x40 != 0;
    let mut encoded = rest.to_vec();
    for &coding in &codings {
        encoded = encode(coding, &encoded, zlib);
    }
    match body::decode(&encoded[..], &codings, CODINGS_CAP, Overflow::Fail, None) {
        Ok(decoded) => assert!(decoded == rest, "{codings:?}: the bytes did not come back"),
        Err(error) => panic!("{codings:?}: a real encoding does not decode: {error:?}"),
    }
}

fn selected_codings(selector: u8) -> Vec<link_extractor::fetch::Coding> {
    use link_extractor::fetch::Coding;
    (0..usize::from(selector >> 6))
        .map(|n| match (selector >> (2 * n)) & 3 {
            0 => Coding::Gzip,
            1 => Coding::Deflate,
            2 => Coding::Brotli,
            _ => Coding::Zstd,
        })
        .collect()
}

fn encode(coding: link_extractor::fetch::Coding, bytes: &[u8], zlib: bool) -> Vec<u8> {
    use link_extractor::fetch::Coding;
    use std::io::Write;
    match coding {
        Coding::Gzip => {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(bytes).expect("in memory");
            encoder.finish().expect("in memory")
        }
        Coding::Deflate if zlib => {
            let mut encoder =
                flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(bytes).expect("in memory");
            encoder.finish().expect("in memory")
        }
        Coding::Deflate => {
            let mut encoder =
                flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
            encoder.write_all(bytes).expect("in memory");
            encoder.finish().expect("in memory")
        }
        Coding::Brotli => {
            let mut out = Vec::new();
            // Quality 1 and a 64 KiB window: the default (quality 11) costs milliseconds
            // an input, most of the target's time; the decoder sees a valid stream either way.
            let params = brotli::enc::BrotliEncoderParams {
                quality: 1,
                lgwin: 16,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("in memory");
            out
        }
        Coding::Zstd => {
            ruzstd::encoding::compress_to_vec(bytes, ruzstd::encoding::CompressionLevel::Fastest)
        }
    }
}
