//! HTML text to links, as `document.links` lists them with scripting off.
//!
//! A pure function of the document and its URL: nothing here touches the network.

use std::borrow::Cow;
use std::fmt;
use std::time::{Duration, Instant};

use encoding_rs::{EncoderResult, Encoding, UTF_8};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{BufferQueue, TokenSink, Tokenizer, TokenizerOpts};
use html5ever::tree_builder::{
    ElementFlags, NodeOrText, QuirksMode, TreeBuilder, TreeBuilderOpts, TreeSink,
};
use html5ever::{local_name, ns, Attribute, ExpandedName, QualName, TokenizerResult};
use markup5ever_rcdom::{Handle, NodeData, RcDom};
use url::Url;

use crate::decode;
use crate::units::human_duration;

mod guard;

pub use guard::MAX_DEPTH;
use guard::{DepthSink, Depths, Guard, Placement};

/// The links of one document, in document order, duplicates kept.
#[derive(Debug, Default)]
pub struct Links {
    /// `http` and `https` links, resolved; `file` links too when the page URL is a
    /// `file:` URL.
    pub web: Vec<Url>,
    /// `href` values that resolved to another scheme or did not parse (kept for `-v`).
    pub skipped: Vec<String>,
}

/// Why a document's links could not be extracted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtractError {
    /// Parsing did not finish within the time budget: a safety net that turns markup
    /// still too costly for the tree builder into a named failure instead of a stuck
    /// worker. (Deep nesting is not such markup any more: the guard keeps it within
    /// Chromium's depth cap, see `guard.rs`.)
    TooSlow(Duration),
}

impl fmt::Display for ExtractError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtractError::TooSlow(budget) => write!(
                f,
                "HTML too complex: not parsed within {} (--timeout)",
                human_duration(*budget)
            ),
        }
    }
}

impl std::error::Error for ExtractError {}

/// How much text the parser takes between two looks at the clock. Small, so that a
/// chunk of costly markup cannot overrun the budget by much: before the depth guard,
/// with 32 KiB, 100k nested `<div>`s overran a 2 s budget by 1-3 s (debug build); with
/// 4 KiB, by well under a second.
const PARSE_CHUNK_BYTES: usize = 4 * 1024;

/// Decodes `bytes` (see [`decode::sniff_encoding`]) and extracts their links, resolved
/// against `page_url`, the final URL of the page after redirects. Parsing gives up
/// after `budget`, if one is given.
///
/// This is the one path from a page's bytes to its links, for fetched pages and for
/// local files alike.
pub fn links_from_bytes(
    bytes: &[u8],
    transport_charset: Option<&str>,
    page_url: &Url,
    budget: Option<Duration>,
) -> Result<Links, ExtractError> {
    let encoding = decode::sniff_encoding(bytes, transport_charset);
    let text = decode::decode(bytes, encoding);
    links_from_text(&text, encoding, page_url, budget)
}

/// Extracts the links of an HTML document already decoded from `encoding`.
///
/// `encoding` still matters: browsers percent-encode the query of `http(s)` links in the
/// document's encoding.
pub fn links_from_text(
    html: &str,
    encoding: &'static Encoding,
    page_url: &Url,
    budget: Option<Duration>,
) -> Result<Links, ExtractError> {
    let hrefs = collect_hrefs(html, budget)?;
    // A local document (`--html FILE` without `--base`) keeps its `file:` links: they
    // are what a site check wants to see, and they cannot come from a web page.
    let keep_file_links = page_url.scheme() == "file";
    Ok(resolve(&hrefs, encoding, page_url, |url| {
        matches!(url.scheme(), "http" | "https") || (keep_file_links && url.scheme() == "file")
    }))
}

/// What the document tree holds: the first `<base href>` and every `a`/`area` `href`.
struct Hrefs {
    base: Option<String>,
    links: Vec<String>,
}

/// The document tree of `html`, as Chromium builds it (without text and comments).
#[cfg(test)]
fn parse(html: &str, budget: Option<Duration>) -> Result<RcDom, ExtractError> {
    parse_in_chunks(html, budget, PARSE_CHUNK_BYTES)
}

/// How many `a`/`area` elements with an `href` the document has when parsed in one
/// piece, through the same depth guard: the fuzz oracle for the chunked parse (where
/// chunks meet must not change the links).
#[doc(hidden)]
pub fn href_count_in_one_piece(html: &str) -> usize {
    collect_hrefs_in_chunks(html, None, html.len().max(1)).map_or(0, |hrefs| hrefs.links.len())
}

/// How the `depth` fuzz target parses a document (see [`hrefs_for_fuzzing`]).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FuzzParse {
    /// As the extractor parses: in chunks, through the depth guard.
    Guarded,
    /// In one piece, with Chromium's depth cap applied by the tree sink alone and no
    /// guard: html5ever's stack of open elements then grows with the document (quadratic
    /// on deep pages), which is the plain reading of Chromium's rule, the one the guard
    /// must give the same links as.
    SinkRuleOnly,
}

/// The first `<base href>` and every `a`/`area` `href` of `html`, in tree order, parsed
/// as `how` says, under a depth cap of `max_depth` (Chromium's is [`MAX_DEPTH`]; the
/// `depth` fuzz target compares the two ways, mostly under small caps, which small
/// documents reach past).
#[doc(hidden)]
pub fn hrefs_for_fuzzing(
    html: &str,
    how: FuzzParse,
    max_depth: u32,
) -> (Option<String>, Vec<String>) {
    let dom = match how {
        FuzzParse::Guarded => {
            let builder = link_tree_builder(max_depth);
            let tokenizer = Tokenizer::new(Guard::new(builder), TokenizerOpts::default());
            feed_in_chunks(&tokenizer, html, None, PARSE_CHUNK_BYTES)
                .map(|()| tokenizer.sink.builder.sink.finish())
        }
        FuzzParse::SinkRuleOnly => {
            let builder = link_tree_builder(max_depth);
            let tokenizer = Tokenizer::new(builder, TokenizerOpts::default());
            feed_in_chunks(&tokenizer, html, None, html.len().max(1))
                .map(|()| tokenizer.sink.sink.finish())
        }
    };
    match dom {
        Ok(dom) => {
            let hrefs = hrefs_in(&dom);
            (hrefs.base, hrefs.links)
        }
        // No budget was given.
        Err(ExtractError::TooSlow(_)) => (None, Vec::new()),
    }
}

/// A tree builder into a [`LinkDom`] under a depth cap of `max_depth`, with the options
/// of a browser without scripts.
fn link_tree_builder(max_depth: u32) -> TreeBuilder<Handle, LinkDom> {
    TreeBuilder::new(
        LinkDom {
            dom: RcDom::default(),
            depths: Depths::with_max_depth(max_depth),
        },
        TreeBuilderOpts {
            // Scripting off: <noscript> content is parsed as markup, as in a browser
            // with JavaScript disabled.
            scripting_enabled: false,
            ..TreeBuilderOpts::default()
        },
    )
}

fn parse_in_chunks(
    html: &str,
    budget: Option<Duration>,
    chunk_bytes: usize,
) -> Result<RcDom, ExtractError> {
    // html5ever's tokenizer, the guard that keeps deep documents within Chromium's
    // depth cap (guard.rs), then the tree builder into an rcdom.
    let builder = link_tree_builder(MAX_DEPTH);
    let tokenizer = Tokenizer::new(Guard::new(builder), TokenizerOpts::default());
    feed_in_chunks(&tokenizer, html, budget, chunk_bytes)?;
    Ok(tokenizer.sink.builder.sink.finish())
}

/// Feeds `html` to `tokenizer` `chunk_bytes` at a time, and ends it. Gives up after
/// `budget`, if one is given.
fn feed_in_chunks<Sink: TokenSink>(
    tokenizer: &Tokenizer<Sink>,
    html: &str,
    budget: Option<Duration>,
    chunk_bytes: usize,
) -> Result<(), ExtractError> {
    let input = BufferQueue::default();
    let started = Instant::now();
    let mut rest = html;
    while !rest.is_empty() {
        let mut end = rest.len().min(chunk_bytes);
        while !rest.is_char_boundary(end) {
            end += 1;
        }
        let (chunk, after) = rest.split_at(end);
        input.push_back(StrTendril::from_slice(chunk));
        // Scripts are not run and encodings were settled before: only Done ends a feed.
        while !matches!(tokenizer.feed(&input), TokenizerResult::Done) {}
        rest = after;
        if let Some(budget) = budget {
            if !rest.is_empty() && started.elapsed() > budget {
                return Err(ExtractError::TooSlow(budget));
            }
        }
    }
    tokenizer.end();
    Ok(())
}

fn collect_hrefs(html: &str, budget: Option<Duration>) -> Result<Hrefs, ExtractError> {
    collect_hrefs_in_chunks(html, budget, PARSE_CHUNK_BYTES)
}

fn collect_hrefs_in_chunks(
    html: &str,
    budget: Option<Duration>,
    chunk_bytes: usize,
) -> Result<Hrefs, ExtractError> {
    parse_in_chunks(html, budget, chunk_bytes).map(|dom| hrefs_in(&dom))
}

/// The first `<base href>` and the `a`/`area` `href`s of `dom`, in tree order.
fn hrefs_in(dom: &RcDom) -> Hrefs {
    let mut hrefs = Hrefs {
        base: None,
        links: Vec::new(),
    };
    // Tree order, with an explicit stack: documents can nest 100k elements deep.
    // Template contents are not children of the template in the rcdom, so links in
    // them are never reached, as in `document.links`.
    let mut stack: Vec<Handle> = vec![dom.document.clone()];
    while let Some(node) = stack.pop() {
        if let NodeData::Element { name, attrs, .. } = &node.data {
            if name.ns == ns!(html) {
                let is_link = name.local == local_name!("a") || name.local == local_name!("area");
                let is_base = name.local == local_name!("base") && hrefs.base.is_none();
                if is_link || is_base {
                    let attrs = attrs.borrow();
                    let href = attrs.iter().find(|attr| {
                        attr.name.ns == ns!() && attr.name.local == local_name!("href")
                    });
                    if let Some(href) = href {
                        if is_link {
                            hrefs.links.push(href.value.to_string());
                        } else {
                            hrefs.base = Some(href.value.to_string());
                        }
                    }
                }
            }
        }
        let children = node.children.borrow();
        stack.extend(children.iter().rev().cloned());
    }
    hrefs
}

/// The rcdom as links need it: [`RcDom`] does all the tree building, but text, comments
/// and parse errors are not kept. Links are elements and attributes only, and the tree
/// builder never looks at text it has appended, so the tree of elements is the same;
/// leaving text out saves copying and holding most of the page a second time (inline
/// scripts and styles are text too).
///
/// It also keeps the depth at which elements are inserted and applies Chromium's cap on
/// it ([`Depths`]).
struct LinkDom {
    dom: RcDom,
    depths: Depths,
}

impl DepthSink for LinkDom {
    fn depths(&self) -> &Depths {
        &self.depths
    }
}

impl LinkDom {
    /// `child`, unless it is text or a comment: those are dropped.
    fn kept(child: NodeOrText<Handle>) -> Option<NodeOrText<Handle>> {
        match child {
            NodeOrText::AppendText(_) => None,
            NodeOrText::AppendNode(node)
                if matches!(
                    node.data,
                    NodeData::Comment { .. } | NodeData::ProcessingInstruction { .. }
                ) =>
            {
                None
            }
            child => Some(child),
        }
    }
}

impl TreeSink for LinkDom {
    type Handle = Handle;
    type Output = RcDom;
    type ElemName<'a>
        = ExpandedName<'a>
    where
        Self: 'a;

    fn finish(self) -> RcDom {
        self.dom
    }

    fn parse_error(&self, _message: Cow<'static, str>) {}

    fn get_document(&self) -> Handle {
        self.dom.get_document()
    }

    fn elem_name<'a>(&'a self, target: &'a Handle) -> ExpandedName<'a> {
        self.dom.elem_name(target)
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> Handle {
        let name = self.depths.name_for(name);
        let element = self.dom.create_element(name, attrs, flags);
        self.depths.created(&element);
        element
    }

    fn create_comment(&self, _text: StrTendril) -> Handle {
        self.dom.create_comment(StrTendril::new())
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> Handle {
        self.dom.create_pi(StrTendril::new(), StrTendril::new())
    }

    fn append(&self, parent: &Handle, child: NodeOrText<Handle>) {
        let Some(child) = Self::kept(child) else {
            return;
        };
        let placement = match &child {
            NodeOrText::AppendNode(node) => self.depths.place(parent, node),
            NodeOrText::AppendText(_) => Placement::AsAsked,
        };
        match placement {
            Placement::AsAsked => self.dom.append(parent, child),
            Placement::Under(other) => self.dom.append(&other, child),
        }
    }

    fn append_based_on_parent_node(
        &self,
        element: &Handle,
        prev_element: &Handle,
        child: NodeOrText<Handle>,
    ) {
        if let Some(child) = Self::kept(child) {
            if let NodeOrText::AppendNode(node) = &child {
                self.depths.placed_beside(element, node);
            }
            self.dom
                .append_based_on_parent_node(element, prev_element, child);
        }
    }

    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.dom
            .append_doctype_to_document(name, public_id, system_id);
    }

    fn mark_script_already_started(&self, node: &Handle) {
        self.dom.mark_script_already_started(node);
    }

    fn pop(&self, node: &Handle) {
        self.depths.popped(node);
        self.dom.pop(node);
    }

    fn get_template_contents(&self, target: &Handle) -> Handle {
        self.dom.get_template_contents(target)
    }

    fn same_node(&self, x: &Handle, y: &Handle) -> bool {
        self.dom.same_node(x, y)
    }

    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.dom.set_quirks_mode(mode);
    }

    fn append_before_sibling(&self, sibling: &Handle, new_node: NodeOrText<Handle>) {
        if let Some(new_node) = Self::kept(new_node) {
            if let NodeOrText::AppendNode(node) = &new_node {
                self.depths.placed_beside(sibling, node);
            }
            self.dom.append_before_sibling(sibling, new_node);
        }
    }

    fn add_attrs_if_missing(&self, target: &Handle, attrs: Vec<Attribute>) {
        self.dom.add_attrs_if_missing(target, attrs);
    }

    fn associate_with_form(
        &self,
        target: &Handle,
        form: &Handle,
        nodes: (&Handle, Option<&Handle>),
    ) {
        self.dom.associate_with_form(target, form, nodes);
    }

    fn remove_from_parent(&self, target: &Handle) {
        self.dom.remove_from_parent(target);
    }

    fn reparent_children(&self, node: &Handle, new_parent: &Handle) {
        self.depths.reparented(node, new_parent);
        self.dom.reparent_children(node, new_parent);
    }

    fn is_mathml_annotation_xml_integration_point(&self, handle: &Handle) -> bool {
        self.dom.is_mathml_annotation_xml_integration_point(handle)
    }

    fn set_current_line(&self, line_number: u64) {
        self.dom.set_current_line(line_number);
    }

    fn allow_declarative_shadow_roots(&self, intended_parent: &Handle) -> bool {
        self.dom.allow_declarative_shadow_roots(intended_parent)
    }

    fn attach_declarative_shadow(
        &self,
        location: &Handle,
        template: &Handle,
        attrs: &[Attribute],
    ) -> bool {
        self.dom
            .attach_declarative_shadow(location, template, attrs)
    }

    fn maybe_clone_an_option_into_selectedcontent(&self, option: &Handle) {
        self.dom.maybe_clone_an_option_into_selectedcontent(option);
    }
}

fn resolve(
    hrefs: &Hrefs,
    encoding: &'static Encoding,
    page_url: &Url,
    keep: impl Fn(&Url) -> bool,
) -> Links {
    // Browsers encode the query in the document's *output* encoding (UTF-16 -> UTF-8).
    let query_encoding = encoding.output_encoding();
    let encode = query_encoder(move |query| encode_query(query, query_encoding));
    let encoding_override: url::EncodingOverride<'_> = (query_encoding != UTF_8).then_some(&encode);
    let parse = |href: &str, base: &Url| {
        Url::options()
            .base_url(Some(base))
            .encoding_override(encoding_override)
            .parse(href)
    };

    // The document base URL: the first <base href>, resolved against the page URL; a
    // data: or javascript: base falls back to the page URL. A first base that does not
    // parse leaves no base at all, as in Chromium (baseURI becomes about:blank): then
    // only absolute links resolve.
    let page_url = chromium_canonical(page_url.clone());
    let base = match hrefs
        .base
        .as_deref()
        .map(|href| parse(&scheme_relative_slashes(href, &page_url), &page_url))
    {
        None => Some(page_url),
        Some(Err(_)) => None,
        Some(Ok(base)) if matches!(base.scheme(), "data" | "javascript") => Some(page_url),
        Some(Ok(base)) => Some(chromium_canonical(base)),
    };

    let mut links = Links::default();
    for href in &hrefs.links {
        let resolved = match &base {
            Some(base) => parse(&scheme_relative_slashes(href, base), base),
            None => Url::parse(href),
        };
        match resolved.map(chromium_canonical) {
            Ok(url) if keep(&url) => links.web.push(url),
            Ok(url) => links.skipped.push(url.into()),
            Err(_) => links.skipped.push(href.clone()),
        }
    }
    links
}

/// `///host/path` against an http(s) base means `//host/path` in the URL standard (the
/// "special authority ignore slashes" state) and in browsers; the `url` crate rejects
/// it with "empty host". Give it the two slashes it handles.
fn scheme_relative_slashes<'a>(href: &'a str, base: &Url) -> Cow<'a, str> {
    if !base.is_special() {
        return Cow::Borrowed(href);
    }
    let trimmed = href.trim_matches(|c: char| c <= ' ');
    let is_slash = |c: char| c == '/' || c == '\\';
    let significant = trimmed
        .chars()
        .filter(|&c| !matches!(c, '\t' | '\n' | '\r'));
    if significant.take(3).filter(|&c| is_slash(c)).count() < 3 {
        return Cow::Borrowed(href);
    }
    let rest = trimmed.trim_start_matches(|c: char| is_slash(c) || matches!(c, '\t' | '\n' | '\r'));
    Cow::Owned(format!("//{rest}"))
}

/// Where Chromium's canonical form of an http(s) URL differs from the URL standard's:
/// it also percent-encodes `|` and `^` in the path and `'` in the userinfo.
fn chromium_canonical(mut url: Url) -> Url {
    if !matches!(url.scheme(), "http" | "https") {
        return url;
    }
    if url.path().contains(['|', '^']) {
        let path = url.path().replace('|', "%7C").replace('^', "%5E");
        url.set_path(&path);
    }
    if url.username().contains('\'') {
        let username = url.username().replace('\'', "%27");
        // Cannot fail: the URL has a host, as every http(s) URL does.
        let _ = url.set_username(&username);
    }
    if let Some(password) = url.password().filter(|p| p.contains('\'')) {
        let password = password.replace('\'', "%27");
        let _ = url.set_password(Some(&password));
    }
    url
}

/// Gives a closure the higher-ranked signature `url` expects of an encoding override.
fn query_encoder<F: Fn(&str) -> Cow<'_, [u8]>>(encode: F) -> F {
    encode
}

/// Encodes a query string in a legacy encoding as the URL standard says: characters the
/// encoding cannot represent become `%26%23NNN%3B` (a percent-encoded `&#NNN;`).
fn encode_query<'a>(query: &'a str, encoding: &'static Encoding) -> Cow<'a, [u8]> {
    if query.is_ascii() {
        return Cow::Borrowed(query.as_bytes());
    }
    let mut encoder = encoding.new_encoder();
    let mut out = Vec::with_capacity(query.len() * 2);
    let mut rest = query;
    loop {
        let needed = encoder
            .max_buffer_length_from_utf8_without_replacement(rest.len())
            .unwrap_or(rest.len() * 4 + 16);
        let start = out.len();
        out.resize(start + needed, 0);
        let (result, read, written) =
            encoder.encode_from_utf8_without_replacement(rest, &mut out[start..], true);
        out.truncate(start + written);
        rest = &rest[read..];
        match result {
            EncoderResult::InputEmpty => break,
            EncoderResult::OutputFull => continue,
            EncoderResult::Unmappable(c) => {
                out.extend_from_slice(format!("%26%23{}%3B", u32::from(c)).as_bytes());
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{SHIFT_JIS, WINDOWS_1252};

    fn links(html: &str, page: &str) -> Vec<String> {
        let page = Url::parse(page).expect("test URL");
        links_from_text(html, UTF_8, &page, None)
            .expect("no budget")
            .web
            .into_iter()
            .map(String::from)
            .collect()
    }

    #[test]
    fn a_and_area_in_tree_order_duplicates_kept() {
        let html = r#"<a href="/one">1</a><map><area href="two"></map><a>no href</a>
            <link href="/style.css"><a href="/one">again</a><a href="">empty</a>"#;
        assert_eq!(
            links(html, "http://h.test/dir/page?q#f"),
            [
                "http://h.test/one",
                "http://h.test/dir/two",
                "http://h.test/one",
                "http://h.test/dir/page?q"
            ]
        );
    }

    #[test]
    fn base_first_one_wins_resolved_against_page() {
        let html = r#"<head><base href="../other/"><base href="http://ignored.test/"></head>
            <a href="x">x</a>"#;
        assert_eq!(
            links(html, "https://h.test/a/b/c"),
            ["https://h.test/a/other/x"]
        );
    }

    #[test]
    fn base_after_the_links_still_applies_and_bad_base_falls_back() {
        assert_eq!(
            links(
                r#"<a href="x">x</a><base href="https://b.test/p/">"#,
                "http://h.test/"
            ),
            ["https://b.test/p/x"]
        );
        assert_eq!(
            links(
                r#"<base href="javascript:void(0)"><a href="x">x</a>"#,
                "http://h.test/d/"
            ),
            ["http://h.test/d/x"]
        );
        // A first base that does not parse leaves only absolute links (Chromium).
        assert_eq!(
            links(
                r#"<base href="http://[bad"><a href="x">x</a><a href="https://a.test/">a</a>"#,
                "http://h.test/d/"
            ),
            ["https://a.test/"]
        );
        // A <base> without href does not count as the first one.
        assert_eq!(
            links(
                r#"<base target=_blank><base href="/b/"><a href="x">x</a>"#,
                "http://h.test/d/"
            ),
            ["http://h.test/b/x"]
        );
    }

    #[test]
    fn templates_svg_and_scripting_off() {
        let html = r#"<template><a href="/t">t</a></template>
            <svg><a href="/svg">s</a></svg>
            <noscript><a href="/noscript">n</a></noscript>
            <script>document.write('<a href="/script">')</script>
            <textarea><a href="/textarea"></textarea><!-- <a href="/comment"> -->"#;
        assert_eq!(links(html, "http://h.test/"), ["http://h.test/noscript"]);
    }

    #[test]
    fn only_http_and_https_are_kept() {
        let page = Url::parse("http://h.test/").expect("test URL");
        let html = r#"<a href="mailto:x@y.test">m</a><a href="javascript:void(0)">j</a>
            <a href="ftp://f.test/">f</a><a href="HTTPS://H.TEST:443/a">h</a><a href="http://[::1">bad</a>"#;
        let found = links_from_text(html, UTF_8, &page, None).expect("no budget");
        assert_eq!(
            found.web.iter().map(Url::as_str).collect::<Vec<_>>(),
            ["https://h.test/a"]
        );
        assert_eq!(
            found.skipped,
            [
                "mailto:x@y.test",
                "javascript:void(0)",
                "ftp://f.test/",
                "http://[::1"
            ]
        );
    }

    #[test]
    fn whatwg_url_normalisation() {
        let html = "<a href=' \t//EXAMPLE.test\n '>a</a><a href='\\x\\..\\y z'>b</a><a href='http://b\u{fc}cher.test/\u{e9}?\u{e9}#\u{e9}'>c</a>";
        assert_eq!(
            links(html, "http://h.test/d/"),
            [
                "http://example.test/",
                "http://h.test/y%20z",
                "http://xn--bcher-kva.test/%C3%A9?%C3%A9#%C3%A9"
            ]
        );
    }

    #[test]
    fn chromium_departures_from_the_url_standard() {
        let html = r#"<a href="///x8/../y">1</a><a href="//\\x4">2</a><a href="/p|q^r?a|b^c#f|g^h">3</a>
            <a href="http://a'b:c'd@h.test/">4</a>"#;
        assert_eq!(
            links(html, "http://h.test/d/"),
            [
                "http://x8/y",
                "http://x4/",
                "http://h.test/p%7Cq%5Er?a|b^c#f|g^h",
                "http://a%27b:c%27d@h.test/"
            ]
        );
        assert_eq!(
            links(
                r#"<base href="http://b.test/a|b/"><a href="x">x</a>"#,
                "http://h.test/"
            ),
            ["http://b.test/a%7Cb/x"]
        );
    }

    #[test]
    fn query_uses_the_document_encoding_path_and_fragment_utf8() {
        let page = Url::parse("http://h.test/").expect("test URL");
        let html = "<a href='/\u{e9}?q=\u{e9}\u{2603}#\u{e9}'>x</a>";
        let found = links_from_text(html, WINDOWS_1252, &page, None).expect("no budget");
        assert_eq!(
            found.web[0].as_str(),
            "http://h.test/%C3%A9?q=%E9%26%239731%3B#%C3%A9"
        );
        let found = links_from_text("<a href='?\u{3042}'>x</a>", SHIFT_JIS, &page, None)
            .expect("no budget");
        assert_eq!(found.web[0].as_str(), "http://h.test/?%82%A0");
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        // 100k levels would overflow a recursive walk or drop (the guard caps the tree
        // at 513 levels, as Chromium does, but the walk must not rely on it).
        let depth = 100_000;
        let html = format!(
            "{}<a href='/deep'>x</a>{}",
            "<span>".repeat(depth),
            "</span>".repeat(depth)
        );
        assert_eq!(links(&html, "http://h.test/"), ["http://h.test/deep"]);
    }

    #[test]
    fn bytes_are_decoded_before_extraction() {
        let page = Url::parse("http://h.test/").expect("test URL");
        let html = b"<meta charset=windows-1252><a href='/?q=\xE9'>x</a>";
        let found = links_from_bytes(html, None, &page, None).expect("no budget");
        assert_eq!(found.web[0].as_str(), "http://h.test/?q=%E9");
        let found = links_from_bytes(html, Some("utf-8"), &page, None).expect("no budget");
        assert_eq!(found.web[0].as_str(), "http://h.test/?q=%EF%BF%BD");
    }
}
