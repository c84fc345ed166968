//! Which links a crawl follows: in scope of the page's root (the final URL of the
//! input it descends from), through the `--include`/`--exclude` filters, not too long.

use std::fmt;

use regex::Regex;
use url::Url;

/// The longest URL followed. Longer ones are printed, never fetched: a calendar or a
/// session-id trap grows URLs without end, and real pages rarely have links this long
/// (browsers' own limits are far above it, servers' often below: 8 KiB is a common
/// request-line limit).
pub const MAX_FOLLOWED_URL: usize = 4096;

/// `--scope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The same host, http and https alike (the default).
    Host,
    /// The same registrable domain (Public Suffix List), as `domains` computes it.
    Site,
    /// URLs that start with the root's URL up to its last `/`.
    Prefix,
    /// Anywhere.
    Any,
}

impl Scope {
    pub fn parse(value: &str) -> Option<Scope> {
        match value {
            "host" => Some(Scope::Host),
            "site" => Some(Scope::Site),
            "prefix" => Some(Scope::Prefix),
            "any" => Some(Scope::Any),
            _ => None,
        }
    }

    /// Whether `url` is in this scope of `root`.
    pub fn contains(self, root: &Url, url: &Url) -> bool {
        match self {
            Scope::Any => true,
            Scope::Host => same_host(root, url),
            Scope::Site => match (site_of(root), site_of(url)) {
                (Some(a), Some(b)) => a == b,
                // IP addresses and single labels have no site: the host is the site.
                _ => same_host(root, url),
            },
            Scope::Prefix => url.as_str().starts_with(prefix_of(root)),
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::Host => "host",
            Scope::Site => "site",
            Scope::Prefix => "prefix",
            Scope::Any => "any",
        })
    }
}

fn same_host(a: &Url, b: &Url) -> bool {
    a.host_str().is_some() && a.host_str() == b.host_str()
}

fn site_of(url: &Url) -> Option<String> {
    crate::domains::registrable_domain(url.host_str()?).ok()
}

/// The root's URL up to the last `/` of its path (query and fragment left out).
fn prefix_of(root: &Url) -> &str {
    let upto_path = &root[..url::Position::AfterPath];
    match upto_path.rfind('/') {
        Some(slash) => &upto_path[..=slash],
        None => upto_path,
    }
}

/// `--include` and `--exclude`.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub include: Vec<Regex>,
    pub exclude: Vec<Regex>,
}

impl Filters {
    /// Whether `url` passes: it matches an `--include` if any is given, and no
    /// `--exclude`.
    pub fn pass(&self, url: &str) -> bool {
        (self.include.is_empty() || self.include.iter().any(|re| re.is_match(url)))
            && !self.exclude.iter().any(|re| re.is_match(url))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("test URL")
    }

    #[test]
    fn host_ignores_scheme_and_port() {
        let root = url("https://docs.example.com/guide/");
        assert!(Scope::Host.contains(&root, &url("http://docs.example.com:8080/x")));
        assert!(!Scope::Host.contains(&root, &url("https://example.com/")));
        assert!(!Scope::Host.contains(&root, &url("https://api.docs.example.com/")));
    }

    #[test]
    fn site_is_the_registrable_domain() {
        let root = url("https://news.bbc.co.uk/");
        assert!(Scope::Site.contains(&root, &url("https://www.bbc.co.uk/sport")));
        assert!(!Scope::Site.contains(&root, &url("https://www.itv.co.uk/")));
        let root = url("http://127.0.0.1:8000/");
        assert!(Scope::Site.contains(&root, &url("http://127.0.0.1:9000/x")));
        assert!(!Scope::Site.contains(&root, &url("http://127.0.0.2:8000/")));
    }

    #[test]
    fn prefix_is_up_to_the_last_slash() {
        let root = url("https://example.com/docs/guide.html?x=1#top");
        assert!(Scope::Prefix.contains(&root, &url("https://example.com/docs/api/")));
        assert!(Scope::Prefix.contains(&root, &url("https://example.com/docs/")));
        assert!(!Scope::Prefix.contains(&root, &url("https://example.com/docsx")));
        assert!(!Scope::Prefix.contains(&root, &url("http://example.com/docs/a")));
    }

    #[test]
    fn filters_include_then_exclude() {
        let filters = Filters {
            include: vec![Regex::new("/docs/").expect("regex")],
            exclude: vec![Regex::new(r"\.pdf$").expect("regex")],
        };
        assert!(filters.pass("https://a.test/docs/x"));
        assert!(!filters.pass("https://a.test/blog/x"));
        assert!(!filters.pass("https://a.test/docs/x.pdf"));
        assert!(Filters::default().pass("anything"));
    }
}
