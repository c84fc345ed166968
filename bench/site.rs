//! The crawl benchmark's site: a deterministic model of several hosts, served by the
//! suite itself on loopback addresses, and the exact set of pages a correct crawl of it
//! fetches.
//!
//! Hosts `127.0.0.1` … `127.0.0.H` (one listener each, all on the same port) serve
//! `N` pages each: `/` (page 0) and `/p/1` … `/p/{N-1}`. Every page has exactly
//! [`LINKS_PER_PAGE`] links: the home pages of every host, up to eight "children"
//! (`8n+1` … `8n+8`, so that every page is at most four clicks from `/` when `N` ≤ 4680),
//! pseudo-random pages of the same host and of other hosts, written root-relative,
//! relative, absolute and scheme-relative, three duplicates (one with a fragment), two
//! links to the out-of-scope host `127.0.0.{H+1}` (also served, so that a crawler that
//! wrongly follows them is counted, never sent off the machine), one link into
//! `/private/`, which robots.txt disallows, and on the home page a link into an endless
//! calendar (`/cal/1` → `/cal/2` → …) that only `--depth` ends.
//!
//! Every response, robots.txt and sitemaps included, waits the configured latency.
//! `robots.txt` disallows `/private/` and names `/sitemap_index.xml`, an index of a
//! gzip-compressed and a plain sitemap that together list every page (and one private
//! page, which robots.txt must still exclude).
//!
//! The server counts, per host: requests by method and path (so duplicates show), the
//! requests in flight and their peak, connections. The extra route `/wide/{n}` (host 1
//! only) is for the memory run: `/wide/0` links to `/wide/1` … `/wide/{K}`, and each of
//! those to [`WIDE_LINKS`] distinct `/leaf/…` URLs that a crawl with `--max-pages`
//! learns of and never fetches.

use std::collections::{HashMap, HashSet, VecDeque};
use std::io::{BufReader, Write};
use std::net::{Ipv4Addr, SocketAddrV4, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use url::Url;

use crate::server::{read_head, RequestHead};

/// Links on every page of the site (the "30 links a page").
pub const LINKS_PER_PAGE: usize = 30;
/// Children per page in the tree that makes every page reachable.
const FAN_OUT: u64 = 8;
/// Links on each `/wide/{n}` page (n ≥ 1) of the memory run.
pub const WIDE_LINKS: u64 = 1000;
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone, Debug)]
pub struct SiteSpec {
    /// Hosts of the site: 127.0.0.1 … 127.0.0.{hosts}.
    pub hosts: u8,
    /// Pages per host.
    pub pages: u64,
    /// Latency of every response.
    pub latency: Duration,
    /// Pages linked from `/wide/0` (the memory run); 0 if unused.
    pub wide: u64,
}

impl SiteSpec {
    pub fn ip(&self, host: u8) -> Ipv4Addr {
        Ipv4Addr::new(127, 0, 0, host + 1)
    }
    /// The out-of-scope host: one past the site's.
    pub fn external(&self) -> u8 {
        self.hosts
    }
}

/// Deterministic pseudo-random numbers: SplitMix64 of a position.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn pick(host: u8, n: u64, slot: u64, modulo: u64) -> u64 {
    mix(mix(mix(u64::from(host)) ^ n) ^ slot) % modulo
}

fn page_path(n: u64) -> String {
    if n == 0 {
        "/".into()
    } else {
        format!("/p/{n}")
    }
}

/// What a path of a site host is.
enum Route {
    Page(u64),
    Calendar(u64),
    Private,
    Wide(u64),
    Leaf,
    Robots,
    SitemapIndex,
    /// Part 1 (gzip) or 2 (plain) of the sitemap.
    Sitemap(u8),
    Missing,
}

pub struct Site {
    pub spec: SiteSpec,
    pub port: u16,
}

impl Site {
    fn origin(&self, host: u8) -> String {
        format!("http://{}:{}", self.spec.ip(host), self.port)
    }

    /// The URL of the home page of each site host: the inputs of a crawl.
    pub fn roots(&self) -> Vec<String> {
        (0..self.spec.hosts)
            .map(|h| format!("{}/", self.origin(h)))
            .collect()
    }

    fn route(&self, host: u8, path: &str) -> Route {
        let path = path.split(['?', '#']).next().unwrap_or("");
        let number = |prefix: &str| {
            path.strip_prefix(prefix)
                .and_then(|n| n.parse::<u64>().ok())
        };
        if host >= self.spec.hosts {
            return Route::Leaf;
        }
        match path {
            "/" => Route::Page(0),
            "/robots.txt" => Route::Robots,
            "/sitemap_index.xml" => Route::SitemapIndex,
            "/sitemaps/pages-1.xml.gz" => Route::Sitemap(1),
            "/sitemaps/pages-2.xml" => Route::Sitemap(2),
            _ => {
                if let Some(n) = number("/p/").filter(|&n| n > 0 && n < self.spec.pages) {
                    Route::Page(n)
                } else if let Some(k) = number("/cal/").filter(|&k| k > 0) {
                    Route::Calendar(k)
                } else if number("/private/").is_some() {
                    Route::Private
                } else if let Some(n) = number("/wide/").filter(|&n| n <= self.spec.wide) {
                    if host == 0 && self.spec.wide > 0 {
                        Route::Wide(n)
                    } else {
                        Route::Missing
                    }
                } else if path.starts_with("/leaf/") {
                    Route::Leaf
                } else {
                    Route::Missing
                }
            }
        }
    }

    /// The hrefs of a page, as written in it (`None` if the path is not an HTML page).
    fn hrefs(&self, host: u8, path: &str) -> Option<Vec<String>> {
        let hosts = self.spec.hosts;
        let pages = self.spec.pages;
        let abs = |h: u8, p: &str| format!("{}{p}", self.origin(h));
        let ext = |what: String| format!("{}/ext/{what}", self.origin(self.spec.external()));
        match self.route(host, path) {
            Route::Page(n) => {
                let mut links: Vec<String> = Vec::with_capacity(LINKS_PER_PAGE);
                // Forms of a same-host link to page t.
                let same = |t: u64, form: u64| -> String {
                    match (form % 3, t) {
                        (_, 0) if form % 3 != 2 => "/".into(),
                        (0, _) => page_path(t),
                        (1, _) if n == 0 => format!("p/{t}"),
                        (1, _) => t.to_string(),
                        _ => abs(host, &page_path(t)),
                    }
                };
                // The home pages of every host.
                for h in 0..hosts {
                    links.push(if h == host { "/".into() } else { abs(h, "/") });
                }
                // Children, or random pages where the tree has ended.
                for j in 0..FAN_OUT {
                    let child = FAN_OUT * n + 1 + j;
                    let t = if child < pages {
                        child
                    } else {
                        pick(host, n, 100 + j, pages)
                    };
                    links.push(same(t, j % 2));
                }
                // Random pages of this host.
                for j in 0..8 {
                    links.push(same(pick(host, n, 200 + j, pages), j));
                }
                // Random pages of other hosts, absolute and scheme-relative.
                for j in 0..4u64 {
                    let other = if hosts > 1 {
                        (host + 1 + (j % u64::from(hosts - 1)) as u8) % hosts
                    } else {
                        host
                    };
                    let url = abs(other, &page_path(pick(host, n, 300 + j, pages)));
                    links.push(if j % 2 == 0 {
                        url
                    } else {
                        url.trim_start_matches("http:").to_string()
                    });
                }
                // Duplicates: a child with a fragment, a random page and a foreign page
                // again, exactly as written before.
                let first_child = hosts as usize;
                links.push(format!("{}#more", links[first_child]));
                links.push(links[first_child + 8].clone());
                links.push(links[first_child + 16].clone());
                // Out of scope: another host.
                for j in 0..2 {
                    links.push(ext(format!("{host}/{n}/{j}")));
                }
                // Disallowed by robots.txt.
                links.push(format!("/private/{n}"));
                // The endless calendar, from the home page only.
                links.push(if n == 0 {
                    "/cal/1".into()
                } else {
                    same(pick(host, n, 400, pages), 0)
                });
                debug_assert_eq!(links.len(), LINKS_PER_PAGE);
                Some(links)
            }
            Route::Calendar(k) => Some(vec![
                format!("/cal/{}", k + 1),
                "/".into(),
                ext(format!("cal/{k}")),
            ]),
            Route::Private => Some(vec!["/".into()]),
            Route::Wide(0) => Some((1..=self.spec.wide).map(|k| format!("/wide/{k}")).collect()),
            Route::Wide(k) => Some(
                (0..WIDE_LINKS)
                    .map(|i| format!("/leaf/{k}/{i}/a-longer-name-as-real-urls-have"))
                    .collect(),
            ),
            Route::Leaf => Some(vec![]),
            _ => None,
        }
    }

    fn html(hrefs: &[String], title: &str) -> Vec<u8> {
        let mut out = String::with_capacity(3000 + hrefs.len() * 60);
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
        out.push_str(title);
        out.push_str("</title></head>\n<body><header><h1>");
        out.push_str(title);
        out.push_str("</h1></header>\n<main><p>");
        for _ in 0..6 {
            out.push_str("A synthetic page of the crawl benchmark: text around the links, as on any site, so that a parser has some work besides the links. ");
        }
        out.push_str("</p>\n<ul>\n");
        for (i, href) in hrefs.iter().enumerate() {
            out.push_str("<li><a href=\"");
            out.push_str(href);
            out.push_str("\">link ");
            out.push_str(&i.to_string());
            out.push_str("</a></li>\n");
        }
        out.push_str("</ul></main>\n<footer><p>The end.</p></footer></body></html>\n");
        out.into_bytes()
    }

    fn sitemap_urls(&self, host: u8, part: u8) -> Vec<String> {
        let half = self.spec.pages / 2;
        let range = if part == 1 {
            0..half
        } else {
            half..self.spec.pages
        };
        let mut urls: Vec<String> = range
            .map(|n| format!("{}{}", self.origin(host), page_path(n)))
            .collect();
        if part == 2 {
            urls.push(format!("{}/private/0", self.origin(host)));
        }
        urls
    }

    /// Status, content type and body for a GET of `path` on `host`.
    fn respond(&self, host: u8, path: &str) -> (&'static str, &'static str, Vec<u8>) {
        const HTML: &str = "text/html; charset=utf-8";
        const XML: &str = "application/xml";
        let title = format!("{} {path}", self.spec.ip(host));
        match self.route(host, path) {
            Route::Robots => {
                let text = format!(
                    "# The crawl benchmark's site\nUser-agent: *\nDisallow: /private/\n\nSitemap: {}/sitemap_index.xml\n",
                    self.origin(host)
                );
                ("200 OK", "text/plain", text.into_bytes())
            }
            Route::SitemapIndex => {
                let o = self.origin(host);
                let text = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n<sitemap><loc>{o}/sitemaps/pages-1.xml.gz</loc></sitemap>\n<sitemap><loc>{o}/sitemaps/pages-2.xml</loc></sitemap>\n</sitemapindex>\n"
                );
                ("200 OK", XML, text.into_bytes())
            }
            Route::Sitemap(part) => {
                let mut text = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
                for url in self.sitemap_urls(host, part) {
                    text.push_str("<url><loc>");
                    text.push_str(&url);
                    text.push_str("</loc></url>\n");
                }
                text.push_str("</urlset>\n");
                if part == 1 {
                    let mut gz =
                        flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                    let _ = gz.write_all(text.as_bytes());
                    (
                        "200 OK",
                        "application/gzip",
                        gz.finish().unwrap_or_default(),
                    )
                } else {
                    ("200 OK", XML, text.into_bytes())
                }
            }
            Route::Missing => (
                "404 Not Found",
                HTML,
                b"<!DOCTYPE html><title>Not found</title>\n".to_vec(),
            ),
            _ => match self.hrefs(host, path) {
                Some(hrefs) => ("200 OK", HTML, Site::html(&hrefs, &title)),
                None => ("404 Not Found", HTML, Vec::new()),
            },
        }
    }

    /// The links of a page as absolute URLs without fragments (what a crawler follows).
    fn resolved(&self, url: &Url) -> Vec<Url> {
        let host = match url.host_str().and_then(|h| h.parse::<Ipv4Addr>().ok()) {
            Some(ip) if ip.octets()[..3] == [127, 0, 0] => ip.octets()[3] - 1,
            _ => return Vec::new(),
        };
        let Some(hrefs) = self.hrefs(host, url.path()) else {
            return Vec::new();
        };
        hrefs
            .iter()
            .filter_map(|h| url.join(h).ok())
            .map(|mut u| {
                u.set_fragment(None);
                u
            })
            .collect()
    }

    fn in_site(&self, url: &Url) -> bool {
        url.scheme() == "http"
            && url.port() == Some(self.port)
            && (0..self.spec.hosts).any(|h| url.host_str() == Some(&self.spec.ip(h).to_string()))
    }

    /// The pages a correct crawl from `roots` at `depth` fetches, in breadth-first
    /// discovery order (inputs fetched whatever robots.txt says; links in the site's
    /// hosts followed, once each, unless robots.txt disallows them).
    pub fn model(&self, roots: &[String], depth: u32) -> Vec<String> {
        let mut order = Vec::new();
        let mut seen = HashSet::new();
        let mut queue = VecDeque::new();
        for root in roots {
            let url = Url::parse(root).expect("root URL");
            seen.insert(url.to_string());
            queue.push_back((url, 0u32));
        }
        while let Some((url, d)) = queue.pop_front() {
            order.push(url.to_string());
            if d >= depth {
                continue;
            }
            for link in self.resolved(&url) {
                if !self.in_site(&link) || !seen.insert(link.to_string()) {
                    continue;
                }
                if link.path().starts_with("/private/") {
                    continue;
                }
                queue.push_back((link, d + 1));
            }
        }
        order
    }

    /// The pages of a `--sitemap --depth 0` run: the roots, then every listed page
    /// that robots.txt allows.
    pub fn sitemap_model(&self) -> Vec<String> {
        let mut order = self.roots();
        let mut seen: HashSet<String> = order.iter().cloned().collect();
        for h in 0..self.spec.hosts {
            for part in [1, 2] {
                for url in self.sitemap_urls(h, part) {
                    if !url.contains("/private/") && seen.insert(url.clone()) {
                        order.push(url);
                    }
                }
            }
        }
        order
    }
}

/// What the server saw of one host.
#[derive(Default)]
pub struct HostStats {
    pub in_flight: AtomicU64,
    pub peak_in_flight: AtomicU64,
    pub connections: AtomicU64,
    /// (method, path and query) → count.
    pub requests: Mutex<HashMap<(String, String), u64>>,
}

pub struct SiteServer {
    pub site: Arc<Site>,
    /// One per host, the out-of-scope one last.
    pub stats: Vec<Arc<HostStats>>,
}

/// What a run did to the site, from the server's counts.
#[derive(Clone, Debug, Default)]
pub struct Observed {
    /// Distinct URLs of the site fetched with GET (pages, robots.txt and sitemaps aside).
    pub fetched: HashSet<String>,
    /// GETs of a page beyond its first.
    pub duplicates: u64,
    pub heads: u64,
    pub requests: u64,
    /// Requests to the out-of-scope host.
    pub external: u64,
    /// GETs of pages robots.txt disallows.
    pub disallowed: u64,
    pub robots: u64,
    pub sitemaps: u64,
    pub peak_per_host: u64,
    pub connections: u64,
}

impl SiteServer {
    /// Binds every host (and the out-of-scope one) on one free port; serves until the
    /// process ends.
    pub fn start(spec: SiteSpec) -> Result<SiteServer, String> {
        let ips: Vec<Ipv4Addr> = (0..=spec.external()).map(|h| spec.ip(h)).collect();
        let mut bound = None;
        for _ in 0..50 {
            let first = TcpListener::bind(SocketAddrV4::new(ips[0], 0))
                .map_err(|e| format!("bind {}: {e}", ips[0]))?;
            let port = first.local_addr().map_err(|e| e.to_string())?.port();
            let mut listeners = vec![first];
            for ip in &ips[1..] {
                match TcpListener::bind(SocketAddrV4::new(*ip, port)) {
                    Ok(l) => listeners.push(l),
                    Err(_) => break,
                }
            }
            if listeners.len() == ips.len() {
                bound = Some((port, listeners));
                break;
            }
        }
        let (port, listeners) =
            bound.ok_or("no port free on every loopback address of the site")?;
        let site = Arc::new(Site { spec, port });
        let mut stats = Vec::new();
        for (h, listener) in listeners.into_iter().enumerate() {
            let host_stats = Arc::new(HostStats::default());
            stats.push(Arc::clone(&host_stats));
            let site = Arc::clone(&site);
            thread::Builder::new()
                .name(format!("site-accept-{h}"))
                .spawn(move || {
                    for stream in listener.incoming() {
                        let Ok(stream) = stream else { continue };
                        host_stats.connections.fetch_add(1, Ordering::Relaxed);
                        let site = Arc::clone(&site);
                        let st = Arc::clone(&host_stats);
                        let spawned =
                            thread::Builder::new()
                                .stack_size(128 * 1024)
                                .spawn(move || {
                                    let _ = serve(stream, &site, h as u8, &st);
                                });
                        if let Err(e) = spawned {
                            eprintln!("bench site: cannot start a thread: {e}");
                        }
                    }
                })
                .map_err(|e| e.to_string())?;
        }
        Ok(SiteServer { site, stats })
    }

    /// Forgets every count (between runs).
    pub fn reset(&self) {
        for s in &self.stats {
            s.peak_in_flight
                .store(s.in_flight.load(Ordering::SeqCst), Ordering::SeqCst);
            s.connections.store(0, Ordering::SeqCst);
            s.requests.lock().expect("stats lock").clear();
        }
    }

    pub fn observed(&self) -> Observed {
        let mut o = Observed::default();
        let site = &self.site;
        for (h, s) in self.stats.iter().enumerate() {
            let h = h as u8;
            o.connections += s.connections.load(Ordering::SeqCst);
            let requests = s.requests.lock().expect("stats lock");
            let total: u64 = requests.values().sum();
            o.requests += total;
            if h == site.spec.external() {
                o.external += total;
                continue;
            }
            o.peak_per_host = o.peak_per_host.max(s.peak_in_flight.load(Ordering::SeqCst));
            for ((method, path), &count) in requests.iter() {
                if method == "HEAD" {
                    o.heads += count;
                    continue;
                }
                match site.route(h, path) {
                    Route::Robots => o.robots += count,
                    Route::SitemapIndex | Route::Sitemap(_) => o.sitemaps += count,
                    route => {
                        if matches!(route, Route::Private) {
                            o.disallowed += count;
                        }
                        o.fetched.insert(format!("{}{path}", site.origin(h)));
                        o.duplicates += count - 1;
                    }
                }
            }
        }
        o
    }
}

fn serve(stream: TcpStream, site: &Site, host: u8, stats: &HostStats) -> std::io::Result<()> {
    stream.set_read_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_write_timeout(Some(IDLE_TIMEOUT))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::with_capacity(8 * 1024, stream.try_clone()?);
    let mut writer = stream;
    let mut line = String::new();
    loop {
        let Some(RequestHead {
            method,
            target,
            close,
        }) = read_head(&mut reader, &mut line)?
        else {
            return Ok(());
        };
        let now = stats.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        stats.peak_in_flight.fetch_max(now, Ordering::SeqCst);
        *stats
            .requests
            .lock()
            .expect("stats lock")
            .entry((method.clone(), target.clone()))
            .or_insert(0) += 1;
        thread::sleep(site.spec.latency);
        let (status, content_type, body) = site.respond(host, &target);
        // "LinkChecker: …" lets LinkChecker go above 10 requests a second to this host
        // when told to (its maxrequestspersecond); other clients ignore it.
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nLinkChecker: benchmark site\r\n{}\r\n",
            body.len(),
            if close { "Connection: close\r\n" } else { "" }
        );
        let result = writer
            .write_all(head.as_bytes())
            .and_then(|()| {
                if method == "HEAD" {
                    Ok(())
                } else {
                    writer.write_all(&body)
                }
            })
            .and_then(|()| writer.flush());
        stats.in_flight.fetch_sub(1, Ordering::SeqCst);
        result?;
        if close {
            return Ok(());
        }
    }
}
