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
//! The input of the `charset` target is read three ways: as a `Content-Type` value
//! (lossily), as a document without transport charset, and, when it holds a NUL byte,
//! as `LABEL\0BODY`.

use std::time::Duration;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, X_USER_DEFINED};
use link_extractor::decode::{charset_parameter, decode, sniff_encoding};
use link_extractor::extract::{href_count_in_one_piece, links_from_bytes, ExtractError};
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
