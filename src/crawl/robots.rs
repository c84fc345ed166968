//! robots.txt (RFC 9309), for the product token `link-extractor`: fetched once per
//! origin and kept for the run. A 4xx answer allows everything; a 5xx answer or no
//! answer allows nothing beyond the inputs; at most 500 KiB is read and rules past it
//! are ignored. `Crawl-delay` sets the host's least gap between request starts.
//!
//! Matching is texting_robots' (its rules compiled once per file, not per URL as the
//! Google port does); the fetching, the status rules and the caps are ours.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use url::Url;

use crate::fetch::Fetcher;
use crate::politeness::RequestGate;
use crate::text::printable;

/// The product token robots.txt groups are matched against.
pub const PRODUCT_TOKEN: &str = "link-extractor";
/// The most of a robots.txt that is read (RFC 9309: at least 500 kibibytes).
pub const MAX_BYTES: u64 = 500 * 1024;
/// The longest `Crawl-delay` obeyed: a longer one would hold a crawl for hours.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);

/// One origin's rules.
#[derive(Debug)]
pub struct Robots {
    rules: Rules,
    /// `Sitemap:` lines, resolved.
    pub sitemaps: Vec<Url>,
}

#[derive(Debug)]
enum Rules {
    AllowAll,
    DisallowAll,
    Parsed(Box<texting_robots::Robot>),
}

impl Robots {
    pub fn allowed(&self, url: &Url) -> bool {
        match &self.rules {
            Rules::AllowAll => true,
            Rules::DisallowAll => false,
            Rules::Parsed(robot) => robot.allowed(url.as_str()),
        }
    }

    /// The rules of a robots.txt body: its first [`MAX_BYTES`] only.
    pub fn parse(body: &[u8], robots_url: &Url) -> (Robots, Option<Duration>) {
        let body = &body[..body.len().min(MAX_BYTES as usize)];
        match texting_robots::Robot::new(PRODUCT_TOKEN, body) {
            Ok(robot) => {
                let delay = robot
                    .delay
                    .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
                    .map(|seconds| Duration::from_secs_f32(seconds).min(MAX_CRAWL_DELAY));
                let sitemaps = robot
                    .sitemaps
                    .iter()
                    .filter_map(|line| robots_url.join(line.trim()).ok())
                    .filter(|url| matches!(url.scheme(), "http" | "https"))
                    .collect();
                let robots = Robots {
                    rules: Rules::Parsed(Box::new(robot)),
                    sitemaps,
                };
                (robots, delay)
            }
            Err(error) => {
                log::info!("{robots_url}: not read as robots.txt ({error}): everything allowed");
                (Robots::allow_all(), None)
            }
        }
    }

    fn allow_all() -> Robots {
        Robots {
            rules: Rules::AllowAll,
            sitemaps: Vec::new(),
        }
    }

    fn disallow_all() -> Robots {
        Robots {
            rules: Rules::DisallowAll,
            sitemaps: Vec::new(),
        }
    }
}

/// robots.txt per origin, fetched the first time an origin is asked about; callers
/// asking at the same time wait for the one fetch.
pub struct RobotsCache {
    fetcher: Arc<Fetcher>,
    gate: Option<Arc<RequestGate>>,
    origins: Mutex<HashMap<String, Arc<OnceLock<Arc<Robots>>>>>,
}

impl RobotsCache {
    pub fn new(fetcher: Arc<Fetcher>, gate: Option<Arc<RequestGate>>) -> Self {
        RobotsCache {
            fetcher,
            gate,
            origins: Mutex::new(HashMap::new()),
        }
    }

    /// The rules for `url`'s origin.
    pub fn for_url(&self, url: &Url) -> Arc<Robots> {
        let origin = url.origin().ascii_serialization();
        let cell = {
            let mut origins = self.origins.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(origins.entry(origin.clone()).or_default())
        };
        Arc::clone(cell.get_or_init(|| Arc::new(self.fetch(&origin, url))))
    }

    fn fetch(&self, origin: &str, url: &Url) -> Robots {
        let Ok(robots_url) = Url::parse(&format!("{origin}/robots.txt")) else {
            return Robots::allow_all();
        };
        let gate = self.gate.as_ref();
        let answer = self
            .fetcher
            .fetch_resource(&robots_url, MAX_BYTES, true, gate);
        let (robots, delay) = match answer {
            Ok(resource) if (200..300).contains(&resource.status) => {
                Robots::parse(&resource.body, &resource.final_url)
            }
            Ok(resource) if resource.status >= 500 => {
                log::info!(
                    "{robots_url}: HTTP {}: nothing beyond the inputs is fetched from {origin}",
                    resource.status
                );
                (Robots::disallow_all(), None)
            }
            // 4xx (and a redirect that ends nowhere): there are no rules.
            Ok(_) => (Robots::allow_all(), None),
            Err(error) => {
                log::info!(
                    "{robots_url}: {}: nothing beyond the inputs is fetched from {origin}",
                    printable(&error.to_string())
                );
                (Robots::disallow_all(), None)
            }
        };
        if let (Some(delay), Some(gate)) = (delay, gate) {
            gate.set_crawl_delay(&RequestGate::host_of(url), delay);
        }
        robots
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn robots(body: &str) -> Robots {
        let url = Url::parse("https://h.test/robots.txt").expect("test URL");
        Robots::parse(body.as_bytes(), &url).0
    }

    fn allowed(robots: &Robots, path: &str) -> bool {
        robots.allowed(&Url::parse(&format!("https://h.test{path}")).expect("test URL"))
    }

    #[test]
    fn our_group_wins_over_the_star_group() {
        let robots = robots(
            "User-agent: *\nDisallow: /\n\nUser-agent: link-extractor\nDisallow: /private\nAllow: /private/ok\n",
        );
        assert!(allowed(&robots, "/public"));
        assert!(!allowed(&robots, "/private/x"));
        assert!(allowed(&robots, "/private/ok/y"));
    }

    #[test]
    fn without_our_group_the_star_group_holds() {
        let robots = robots("User-agent: other\nDisallow: /\n\nUser-agent: *\nDisallow: /tmp/\n");
        assert!(allowed(&robots, "/a"));
        assert!(!allowed(&robots, "/tmp/a"));
    }

    #[test]
    fn wildcards_and_end_anchors() {
        let robots = robots("User-agent: *\nDisallow: /*.pdf$\nDisallow: /search?\n");
        assert!(!allowed(&robots, "/docs/a.pdf"));
        assert!(allowed(&robots, "/docs/a.pdf.html"));
        assert!(!allowed(&robots, "/search?q=x"));
        assert!(allowed(&robots, "/searching"));
    }

    #[test]
    fn crawl_delay_and_sitemaps() {
        let url = Url::parse("https://h.test/robots.txt").expect("test URL");
        let body = "User-agent: *\nCrawl-delay: 2.5\nSitemap: /sitemap-a.xml\nSitemap: https://cdn.test/b.xml\n";
        let (robots, delay) = Robots::parse(body.as_bytes(), &url);
        assert_eq!(delay, Some(Duration::from_millis(2500)));
        let sitemaps: Vec<&str> = robots.sitemaps.iter().map(Url::as_str).collect();
        assert_eq!(
            sitemaps,
            ["https://h.test/sitemap-a.xml", "https://cdn.test/b.xml"]
        );
        let (_, delay) = Robots::parse(b"User-agent: *\nCrawl-delay: 86400\n", &url);
        assert_eq!(delay, Some(MAX_CRAWL_DELAY));
    }

    #[test]
    fn rules_past_the_first_500_kib_are_ignored() {
        let mut body = String::from("User-agent: *\nDisallow: /early\n");
        while body.len() < MAX_BYTES as usize {
            body.push_str("# padding padding padding padding padding padding\n");
        }
        body.push_str("Disallow: /late\n");
        let robots = robots(&body);
        assert!(!allowed(&robots, "/early"));
        assert!(allowed(&robots, "/late"));
    }
}
