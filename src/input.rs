//! Where the work comes from: URLs and `--html` documents from the command line and
//! from `-i` files (stdin for `-`), in the order given. De-duplication and sharding
//! happen here, lazily, so that a 100k-line list is never held in memory whole.

use std::borrow::Cow;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use url::Url;

use crate::lines::{LineProblem, LineSource, Lines};
use crate::seen::Seen;
use crate::text::{printable, redact_passwords, redacted};

/// What the input stage needs: the sources in command-line order, and the shard.
#[derive(Debug)]
pub struct InputConfig {
    pub sources: Vec<InputSource>,
    pub shard: Option<Shard>,
    /// Shard by a hash of each page's host instead of by position (when crawling, so
    /// that one worker owns each host and its politeness holds).
    pub shard_by_host: bool,
}

/// One place inputs come from.
#[derive(Debug)]
pub enum InputSource {
    /// A URL given as an argument or with `-u`, already validated.
    Url(Url),
    /// An `-i` file (or stdin), opened, read lazily.
    File(LineSource),
    /// An `--html` document: a path, or `-` for stdin. Read when its turn comes, so a
    /// missing file is that input's failure, not a usage error.
    Html(String),
}

/// `--shard INDEX/COUNT`: keep the inputs whose position modulo COUNT is INDEX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// One piece of work: an input, a page a crawl found, or one it may not fetch.
///
/// Kept small: a crawl's frontier holds one per page still to fetch, so a page found
/// is its URL's text alone, parsed when it is fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputItem {
    pub target: Result<Target, Box<BadInput>>,
    /// How many links from an input: 0 for inputs and the pages sitemaps list.
    pub depth: u32,
    /// Where a page a crawl found descends from: `None` for an input, which is its
    /// own.
    pub lineage: Option<Arc<Lineage>>,
}

/// The input a crawl's page descends from, shared by all its descendants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lineage {
    /// The URL links are scoped against: the input's final URL (after redirects).
    pub root: Url,
    /// The input's URL as given: the origin credentials may go to.
    pub input: Url,
}

/// A line of an `-i` file that is no input, and where it is (`FILE:LINE`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadInput {
    pub place: String,
    pub error: InputError,
}

impl InputItem {
    /// An input (depth 0, its own root).
    pub fn input(target: Target) -> Self {
        InputItem {
            target: Ok(target),
            depth: 0,
            lineage: None,
        }
    }

    /// A line of an `-i` file that is no input.
    pub fn bad(place: String, error: InputError) -> Self {
        InputItem {
            target: Err(Box::new(BadInput { place, error })),
            depth: 0,
            lineage: None,
        }
    }

    /// A page found by a crawl (or listed in a sitemap) that descends from `lineage`;
    /// `skipped` when robots.txt forbids fetching it.
    pub fn found(url: Url, depth: u32, lineage: Arc<Lineage>, skipped: Option<SkipReason>) -> Self {
        let url: Box<str> = String::from(url).into_boxed_str();
        InputItem {
            target: Ok(match skipped {
                Some(reason) => Target::Skipped(url, reason),
                None => Target::Found(url),
            }),
            depth,
            lineage: Some(lineage),
        }
    }

    /// How the item is named in output and messages: the URL (its password masked),
    /// the `--html` path (or `-`), or `FILE:LINE` for a bad line of an `-i` file; with
    /// control characters escaped.
    pub fn source(&self) -> Cow<'_, str> {
        match &self.target {
            Ok(Target::Page(url)) => redacted(url),
            Ok(Target::Found(url) | Target::Skipped(url, _)) => redact_passwords(url),
            Ok(Target::Html(path)) => printable(path),
            Err(bad) => Cow::Borrowed(&bad.place),
        }
    }
}

/// What to extract links from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A page given as an input (boxed: a crawl's queue holds many targets, most of
    /// them `Found`, and a `Url` inline would make every one of them 88 bytes larger).
    Page(Box<Url>),
    /// A page a crawl found (or a sitemap listed): its URL as the `url` crate wrote
    /// it, without fragment.
    Found(Box<str>),
    /// A local HTML document (`--html`): a path, or `-` for stdin.
    Html(String),
    /// A page found but not to be fetched: it is only reported.
    Skipped(Box<str>, SkipReason),
}

/// Why a page found is not fetched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Its origin's robots.txt forbids it (or could not be read: 5xx, no answer).
    Robots,
}

impl SkipReason {
    /// The name in `-o jsonl`'s `"skipped"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::Robots => "robots.txt",
        }
    }
}

impl Target {
    /// The key under which duplicates are recognised.
    fn dedup_key(&self) -> String {
        match self {
            Target::Page(url) => url.as_str().to_owned(),
            // Cannot collide with a URL: those always have a scheme.
            Target::Found(url) | Target::Skipped(url, _) => url.to_string(),
            Target::Html(path) => format!(" html {path}"),
        }
    }
}

/// Why a line of an `-i` file is not an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputError {
    /// The line is not a URL that can be fetched.
    InvalidUrl { text: String, problem: UrlProblem },
    /// The line could not be read.
    Line(LineProblem),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::InvalidUrl { text, problem } => {
                write!(
                    f,
                    "invalid URL '{}': {problem}",
                    printable(&redact_passwords(text))
                )
            }
            InputError::Line(problem) => problem.fmt(f),
        }
    }
}

impl std::error::Error for InputError {}

/// Why a string is not a page URL, with the fix where one can be guessed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlProblem {
    Empty,
    /// No scheme; `suggestion` is what was probably meant (`https://example.com/x`).
    NotAbsolute {
        suggestion: Option<String>,
    },
    /// A scheme other than http and https.
    NotHttp,
    /// The URL standard rejects it.
    Invalid(url::ParseError),
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlProblem::Empty => f.write_str("empty URL"),
            UrlProblem::NotAbsolute {
                suggestion: Some(url),
            } => write!(f, "not an absolute URL (did you mean {url}?)"),
            UrlProblem::NotAbsolute { suggestion: None } => f.write_str(
                "not an absolute URL: it needs a scheme and a host, as in https://example.com/",
            ),
            UrlProblem::NotHttp => f.write_str("only http:// and https:// URLs can be fetched"),
            UrlProblem::Invalid(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for UrlProblem {}

/// Validates a page URL as the user typed it: it must be an absolute `http(s)` URL.
/// The error says what is wrong and, where it can, what was probably meant.
pub fn parse_page_url(raw: &str) -> Result<Url, UrlProblem> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(UrlProblem::Empty);
    }
    let not_absolute = |suggestion| Err(UrlProblem::NotAbsolute { suggestion });
    match Url::parse(trimmed) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(url),
        // "localhost:8080/x" and "example.com:443" parse with a scheme of "localhost" and
        // "example.com"; they are hosts with a port, not URLs.
        Ok(url) if !trimmed.contains("://") && looks_like_host(url.scheme()) => {
            not_absolute(Some(with_scheme(trimmed)))
        }
        Ok(_) => Err(UrlProblem::NotHttp),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            let host = trimmed.split(['/', '?', '#']).next().unwrap_or_default();
            if let Some(rest) = trimmed.strip_prefix("//") {
                not_absolute(Some(with_scheme(rest)))
            } else if !host.is_empty() && looks_like_host(host) {
                not_absolute(Some(with_scheme(trimmed)))
            } else {
                not_absolute(None)
            }
        }
        Err(error) => Err(UrlProblem::Invalid(error)),
    }
}

/// `host[:port]/…` with the scheme it most likely speaks: `http://` for a server on
/// this machine or the local network (development servers rarely have certificates),
/// `https://` for the rest.
fn with_scheme(without: &str) -> String {
    let host = without.split(['/', '?', '#']).next().unwrap_or_default();
    let scheme = if is_local_host(host) { "http" } else { "https" };
    format!("{scheme}://{without}")
}

/// `localhost`, `*.localhost`, loopback and private IP addresses, with or without port.
fn is_local_host(host_and_port: &str) -> bool {
    let host = match host_and_port.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => host_and_port.split(':').next().unwrap_or_default(),
    };
    let host = host.to_ascii_lowercase();
    if host == "localhost" || host.ends_with(".localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => is_local_ipv4(ip),
        Ok(IpAddr::V6(ip)) => ip.is_loopback(),
        Err(_) => false,
    }
}

fn is_local_ipv4(ip: Ipv4Addr) -> bool {
    ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified()
}

fn looks_like_host(candidate: &str) -> bool {
    let host = candidate.split(':').next().unwrap_or_default();
    // "index.html" is a file name, not a host: no suggestion for it.
    let file_name = host.rsplit_once('.').is_some_and(|(_, extension)| {
        FILE_EXTENSIONS.contains(&extension.to_ascii_lowercase().as_str())
    });
    host == "localhost"
        || (host.contains('.')
            && !host.starts_with('.')
            && !file_name
            && host
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-'))
}

/// Endings of file names often mistaken for URLs, none of them a top-level domain.
const FILE_EXTENSIONS: &[&str] = &[
    "html", "htm", "xhtml", "php", "asp", "aspx", "jsp", "txt", "json", "xml", "csv", "pdf",
];

/// The inputs in order: de-duplicated, numbered and sharded, read lazily.
pub struct Inputs {
    sources: std::vec::IntoIter<InputSource>,
    current: Option<Lines>,
    /// Inputs already given, by hash: a 100k-line list costs ~3 MB here, not ~15.
    seen: Seen,
    shard: Option<Shard>,
    shard_by_host: bool,
    /// Position of the next distinct input, before sharding.
    position: usize,
}

impl Inputs {
    pub fn new(config: InputConfig) -> Self {
        Inputs {
            sources: config.sources.into_iter(),
            current: None,
            seen: Seen::default(),
            shard: config.shard,
            shard_by_host: config.shard_by_host,
            position: 0,
        }
    }

    /// The next input, before de-duplication and sharding.
    fn next_raw(&mut self) -> Option<InputItem> {
        loop {
            if let Some(lines) = &mut self.current {
                match lines.next() {
                    Some(line) => return Some(line_item(lines.name(), line.number, line.text)),
                    None => self.current = None,
                }
            }
            match self.sources.next()? {
                InputSource::Url(url) => return Some(page_item(url)),
                InputSource::Html(path) => return Some(InputItem::input(Target::Html(path))),
                InputSource::File(source) => self.current = Some(source.lines()),
            }
        }
    }
}

/// The shard hash of a page's host: FNV-1a (64-bit) of the host name as URLs write it
/// (lowercase, IDNA ASCII; an IP address as written), port left out. Stable across
/// runs, machines and versions, so that each host belongs to one shard.
pub fn host_hash(url: &Url) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    url.host_str()
        .unwrap_or_default()
        .bytes()
        .fold(OFFSET, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(PRIME)
        })
}

/// A page to fetch, named in messages and output with its password masked.
fn page_item(url: Url) -> InputItem {
    InputItem::input(Target::Page(Box::new(url)))
}

/// A line of an `-i` file as an input: a page URL, or a failure named `FILE:LINE`.
fn line_item(file: &str, number: usize, text: Result<String, LineProblem>) -> InputItem {
    let bad = |error| InputItem::bad(format!("{file}:{number}"), error);
    match text {
        Err(problem) => bad(InputError::Line(problem)),
        Ok(text) => match parse_page_url(&text) {
            Ok(url) => page_item(url),
            Err(problem) => bad(InputError::InvalidUrl { text, problem }),
        },
    }
}

impl Iterator for Inputs {
    type Item = InputItem;

    fn next(&mut self) -> Option<InputItem> {
        loop {
            let item = self.next_raw()?;
            // Duplicates are fetched once; bad lines are each their own input.
            if let Ok(target) = &item.target {
                if !self.seen.insert(&target.dedup_key()) {
                    continue;
                }
            }
            let position = self.position;
            self.position += 1;
            let Some(shard) = self.shard else {
                return Some(item);
            };
            let slot = match (&item.target, self.shard_by_host) {
                (Ok(Target::Page(url)), true) => host_hash(url) % shard.count as u64,
                _ => (position % shard.count) as u64,
            };
            if slot == shard.index as u64 {
                return Some(item);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queued_item_is_small() {
        // A crawl's queue holds an item per page still to fetch: the URL's own bytes
        // (boxed) plus this, for ≤ 200 bytes per known URL.
        assert!(
            std::mem::size_of::<InputItem>() <= 48,
            "{}",
            std::mem::size_of::<InputItem>()
        );
    }
    use crate::lines::MAX_LINE_BYTES;

    fn file(contents: &[u8]) -> InputSource {
        InputSource::File(LineSource::from_reader(
            "urls.txt",
            std::io::Cursor::new(contents.to_vec()),
        ))
    }

    fn inputs(sources: Vec<InputSource>, shard: Option<Shard>) -> Inputs {
        Inputs::new(InputConfig {
            sources,
            shard,
            shard_by_host: false,
        })
    }

    fn sources(items: impl Iterator<Item = InputItem>) -> Vec<(String, bool)> {
        items
            .map(|item| (item.source().into_owned(), item.target.is_ok()))
            .collect()
    }

    #[test]
    fn file_lines_comments_bom_crlf_and_bad_lines() {
        let contents = b"\xEF\xBB\xBFhttps://a.test/\r\n\r\n# comment\n  http://b.test/x  \nexample.com\n\xFF\nhttps://a.test/\nhttps://c.test/";
        let items = inputs(vec![file(contents)], None);
        assert_eq!(
            sources(items),
            [
                ("https://a.test/".to_string(), true),
                ("http://b.test/x".to_string(), true),
                ("urls.txt:5".to_string(), false),
                ("urls.txt:6".to_string(), false),
                ("https://c.test/".to_string(), true),
            ]
        );
    }

    #[test]
    fn bad_line_message_suggests_the_fix() {
        let mut items = inputs(vec![file(b"example.com/page\n")], None);
        assert_eq!(
            items
                .next()
                .map(|item| item.target.map_err(|bad| bad.error.to_string())),
            Some(Err(
                "invalid URL 'example.com/page': not an absolute URL (did you mean https://example.com/page?)".into()
            ))
        );
    }

    #[test]
    fn sharding_counts_positions_after_deduplication() {
        let contents =
            b"http://a.test/\nhttp://a.test/\nhttp://b.test/\nhttp://c.test/\nhttp://d.test/\n";
        let shard = Some(Shard { index: 1, count: 2 });
        let items = inputs(vec![file(contents)], shard);
        assert_eq!(
            sources(items),
            [
                ("http://b.test/".to_string(), true),
                ("http://d.test/".to_string(), true)
            ]
        );
    }

    #[test]
    fn urls_files_and_documents_keep_their_order_and_repeat_once() {
        let url = |u: &str| InputSource::Url(Url::parse(u).expect("test URL"));
        let items = inputs(
            vec![
                url("http://b.test/"),
                file(b"http://a.test/\nhttp://b.test/\n"),
                InputSource::Html("page.html".into()),
                InputSource::Html("page.html".into()),
                url("http://a.test/"),
            ],
            None,
        );
        assert_eq!(
            sources(items),
            [
                ("http://b.test/".to_string(), true),
                ("http://a.test/".to_string(), true),
                ("page.html".to_string(), true),
            ]
        );
    }

    #[test]
    fn crawl_shards_by_host_not_by_position() {
        let url = |u: &str| InputSource::Url(Url::parse(u).expect("test URL"));
        let hash = |host: &str| host_hash(&Url::parse(&format!("http://{host}/")).expect("URL"));
        // FNV-1a 64 of the host name: documented, so the value is part of the contract.
        assert_eq!(hash("a.test"), 0xcbd0_1523_1ca2_c74e);
        for index in 0..2 {
            let items = Inputs::new(InputConfig {
                sources: vec![
                    url("http://a.test/1"),
                    url("http://b.test/1"),
                    url("http://a.test:8080/2"),
                    url("https://b.test/2"),
                ],
                shard: Some(Shard { index, count: 2 }),
                shard_by_host: true,
            });
            let kept: Vec<String> = items.map(|item| item.source().into_owned()).collect();
            let mut expected = Vec::new();
            for (host, sources) in [
                ("a.test", ["http://a.test/1", "http://a.test:8080/2"]),
                ("b.test", ["http://b.test/1", "https://b.test/2"]),
            ] {
                if hash(host) % 2 == index as u64 {
                    expected.extend(sources.map(String::from));
                }
            }
            expected.sort();
            let mut sorted = kept.clone();
            sorted.sort();
            assert_eq!(sorted, expected, "shard {index}: {kept:?}");
        }
    }

    #[test]
    fn long_lines_are_cut_and_reported() {
        let mut contents = vec![b'x'; MAX_LINE_BYTES + 10];
        contents.extend_from_slice(b"\nhttp://a.test/\n");
        let items = inputs(vec![file(&contents)], None);
        assert_eq!(
            sources(items),
            [
                ("urls.txt:1".to_string(), false),
                ("http://a.test/".to_string(), true)
            ]
        );
    }

    #[test]
    fn page_url_suggestions() {
        let problem = |raw: &str| parse_page_url(raw).map_err(|e| e.to_string());
        assert_eq!(
            problem("example.com:8080/x"),
            Err("not an absolute URL (did you mean https://example.com:8080/x?)".into())
        );
        assert_eq!(
            problem("//cdn.test/x"),
            Err("not an absolute URL (did you mean https://cdn.test/x?)".into())
        );
        assert_eq!(
            problem("/just/a/path"),
            Err(
                "not an absolute URL: it needs a scheme and a host, as in https://example.com/"
                    .into()
            )
        );
        assert_eq!(
            problem("mailto:a@b.test"),
            Err("only http:// and https:// URLs can be fetched".into())
        );
        assert_eq!(problem("http://"), Err("empty host".into()));
        assert_eq!(
            parse_page_url(" HTTP://A.test ").map(String::from),
            Ok("http://a.test/".into())
        );
    }

    #[test]
    fn a_server_on_this_machine_or_network_gets_http() {
        let suggestion = |raw: &str| match parse_page_url(raw) {
            Err(UrlProblem::NotAbsolute { suggestion }) => suggestion,
            other => panic!("{raw}: {other:?}"),
        };
        for (raw, expected) in [
            ("localhost:8080/x", "http://localhost:8080/x"),
            ("127.0.0.1:8000/docs", "http://127.0.0.1:8000/docs"),
            ("app.localhost:3000", "http://app.localhost:3000"),
            ("192.168.1.20:8080/", "http://192.168.1.20:8080/"),
            ("10.0.0.5/status", "http://10.0.0.5/status"),
            ("//localhost:8080/x", "http://localhost:8080/x"),
            ("example.com:443", "https://example.com:443"),
            ("8.8.8.8/x", "https://8.8.8.8/x"),
        ] {
            assert_eq!(suggestion(raw).as_deref(), Some(expected), "{raw}");
        }
    }
}
