//! Bytes to text, choosing the encoding the way a browser does.
//!
//! Order of precedence (WHATWG HTML "determining the character encoding"):
//! a byte-order mark, then the `charset` of the `Content-Type` header, then a
//! `<meta charset>` / `<meta http-equiv>` found by the prescan of the first 1024
//! bytes, else windows-1252. Invalid bytes become U+FFFD; decoding never fails.

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252, X_USER_DEFINED};

/// How many bytes the `<meta>` prescan looks at, as in browsers.
const PRESCAN_BYTES: usize = 1024;

/// Picks the encoding of an HTML document.
///
/// `transport_charset` is the `charset` parameter of the `Content-Type` header, if any;
/// an unknown label is ignored, as browsers ignore it.
pub fn sniff_encoding(bytes: &[u8], transport_charset: Option<&str>) -> &'static Encoding {
    if let Some((encoding, _)) = Encoding::for_bom(bytes) {
        return encoding;
    }
    if let Some(encoding) =
        transport_charset.and_then(|label| Encoding::for_label(label.as_bytes()))
    {
        return encoding;
    }
    prescan(&bytes[..bytes.len().min(PRESCAN_BYTES)]).unwrap_or(WINDOWS_1252)
}

/// Decodes `bytes` as `encoding`, dropping a BOM that matches it. Malformed sequences
/// become U+FFFD.
pub fn decode<'a>(bytes: &'a [u8], encoding: &'static Encoding) -> Cow<'a, str> {
    encoding.decode_with_bom_removal(bytes).0
}

/// The WHATWG "prescan a byte stream to determine its encoding" algorithm.
fn prescan(bytes: &[u8]) -> Option<&'static Encoding> {
    let mut pos = 0;
    while pos < bytes.len() {
        let rest = &bytes[pos..];
        if rest.starts_with(b"<!--") {
            // Skip to the end of the comment: the first "-->" whose dashes may overlap
            // the opening ones ("<!-->" is a complete comment).
            pos = find(bytes, pos + 2, b"-->")? + 3;
        } else if starts_with_ignore_case(rest, b"<meta")
            && rest.get(5).is_some_and(|&b| is_space_or_slash(b))
        {
            pos += 5;
            match meta_encoding(bytes, &mut pos)? {
                Some(encoding) => return Some(encoding),
                None => continue,
            }
        } else if rest.len() >= 2
            && rest[0] == b'<'
            && (rest[1].is_ascii_alphabetic()
                || (rest[1] == b'/' && rest.get(2).is_some_and(u8::is_ascii_alphabetic)))
        {
            // A start or end tag: skip its name, then its attributes.
            pos += 1;
            while pos < bytes.len() && !is_whitespace(bytes[pos]) && bytes[pos] != b'>' {
                pos += 1;
            }
            while get_attribute(bytes, &mut pos)?.is_some() {}
            pos += 1;
        } else if rest.starts_with(b"<!") || rest.starts_with(b"</") || rest.starts_with(b"<?") {
            pos = find(bytes, pos + 2, b">")? + 1;
        } else {
            pos += 1;
        }
    }
    None
}

/// Reads the attributes of a `<meta` tag starting at `pos` and says which encoding it
/// declares. The outer `None` means the input ended inside the tag.
fn meta_encoding(bytes: &[u8], pos: &mut usize) -> Option<Option<&'static Encoding>> {
    let mut seen: Vec<Vec<u8>> = Vec::new();
    let mut got_pragma = false;
    let mut need_pragma: Option<bool> = None;
    let mut charset: Option<&'static Encoding> = None;
    while let Some((name, value)) = get_attribute(bytes, pos)? {
        if seen.contains(&name) {
            continue;
        }
        match name.as_slice() {
            b"http-equiv" => got_pragma |= value == b"content-type",
            b"content" if charset.is_none() => {
                if let Some(found) = charset_from_content(&value) {
                    charset = Some(found);
                    need_pragma = Some(true);
                }
            }
            b"charset" => {
                charset = Encoding::for_label(&value);
                need_pragma = Some(false);
            }
            _ => {}
        }
        seen.push(name);
    }
    let declared = match need_pragma {
        None => None,
        Some(true) if !got_pragma => None,
        _ => charset,
    };
    Some(declared.map(|encoding| {
        if encoding == UTF_16BE || encoding == UTF_16LE {
            UTF_8
        } else if encoding == X_USER_DEFINED {
            WINDOWS_1252
        } else {
            encoding
        }
    }))
}

/// The WHATWG "get an attribute" step of the prescan. Returns `Some(None)` at the end
/// of the tag (`pos` then points at the `>`), `None` when the input ends first.
/// Names and values are lowercased, as the algorithm says.
#[allow(clippy::type_complexity)]
fn get_attribute(bytes: &[u8], pos: &mut usize) -> Option<Option<(Vec<u8>, Vec<u8>)>> {
    while is_whitespace(*bytes.get(*pos)?) || bytes[*pos] == b'/' {
        *pos += 1;
    }
    if bytes[*pos] == b'>' {
        return Some(None);
    }
    let mut name = Vec::new();
    let mut value = Vec::new();
    // The name.
    loop {
        let b = *bytes.get(*pos)?;
        if b == b'=' && !name.is_empty() {
            *pos += 1;
            break;
        }
        if is_whitespace(b) {
            while is_whitespace(*bytes.get(*pos)?) {
                *pos += 1;
            }
            if bytes[*pos] != b'=' {
                return Some(Some((name, value)));
            }
            *pos += 1;
            break;
        }
        if b == b'/' || b == b'>' {
            return Some(Some((name, value)));
        }
        name.push(b.to_ascii_lowercase());
        *pos += 1;
    }
    // The value.
    while is_whitespace(*bytes.get(*pos)?) {
        *pos += 1;
    }
    let first = bytes[*pos];
    if first == b'"' || first == b'\'' {
        *pos += 1;
        loop {
            let b = *bytes.get(*pos)?;
            *pos += 1;
            if b == first {
                return Some(Some((name, value)));
            }
            value.push(b.to_ascii_lowercase());
        }
    }
    if first == b'>' {
        return Some(Some((name, value)));
    }
    loop {
        let b = *bytes.get(*pos)?;
        if is_whitespace(b) || b == b'>' {
            return Some(Some((name, value)));
        }
        value.push(b.to_ascii_lowercase());
        *pos += 1;
    }
}

/// The WHATWG "extract a character encoding from a meta element" algorithm, applied to
/// the (already lowercased) `content` attribute of `<meta http-equiv=content-type>`.
fn charset_from_content(content: &[u8]) -> Option<&'static Encoding> {
    let mut pos = 0;
    loop {
        pos = find(content, pos, b"charset")? + b"charset".len();
        while content.get(pos).is_some_and(|&b| is_whitespace(b)) {
            pos += 1;
        }
        if content.get(pos) == Some(&b'=') {
            pos += 1;
            break;
        }
    }
    while content.get(pos).is_some_and(|&b| is_whitespace(b)) {
        pos += 1;
    }
    let rest = &content[pos..];
    let label = match rest.first()? {
        &quote @ (b'"' | b'\'') => {
            let end = rest[1..].iter().position(|&b| b == quote)?;
            &rest[1..1 + end]
        }
        _ => {
            let end = rest
                .iter()
                .position(|&b| is_whitespace(b) || b == b';')
                .unwrap_or(rest.len());
            &rest[..end]
        }
    };
    Encoding::for_label(label)
}

fn find(haystack: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|i| i + from)
}

fn starts_with_ignore_case(bytes: &[u8], prefix: &[u8]) -> bool {
    bytes.len() >= prefix.len() && bytes[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
}

fn is_space_or_slash(b: u8) -> bool {
    is_whitespace(b) || b == b'/'
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{EUC_JP, GBK, ISO_8859_2, SHIFT_JIS, WINDOWS_1251};

    fn sniff(html: &str) -> &'static str {
        sniff_encoding(html.as_bytes(), None).name()
    }

    #[test]
    fn bom_wins_over_everything() {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(b"<meta charset=shift_jis>");
        assert_eq!(sniff_encoding(&bytes, Some("iso-8859-2")), UTF_8);
        assert_eq!(sniff_encoding(b"\xFF\xFEa\0", Some("utf-8")), UTF_16LE);
        assert_eq!(sniff_encoding(b"\xFE\xFF\0a", None), UTF_16BE);
    }

    #[test]
    fn header_charset_wins_over_meta_and_unknown_labels_are_ignored() {
        let html = b"<meta charset=shift_jis>";
        assert_eq!(sniff_encoding(html, Some("ISO-8859-2")), ISO_8859_2);
        assert_eq!(sniff_encoding(html, Some("no-such-charset")), SHIFT_JIS);
    }

    #[test]
    fn meta_forms() {
        assert_eq!(
            sniff("<meta charset=\"windows-1251\">"),
            WINDOWS_1251.name()
        );
        assert_eq!(sniff("<META CHARSET='EUC-JP'>"), EUC_JP.name());
        assert_eq!(sniff("<meta/charset=gb2312>"), GBK.name());
        assert_eq!(
            sniff("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=iso-8859-2\">"),
            ISO_8859_2.name()
        );
        // content= without the http-equiv pragma does not count.
        assert_eq!(
            sniff("<meta content=\"text/html; charset=iso-8859-2\">"),
            "windows-1252"
        );
        // Order of attributes does not matter.
        assert_eq!(
            sniff("<meta content='text/html;charset = \"koi8-r\"' http-equiv=content-type>"),
            "KOI8-R"
        );
    }

    #[test]
    fn labels_map_as_the_encoding_standard_says() {
        assert_eq!(sniff("<meta charset=iso-8859-1>"), "windows-1252");
        assert_eq!(sniff("<meta charset=us-ascii>"), "windows-1252");
        assert_eq!(sniff("<meta charset=utf-16>"), "UTF-8");
        assert_eq!(sniff("<meta charset=x-user-defined>"), "windows-1252");
    }

    #[test]
    fn comments_tags_and_late_declarations() {
        assert_eq!(
            sniff("<!-- <meta charset=koi8-r> --><meta charset=euc-jp>"),
            "EUC-JP"
        );
        assert_eq!(sniff("<!--><meta charset=euc-jp>"), "EUC-JP");
        assert_eq!(
            sniff("<div title='<meta charset=koi8-r>'><meta charset=euc-jp>"),
            "EUC-JP"
        );
        let late = format!("<p>{}</p><meta charset=koi8-r>", "x".repeat(1100));
        assert_eq!(sniff(&late), "windows-1252");
        assert_eq!(sniff("<metacharset=koi8-r>"), "windows-1252");
        assert_eq!(sniff("no declaration"), "windows-1252");
        assert_eq!(sniff("<meta charset=bogus><meta charset=koi8-r>"), "KOI8-R");
    }

    #[test]
    fn truncated_input_never_panics() {
        for html in [
            "<meta",
            "<meta charset",
            "<meta charset=\"utf",
            "<a b='",
            "<!--",
            "<!x",
            "<meta content=",
        ] {
            assert_eq!(sniff(html), "windows-1252", "{html}");
        }
    }

    #[test]
    fn decoding_replaces_invalid_bytes() {
        assert_eq!(decode(b"a\xFFb", UTF_8), "a\u{FFFD}b");
        assert_eq!(decode(b"\xEF\xBB\xBFabc", UTF_8), "abc");
        assert_eq!(decode(b"caf\xE9", WINDOWS_1252), "caf\u{e9}");
    }
}
