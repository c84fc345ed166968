//! `link-extractor domains [FILE|-]`: URLs or host names, one per line, reduced to the
//! unique registrable domains they belong to (the case study's "part 4").
//!
//! A registrable domain is a public suffix plus one label, the suffix taken from the
//! Public Suffix List compiled into the binary by the `psl` crate, wildcard (`*.ck`)
//! and exception (`!www.ck`) rules included: `news.bbc.co.uk` gives `bbc.co.uk`, where
//! "the last two labels" would give `co.uk`. Nothing is fetched.
//!
//! Which list sections count: both, ICANN and private, as browsers use the list for
//! cookies and for "same site", and as the WHATWG URL standard defines a host's
//! registrable domain. A private-section entry such as `github.io` or `blogspot.com`
//! marks names that belong to different people (`alice.github.io`, `bob.github.io`):
//! folding them into `github.io` would be the same mistake as folding `bbc.co.uk` and
//! `itv.co.uk` into `co.uk`. So `alice.github.io` gives `alice.github.io`, and a bare
//! `github.io` is reported like `co.uk`. Big sites are unaffected: `aws.amazon.com`
//! gives `amazon.com`.
//!
//! A name under a top-level name the list does not know (`svc.cluster.local`,
//! `intranet.corp`, a TLD delegated after the snapshot) follows the list's own default
//! rule `*`: its last label is the suffix, so `api.svc.cluster.local` gives
//! `cluster.local`, as in a browser. A name of one label (`localhost`) has nothing to
//! register under and is reported.

use std::collections::BTreeSet;
use std::fmt;
use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

use psl::Psl;
use url::{Host, Url};

use crate::lines::LineSource;
use crate::text::{printable, redact_passwords};

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Lines that gave a domain.
    pub found: usize,
    /// Lines reported on stderr and skipped.
    pub skipped: usize,
    /// Distinct domains.
    pub domains: usize,
}

/// Reads every line of `input`, reports the lines that hold no domain on `errors` as
/// they come (as `error: FILE:LINE: ...`), then writes the sorted unique domains to
/// `out`.
///
/// Memory grows with the number of distinct domains, not with the input. A closed
/// output pipe ends the run quietly; other write errors on `out` are returned.
pub fn run<W: Write, E: Write>(
    input: LineSource,
    mut out: W,
    mut errors: E,
) -> io::Result<Summary> {
    let lines = input.lines();
    let name = printable(lines.name()).into_owned();
    let mut domains = BTreeSet::new();
    let mut summary = Summary::default();
    for line in lines {
        let problem = match &line.text {
            Err(problem) => problem.to_string(),
            Ok(text) => match registrable_domain(text) {
                Ok(domain) => {
                    summary.found += 1;
                    domains.insert(domain);
                    continue;
                }
                Err(problem) => {
                    let text = redact_passwords(text);
                    format!("no domain in '{}': {problem}", printable(&text))
                }
            },
        };
        summary.skipped += 1;
        // Nowhere to complain if stderr is closed; the exit status still tells.
        let _ = writeln!(errors, "error: {name}:{}: {problem}", line.number);
    }
    summary.domains = domains.len();
    let written = domains
        .iter()
        .try_for_each(|domain| writeln!(out, "{domain}"))
        .and_then(|()| out.flush());
    match written {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(summary),
        Err(error) => Err(error),
        Ok(()) => Ok(summary),
    }
}

/// Why a line gave no registrable domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoDomain {
    /// A URL whose scheme has no host part, such as `mailto:` or `tel:`.
    NoHost {
        scheme: String,
    },
    /// A path alone, such as `/about`.
    Path,
    /// Not a URL or host name the URL standard accepts.
    Invalid(url::ParseError),
    /// A host name with an empty label, such as `a..com`.
    EmptyLabel(String),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    /// A host that is itself a public suffix, such as `co.uk` or `github.io`.
    PublicSuffix(String),
    /// A single-label host the list does not know, such as `localhost`.
    SingleLabel(String),
}

impl fmt::Display for NoDomain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoDomain::NoHost { scheme } => write!(f, "a {scheme}: URL has no host name"),
            NoDomain::Path => f.write_str("a path, with no host name"),
            NoDomain::Invalid(error) => write!(f, "not a URL or host name ({error})"),
            NoDomain::EmptyLabel(host) => write!(f, "'{host}' has an empty label"),
            NoDomain::Ipv4(address) => write!(f, "{address} is an IP address, not a domain name"),
            NoDomain::Ipv6(address) => {
                write!(f, "[{address}] is an IP address, not a domain name")
            }
            NoDomain::PublicSuffix(host) => write!(
                f,
                "'{host}' is itself a public suffix, with no registrable domain"
            ),
            NoDomain::SingleLabel(host) => {
                write!(f, "'{host}' is a single label, with no registrable domain")
            }
        }
    }
}

impl std::error::Error for NoDomain {}

/// The registrable domain of one line: a URL of any scheme or a bare host name, already
/// trimmed. The result is lowercase ASCII (international names in punycode), without a
/// trailing dot.
pub fn registrable_domain(line: &str) -> Result<String, NoDomain> {
    let host = match host_of(line)? {
        Host::Domain(domain) => domain,
        Host::Ipv4(address) => return Err(NoDomain::Ipv4(address)),
        Host::Ipv6(address) => return Err(NoDomain::Ipv6(address)),
    };
    // `example.com.` (fully qualified) is `example.com`.
    let name = host.strip_suffix('.').unwrap_or(&host);
    if name.is_empty() || name.split('.').any(str::is_empty) {
        return Err(NoDomain::EmptyLabel(host.clone()));
    }
    if let Some(domain) = psl::List.domain(name.as_bytes()) {
        if let Ok(domain) = std::str::from_utf8(domain.as_bytes()) {
            return Ok(domain.to_owned());
        }
    }
    // The whole name is a suffix: listed (`co.uk`, `github.io`), or one unlisted
    // label that the default rule `*` makes a suffix (`localhost`).
    let listed = psl::List
        .suffix(name.as_bytes())
        .is_some_and(|suffix| suffix.typ().is_some());
    Err(if listed || name.contains('.') {
        NoDomain::PublicSuffix(name.to_owned())
    } else {
        NoDomain::SingleLabel(name.to_owned())
    })
}

/// The host of a line, parsed (lowercased, IDNA to ASCII, IP addresses recognised) as
/// the URL standard parses hosts.
fn host_of(line: &str) -> Result<Host<String>, NoDomain> {
    if let Ok(address) = line.parse::<Ipv6Addr>() {
        return Err(NoDomain::Ipv6(address));
    }
    let url = if line.contains("://") {
        Url::parse(line)
    } else if line.starts_with("//") {
        // Scheme-relative, as in `//cdn.example.com/lib.js`.
        Url::parse(&format!("http:{line}"))
    } else if line.starts_with('/') {
        return Err(NoDomain::Path);
    } else {
        match scheme_without_authority(line) {
            // `http:example.com`: the URL standard finds the host.
            Some(scheme) if is_special(&scheme) => Url::parse(line),
            Some(scheme) => return Err(NoDomain::NoHost { scheme }),
            // A host name, with or without port, path and the rest.
            None => Url::parse(&format!("http://{line}")),
        }
    }
    .map_err(NoDomain::Invalid)?;
    match url.host() {
        None => Err(NoDomain::NoHost {
            scheme: url.scheme().to_owned(),
        }),
        Some(Host::Domain("")) => Err(NoDomain::NoHost {
            scheme: url.scheme().to_owned(),
        }),
        // For schemes the URL standard does not know (`git+ssh://`, `s3://`) the host
        // is kept as written ("opaque"): parse it as a host of a web URL is parsed.
        Some(Host::Domain(domain)) => Host::parse(domain).map_err(NoDomain::Invalid),
        Some(Host::Ipv4(address)) => Ok(Host::Ipv4(address)),
        Some(Host::Ipv6(address)) => Ok(Host::Ipv6(address)),
    }
}

/// For a line without `://`: its scheme, lowercased, when it starts with one, as in
/// `mailto:a@b.example`; `None` when the colon instead separates a host from its port
/// (`example.com:8080`, `localhost:3000/x`) or there is no colon.
fn scheme_without_authority(line: &str) -> Option<String> {
    let (scheme, rest) = line.split_once(':')?;
    let mut chars = scheme.chars();
    let valid_scheme = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    // A dot makes it a host name: no registered scheme has one.
    if !valid_scheme || scheme.contains('.') {
        return None;
    }
    let port = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(scheme.to_ascii_lowercase())
}

/// The schemes whose URLs always have a host, per the URL standard.
fn is_special(scheme: &str) -> bool {
    matches!(scheme, "http" | "https" | "ws" | "wss" | "ftp" | "file")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lines::MAX_LINE_BYTES;

    /// The message a line's problem prints.
    #[derive(Debug, PartialEq)]
    struct Message(String);

    fn domain(line: &str) -> Result<String, Message> {
        registrable_domain(line).map_err(|e| Message(e.to_string()))
    }

    #[test]
    fn the_case_study_sample() {
        for (line, expected) in [
            ("http://tiktok.com", "tiktok.com"),
            ("https://ads.faceBook.com.", "facebook.com"),
            ("https://sub.ads.faCebook.com", "facebook.com"),
            ("api.tiktok.com", "tiktok.com"),
            ("Google.com.", "google.com"),
            ("aws.amazon.com", "amazon.com"),
        ] {
            assert_eq!(domain(line), Ok(expected.to_string()), "{line}");
        }
    }

    #[test]
    fn everything_around_the_host_is_ignored() {
        for line in [
            "https://user:secret@News.BBC.co.uk:8443/sport/x?y=1#z",
            "news.bbc.co.uk:80",
            "news.bbc.co.uk/path?q#f",
            "NEWS.bbc.CO.UK.",
            "//news.bbc.co.uk/x.js",
            "ftp://news.bbc.co.uk/pub",
            "git+ssh://git@News.bbc.co.uk/repo.git",
            "wss://news.bbc.co.uk/socket",
            "http:news.bbc.co.uk",
            "http://news%2Ebbc.co.uk/",
            "bbc.co.uk",
        ] {
            assert_eq!(domain(line), Ok("bbc.co.uk".to_string()), "{line}");
        }
    }

    #[test]
    fn multi_label_wildcard_and_exception_rules() {
        for (line, expected) in [
            ("a.b.example.co.jp", "example.co.jp"),
            // *.ck: every name under ck is a suffix...
            ("shop.example.foo.ck", "example.foo.ck"),
            // ...except www.ck (!www.ck), registrable itself.
            ("www.ck", "www.ck"),
            ("mail.www.ck", "www.ck"),
            // *.kawasaki.jp with !city.kawasaki.jp.
            ("a.b.c.kawasaki.jp", "b.c.kawasaki.jp"),
            ("www.city.kawasaki.jp", "city.kawasaki.jp"),
            // Private section: one person's site each.
            ("alice.github.io", "alice.github.io"),
            ("www.alice.github.io", "alice.github.io"),
            ("bucket.s3.amazonaws.com", "bucket.s3.amazonaws.com"),
            // Unknown TLD: the default rule `*`.
            ("api.svc.cluster.local", "cluster.local"),
            ("example.localhost", "example.localhost"),
        ] {
            assert_eq!(domain(line), Ok(expected.to_string()), "{line}");
        }
    }

    #[test]
    fn international_names_come_out_in_punycode() {
        for (line, expected) in [
            ("bücher.example.de", "example.de"),
            ("https://BÜCHER.de/", "xn--bcher-kva.de"),
            ("例え.jp", "xn--r8jz45g.jp"),
            ("http://www.例え.jp/パス", "xn--r8jz45g.jp"),
            // A suffix that is itself an international name (公司.cn).
            ("www.食狮.公司.cn", "xn--85x722f.xn--55qx5d.cn"),
            ("www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"),
            ("s3://b%C3%BCcher.de/key", "xn--bcher-kva.de"),
        ] {
            assert_eq!(domain(line), Ok(expected.to_string()), "{line}");
        }
    }

    #[test]
    fn lines_without_a_domain_say_why() {
        for (line, expected) in [
            ("127.0.0.1", "127.0.0.1 is an IP address, not a domain name"),
            (
                "http://10.1.2.3:8080/x",
                "10.1.2.3 is an IP address, not a domain name",
            ),
            (
                "http://0x7f.1/",
                "127.0.0.1 is an IP address, not a domain name",
            ),
            ("[::1]:8080", "[::1] is an IP address, not a domain name"),
            ("::1", "[::1] is an IP address, not a domain name"),
            (
                "https://[2001:DB8::1]/",
                "[2001:db8::1] is an IP address, not a domain name",
            ),
            (
                "foo://192.168.0.1/",
                "192.168.0.1 is an IP address, not a domain name",
            ),
            (
                "co.uk",
                "'co.uk' is itself a public suffix, with no registrable domain",
            ),
            (
                "https://COM./",
                "'com' is itself a public suffix, with no registrable domain",
            ),
            (
                "github.io",
                "'github.io' is itself a public suffix, with no registrable domain",
            ),
            (
                "foo.ck",
                "'foo.ck' is itself a public suffix, with no registrable domain",
            ),
            (
                "localhost:3000",
                "'localhost' is a single label, with no registrable domain",
            ),
            (
                "mailto:someone@example.com",
                "a mailto: URL has no host name",
            ),
            ("javascript:void(0)", "a javascript: URL has no host name"),
            ("TEL:+1-555-0100", "a tel: URL has no host name"),
            ("file:///etc/hosts", "a file: URL has no host name"),
            ("/about/team", "a path, with no host name"),
            ("http://", "not a URL or host name (empty host)"),
            (
                "example.com:99999",
                "not a URL or host name (invalid port number)",
            ),
            (
                "not a host",
                "not a URL or host name (invalid international domain name)",
            ),
            ("a..example.com", "'a..example.com' has an empty label"),
            ("example.com..", "'example.com..' has an empty label"),
        ] {
            assert_eq!(domain(line), Err(Message(expected.to_string())), "{line}");
        }
    }

    fn run_on(input: &[u8]) -> (String, String, Summary) {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        let source = LineSource::from_reader("hosts.txt", io::Cursor::new(input.to_vec()));
        let summary = run(source, &mut out, &mut errors).expect("in-memory run");
        (
            String::from_utf8(out).expect("UTF-8 output"),
            String::from_utf8(errors).expect("UTF-8 messages"),
            summary,
        )
    }

    #[test]
    fn a_messy_file() {
        let input = b"\xEF\xBB\xBFhttps://Example.ORG/\r\n\
            \r\n\
            # a comment with example.net in it\n\
            \t  news.bbc.co.uk  \r\n\
            \xFF\xFE\n\
            10.0.0.1\n\
            example.org\n\
            a\x1b[31mb.example\n\
            last.example.com";
        let (out, errors, summary) = run_on(input);
        assert_eq!(out, "bbc.co.uk\nexample.com\nexample.org\n");
        assert_eq!(
            errors,
            "error: hosts.txt:5: line is not valid UTF-8\n\
             error: hosts.txt:6: no domain in '10.0.0.1': 10.0.0.1 is an IP address, not a domain name\n\
             error: hosts.txt:8: no domain in 'a\\u{1b}[31mb.example': not a URL or host name (invalid international domain name)\n"
        );
        assert_eq!(
            summary,
            Summary {
                found: 4,
                skipped: 3,
                domains: 3
            }
        );
    }

    #[test]
    fn a_bom_before_a_comment_still_makes_a_comment() {
        let (out, errors, _) = run_on(b"\xEF\xBB\xBF# hosts seen today\nexample.com\n");
        assert_eq!((out.as_str(), errors.as_str()), ("example.com\n", ""));
    }

    #[test]
    fn long_lines_are_cut_and_reported() {
        let mut input = vec![b'a'; MAX_LINE_BYTES + 1];
        input.extend_from_slice(b".example.com\nexample.net\n");
        let (out, errors, summary) = run_on(&input);
        assert_eq!(out, "example.net\n");
        assert_eq!(
            errors,
            format!("error: hosts.txt:1: line longer than {MAX_LINE_BYTES} bytes\n")
        );
        assert_eq!(summary.skipped, 1);
    }

    #[test]
    fn a_line_of_exactly_the_limit_is_read() {
        let label = "a".repeat(60);
        let mut host = String::new();
        while host.len() + label.len() + 1 < MAX_LINE_BYTES - "example.com".len() {
            host.push_str(&label);
            host.push('.');
        }
        let path = "x".repeat(MAX_LINE_BYTES - host.len() - "example.com/".len());
        let line = format!("{host}example.com/{path}");
        assert_eq!(line.len(), MAX_LINE_BYTES);
        let (out, errors, _) = run_on(format!("{line}\n").as_bytes());
        assert_eq!((out.as_str(), errors.as_str()), ("example.com\n", ""));
    }

    #[test]
    fn a_utf16_file_is_named_once() {
        let (out, errors, summary) = run_on(b"\xFF\xFEe\0x\0.\0c\0o\0m\0\n\0");
        assert_eq!(out, "");
        assert_eq!(
            errors,
            "error: hosts.txt:1: the file is UTF-16; save it as UTF-8\n"
        );
        assert_eq!(summary.skipped, 1);
    }

    #[test]
    fn empty_input_gives_nothing() {
        let (out, errors, summary) = run_on(b"");
        assert_eq!((out.as_str(), errors.as_str()), ("", ""));
        assert_eq!(summary, Summary::default());
    }

    /// A writer whose reader has gone away.
    struct ClosedPipe;

    impl Write for ClosedPipe {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
    }

    #[test]
    fn a_closed_output_ends_quietly() {
        let mut errors = Vec::new();
        let source = LineSource::from_reader("-", &b"a.example\nb.example\n"[..]);
        let summary = run(source, ClosedPipe, &mut errors).expect("a broken pipe is not an error");
        assert_eq!(summary.domains, 2);
        assert!(errors.is_empty());
    }
}
