//! Bytes to text, choosing the encoding the way a browser (Chromium) does.
//!
//! Order of precedence: a byte-order mark, then the `charset` of the `Content-Type`
//! header, then an XML declaration's `encoding`, then a `<meta charset>` /
//! `<meta http-equiv>` found by the prescan, else windows-1252. Invalid bytes become
//! U+FFFD; decoding never fails.
//!
//! The prescan follows Chromium rather than the letter of the HTML standard: it
//! tokenizes (so a `<meta>` inside `<script>`, `<title>` or `<style>` does not count)
//! and looks past the first 1024 bytes for as long as only head elements were seen.

use std::borrow::Cow;
use std::cell::Cell;

use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252, X_USER_DEFINED};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, StartTag, TagToken, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::{local_name, LocalName};

/// How many bytes the prescan always looks at, as in browsers.
const PRESCAN_BYTES: usize = 1024;
/// Past [`PRESCAN_BYTES`], the prescan advances this much at a time while in the head.
const PRESCAN_STEP: usize = 256;

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
    xml_declaration_encoding(bytes)
        .or_else(|| prescan(bytes))
        .map(for_html)
        .unwrap_or(WINDOWS_1252)
}

/// Decodes `bytes` as `encoding`, dropping a BOM that matches it. Malformed sequences
/// become U+FFFD.
pub fn decode<'a>(bytes: &'a [u8], encoding: &'static Encoding) -> Cow<'a, str> {
    encoding.decode_with_bom_removal(bytes).0
}

/// The `charset` parameter of a `Content-Type` value, parsed as the WHATWG MIME Sniffing
/// standard says (and Chromium does): parameter names are case-insensitive, values may
/// be quoted (with backslash escapes), and the first `charset` wins.
pub fn charset_parameter(content_type: &str) -> Option<String> {
    let (_, params) = content_type.split_once(';')?;
    let mut rest = params;
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        let name_end = rest.find([';', '=']).unwrap_or(rest.len());
        let name = &rest[..name_end];
        rest = &rest[name_end..];
        let value = match rest.strip_prefix('=') {
            None => None,
            Some(after) if after.starts_with('"') => {
                let mut value = String::new();
                let mut chars = after[1..].char_indices();
                let mut end = after.len();
                while let Some((i, c)) = chars.next() {
                    match c {
                        '"' => {
                            end = i + 2;
                            break;
                        }
                        '\\' => match chars.next() {
                            Some((_, escaped)) => value.push(escaped),
                            None => value.push('\\'),
                        },
                        c => value.push(c),
                    }
                }
                rest = &after[end..];
                rest = rest.find(';').map_or("", |i| &rest[i..]);
                Some(value)
            }
            Some(after) => {
                let end = after.find(';').unwrap_or(after.len());
                rest = &after[end..];
                Some(
                    after[..end]
                        .trim_end_matches([' ', '\t', '\r', '\n'])
                        .to_owned(),
                )
            }
        };
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            if name.eq_ignore_ascii_case("charset") {
                return Some(value);
            }
        }
        rest = rest.strip_prefix(';')?;
    }
}

/// HTML never decodes as UTF-16 from a declaration, nor as x-user-defined.
fn for_html(encoding: &'static Encoding) -> &'static Encoding {
    if encoding == UTF_16BE || encoding == UTF_16LE {
        UTF_8
    } else if encoding == X_USER_DEFINED {
        WINDOWS_1252
    } else {
        encoding
    }
}

/// `<?xml version="1.0" encoding="LABEL"?>` at the very start, as Chromium honours it.
fn xml_declaration_encoding(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PRESCAN_BYTES)];
    if !head.starts_with(b"<?xml") {
        return None;
    }
    let declaration = &head[..find(head, 0, b"?>")?];
    let mut pos = find(declaration, 0, b"encoding")? + b"encoding".len();
    let skip_space = |pos: &mut usize| {
        while declaration.get(*pos).is_some_and(|&b| is_whitespace(b)) {
            *pos += 1;
        }
    };
    skip_space(&mut pos);
    if declaration.get(pos) != Some(&b'=') {
        return None;
    }
    pos += 1;
    skip_space(&mut pos);
    let quote = *declaration.get(pos).filter(|&&b| b == b'"' || b == b'\'')?;
    let label = &declaration[pos + 1..];
    let label = &label[..label.iter().position(|&b| b == quote)?];
    Encoding::for_label(label)
}

/// Looks for a `<meta>` encoding declaration: tokenizes the first 1024 bytes, and
/// goes on past them while only elements allowed in `<head>` have been seen.
fn prescan(bytes: &[u8]) -> Option<&'static Encoding> {
    let tokenizer = Tokenizer::new(MetaScan::default(), TokenizerOpts::default());
    let queue = BufferQueue::default();
    let feed = |chunk: &[u8]| {
        // Tag structure is ASCII; read the bytes as Latin-1 so that every byte is one
        // character whatever the real encoding.
        queue.push_back(StrTendril::from(
            chunk.iter().map(|&b| char::from(b)).collect::<String>(),
        ));
        let _ = tokenizer.feed(&queue);
    };
    let (first, rest) = bytes.split_at(bytes.len().min(PRESCAN_BYTES));
    feed(first);
    for chunk in rest.chunks(PRESCAN_STEP) {
        if tokenizer.sink.found.get().is_some() || !tokenizer.sink.in_head.get() {
            break;
        }
        tokenizer.sink.past_first_bytes.set(true);
        feed(chunk);
    }
    tokenizer.sink.found.get()
}

/// The token sink of the prescan.
struct MetaScan {
    found: Cell<Option<&'static Encoding>>,
    /// No element outside the head allow-list seen yet.
    in_head: Cell<bool>,
    /// The first 1024 bytes are behind us: a declaration now counts only in the head.
    past_first_bytes: Cell<bool>,
}

impl Default for MetaScan {
    fn default() -> Self {
        MetaScan {
            found: Cell::new(None),
            in_head: Cell::new(true),
            past_first_bytes: Cell::new(false),
        }
    }
}

impl TokenSink for MetaScan {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        if self.found.get().is_some() {
            return TokenSinkResult::Continue;
        }
        let start = tag.kind == StartTag;
        if start
            && tag.name == local_name!("meta")
            && (self.in_head.get() || !self.past_first_bytes.get())
        {
            self.found.set(meta_declaration(&tag.attrs));
        }
        let head_element = matches!(
            tag.name,
            local_name!("script")
                | local_name!("noscript")
                | local_name!("style")
                | local_name!("link")
                | local_name!("meta")
                | local_name!("object")
                | local_name!("title")
                | local_name!("base")
        ) || (start
            && matches!(tag.name, local_name!("html") | local_name!("head")));
        if !head_element {
            self.in_head.set(false);
        }
        if start {
            // Their content is text, not markup: a <meta> in a <script> does not count.
            return raw_text_state(&tag.name);
        }
        TokenSinkResult::Continue
    }
}

fn raw_text_state(name: &LocalName) -> TokenSinkResult<()> {
    match *name {
        local_name!("title") | local_name!("textarea") => TokenSinkResult::RawData(RawKind::Rcdata),
        local_name!("script") => TokenSinkResult::RawData(RawKind::ScriptData),
        local_name!("style")
        | local_name!("xmp")
        | local_name!("iframe")
        | local_name!("noembed")
        | local_name!("noframes") => TokenSinkResult::RawData(RawKind::Rawtext),
        local_name!("plaintext") => TokenSinkResult::Plaintext,
        _ => TokenSinkResult::Continue,
    }
}

/// The encoding a `<meta>` declares: `charset`, or `content` with
/// `http-equiv="content-type"`.
fn meta_declaration(attrs: &[html5ever::Attribute]) -> Option<&'static Encoding> {
    let mut got_pragma = false;
    let mut from_content = None;
    let mut from_charset = None;
    for attr in attrs {
        match attr.name.local {
            local_name!("http-equiv") => {
                got_pragma |= attr.value.trim().eq_ignore_ascii_case("content-type")
            }
            local_name!("charset") => {
                from_charset = Some(Encoding::for_label(attr.value.as_bytes()))
            }
            local_name!("content") => {
                from_content = charset_from_content(attr.value.to_ascii_lowercase().as_bytes())
            }
            _ => {}
        }
    }
    match from_charset {
        Some(declared) => declared,
        None if got_pragma => from_content,
        None => None,
    }
}

/// The WHATWG "extract a character encoding from a meta element" algorithm, applied to
/// the (lowercased) `content` attribute of `<meta http-equiv=content-type>`.
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

fn is_whitespace(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0C' | b'\r' | b' ')
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
        // Past 1024 bytes, a declaration still counts while only head elements came.
        let late_in_head = format!(
            "<html><head><!--{}--><script>var a='<p>';</script><meta charset=koi8-r>",
            "x".repeat(3000)
        );
        assert_eq!(sniff(&late_in_head), "KOI8-R");
        let late_after_div = format!(
            "<div></div><!--{}--><meta charset=koi8-r>",
            "x".repeat(3000)
        );
        assert_eq!(sniff(&late_after_div), "windows-1252");
        assert_eq!(sniff("<metacharset=koi8-r>"), "windows-1252");
        assert_eq!(sniff("no declaration"), "windows-1252");
        assert_eq!(sniff("<meta charset=bogus><meta charset=koi8-r>"), "KOI8-R");
    }

    #[test]
    fn meta_inside_raw_text_does_not_count() {
        // <noscript> is markup here, as in Chromium's prescan.
        assert_eq!(
            sniff("<noscript><meta charset=koi8-r></noscript>"),
            "KOI8-R"
        );
        for element in ["script", "style", "title", "textarea", "xmp", "iframe"] {
            let html = format!("<{element}><meta charset=koi8-r></{element}>");
            assert_eq!(sniff(&html), "windows-1252", "{element}");
        }
    }

    #[test]
    fn xml_declaration() {
        assert_eq!(
            sniff("<?xml version=\"1.0\" encoding=\"koi8-r\"?><html>"),
            "KOI8-R"
        );
        assert_eq!(
            sniff("<?xml version='1.0' encoding = 'ISO-8859-2' ?><meta charset=koi8-r>"),
            "ISO-8859-2"
        );
        assert_eq!(
            sniff(" <?xml version='1.0' encoding='koi8-r'?>"),
            "windows-1252"
        );
    }

    #[test]
    fn content_type_charset_parameter() {
        let charset = |value: &str| charset_parameter(value);
        assert_eq!(charset("text/html; charset=UTF-8"), Some("UTF-8".into()));
        assert_eq!(charset("TEXT/HTML;CHARSET=koi8-r"), Some("koi8-r".into()));
        assert_eq!(
            charset("text/html; charset=\"koi8-r\"; x=y"),
            Some("koi8-r".into())
        );
        assert_eq!(
            charset("text/html; charset=\"koi8-r"),
            Some("koi8-r".into())
        );
        assert_eq!(
            charset("text/html; charset=\"koi\\8-r\""),
            Some("koi8-r".into())
        );
        assert_eq!(
            charset("text/html; charset=koi8-r; charset=windows-1251"),
            Some("koi8-r".into())
        );
        assert_eq!(
            charset("text/html; x=\"a;charset=b\"; charset=c"),
            Some("c".into())
        );
        assert_eq!(charset("text/html; charset = koi8-r"), None);
        assert_eq!(charset("text/html; charset="), None);
        assert_eq!(charset("text/html"), None);
        assert_eq!(
            charset("text/html; charset='koi8-r'"),
            Some("'koi8-r'".into())
        );
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
