//! Crawl mode (`--depth N`, `--sitemap`): which pages a run goes on to, in which
//! order, and how many.
//!
//! The crawl lives on the pipeline's consumer side. When page k is emitted (in order),
//! the links it outputs that are in scope, pass the filters, are not too long and were
//! not seen before become pages at depth d + 1, pushed into the pipeline's work source
//! in the order they were output; the pipeline admits them after everything before
//! them. So the order of pages is breadth-first and the same on every run, whatever
//! finishes first. robots.txt is read (once per origin) when a page of a new origin is
//! found, so that a page it forbids is known before anything counts it: it stays in
//! the order as a `skipped` record and does not count towards `--max-pages`.
//!
//! What is remembered per URL is a 64-bit fingerprint (`seen::Seen`), never the URL:
//! the frontier holds only pages still to fetch.

pub mod robots;
pub mod scope;
pub mod sitemap;

use std::sync::Arc;

use url::Url;

use crate::fetch::Fetcher;
use crate::input::{InputItem, Lineage, SkipReason, Target};
use crate::pipeline::WorkSource;
use crate::politeness::RequestGate;
use crate::seen::Seen;
use robots::RobotsCache;
use scope::{Filters, Scope, MAX_FOLLOWED_URL};

/// What a crawl does, validated.
#[derive(Debug, Clone)]
pub struct CrawlConfig {
    /// `--depth`: links followed this many times from an input.
    pub depth: u32,
    pub scope: Scope,
    pub filters: Filters,
    /// `--max-pages`: pages fetched at most, in breadth-first order.
    pub max_pages: u64,
    /// `--sitemap`: the pages the inputs' sitemaps list join the inputs.
    pub sitemap: bool,
    /// robots.txt is honoured (not `--ignore-robots`).
    pub robots: bool,
}

/// The crawl's memory of the run: what was fetched, what was output, how many.
pub struct Crawl {
    config: CrawlConfig,
    robots: Option<Arc<RobotsCache>>,
    /// Depth-0 pages admitted (inputs, sitemap pages).
    given: Seen,
    /// Pages pushed to be fetched, and the final URLs of pages output.
    found: Seen,
    /// Final URLs of the pages whose links were output.
    output: Seen,
    /// Pages admitted, towards `--max-pages`.
    pages: u64,
    limit_reached: bool,
    /// The depth of the last page admitted (for the progress line).
    pub depth: u32,
}

impl Crawl {
    pub fn new(config: CrawlConfig, robots: Option<Arc<RobotsCache>>) -> Self {
        Crawl {
            config,
            robots,
            given: Seen::default(),
            found: Seen::default(),
            output: Seen::default(),
            pages: 0,
            limit_reached: false,
            depth: 0,
        }
    }

    /// Whether `item` is taken into the run: a page seen before, or one past
    /// `--max-pages`, is not. Only pages to fetch count.
    pub fn admit(&mut self, item: &InputItem) -> bool {
        if self.limit_reached && item.depth > 0 {
            // Past the limit the run only finishes: not even skips are reported.
            return false;
        }
        let key = match &item.target {
            Ok(Target::Page(url)) => fetch_key(url),
            Ok(Target::Found(url)) => url.to_string(),
            _ => return true,
        };
        if item.depth == 0 {
            if !self.given.insert(&key) {
                return false;
            }
        } else if self.given.contains(&key) {
            return false;
        }
        if self.pages >= self.config.max_pages {
            if !self.limit_reached {
                self.limit_reached = true;
                log::warn!(
                    "--max-pages {} reached: the first {} in breadth-first order {} \
                     fetched, the rest were not",
                    self.config.max_pages,
                    plural(self.pages, "page", "pages"),
                    if self.pages == 1 { "was" } else { "were" }
                );
            }
            return false;
        }
        self.pages += 1;
        self.depth = item.depth;
        true
    }

    /// Whether the links of a page that ended at `final_url` are output: not when that
    /// URL was output already (a redirect to a page seen before ends there).
    pub fn first_output(&mut self, final_url: &Url) -> bool {
        let key = fetch_key(final_url);
        self.found.insert(&key);
        self.output.insert(&key)
    }

    /// Pushes the pages `links` lead to, in order: the links of `item`, a page that
    /// ended at `final_url`.
    pub fn follow(
        &mut self,
        item: &InputItem,
        final_url: &Url,
        links: &[Url],
        source: &mut WorkSource<InputItem>,
    ) {
        if item.depth >= self.config.depth || self.limit_reached {
            return;
        }
        let lineage = match (&item.lineage, &item.target) {
            (Some(lineage), _) => Arc::clone(lineage),
            (None, Ok(Target::Page(input))) => Arc::new(Lineage {
                root: final_url.clone(),
                input: Url::clone(input),
            }),
            // An --html document: its links are scoped against its own URL, and no
            // credentials go anywhere.
            (None, _) => Arc::new(Lineage {
                root: final_url.clone(),
                input: final_url.clone(),
            }),
        };
        for link in links {
            let Some(target) = self.next_page(&lineage.root, link) else {
                continue;
            };
            let skipped = self.forbidden(&target).then_some(SkipReason::Robots);
            source.push(InputItem::found(
                target,
                item.depth + 1,
                Arc::clone(&lineage),
                skipped,
            ));
        }
    }

    /// The page `link` leads to, if the crawl goes there: its URL without fragment, in
    /// scope of `root`, through the filters, not too long, not seen before.
    fn next_page(&mut self, root: &Url, link: &Url) -> Option<Url> {
        let mut target = link.clone();
        target.set_fragment(None);
        let followed = target.as_str().len() <= MAX_FOLLOWED_URL
            && self.config.scope.contains(root, &target)
            && self.config.filters.pass(target.as_str());
        let new =
            followed && !self.given.contains(target.as_str()) && self.found.insert(target.as_str());
        new.then_some(target)
    }

    /// Whether robots.txt forbids `url` (read now if its origin's is not known yet).
    fn forbidden(&self, url: &Url) -> bool {
        self.robots
            .as_ref()
            .is_some_and(|robots| !robots.for_url(url).allowed(url))
    }
}

/// `1 page`, `5 pages`.
pub fn plural(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

/// The URL a page is fetched at: without its fragment.
fn fetch_key(url: &Url) -> String {
    match url.fragment() {
        Some(_) => {
            let mut key = url.clone();
            key.set_fragment(None);
            key.into()
        }
        None => url.as_str().to_owned(),
    }
}

/// The inputs, then (with `--sitemap`) the pages their origins' sitemaps list, each
/// scoped like the input whose origin listed it.
pub struct WithSitemaps<I> {
    inputs: I,
    /// Each origin of the inputs, with the first input of that origin.
    origins: Vec<(String, Url)>,
    listed: std::vec::IntoIter<InputItem>,
    next_origin: usize,
    sitemaps: SitemapReader,
}

/// What reading sitemaps needs.
pub struct SitemapReader {
    pub fetcher: Arc<Fetcher>,
    pub gate: Option<Arc<RequestGate>>,
    pub robots: Option<Arc<RobotsCache>>,
    pub scope: Scope,
    pub filters: Filters,
}

impl<I: Iterator<Item = InputItem>> WithSitemaps<I> {
    pub fn new(inputs: I, sitemaps: SitemapReader) -> Self {
        WithSitemaps {
            inputs,
            origins: Vec::new(),
            listed: Vec::new().into_iter(),
            next_origin: 0,
            sitemaps,
        }
    }
}

impl SitemapReader {
    /// The pages the sitemaps of `origin` list, as items scoped by the input URL that
    /// named the origin (it is not fetched yet when its sitemaps are read), each
    /// checked against its own origin's robots.txt.
    fn listed(&self, origin: &str, input: &Url) -> Vec<InputItem> {
        let lineage = Arc::new(Lineage {
            root: input.clone(),
            input: input.clone(),
        });
        let root = &lineage.root;
        let robots = self.robots.as_ref().map(|robots| robots.for_url(root));
        let start = match &robots {
            Some(robots) if !robots.sitemaps.is_empty() => robots.sitemaps.clone(),
            _ => Url::parse(&format!("{origin}/sitemap.xml"))
                .into_iter()
                .collect(),
        };
        let pages = sitemap::pages(&self.fetcher, self.gate.as_ref(), start);
        log::info!("{origin}: the sitemaps list {} pages", pages.len());
        pages
            .into_iter()
            .filter_map(|mut page| {
                page.set_fragment(None);
                let taken = self.scope.contains(root, &page) && self.filters.pass(page.as_str());
                taken.then_some(page)
            })
            .map(|page| {
                let forbidden = self
                    .robots
                    .as_ref()
                    .is_some_and(|robots| !robots.for_url(&page).allowed(&page));
                let skipped = forbidden.then_some(SkipReason::Robots);
                InputItem::found(page, 0, Arc::clone(&lineage), skipped)
            })
            .collect()
    }
}

impl<I: Iterator<Item = InputItem>> Iterator for WithSitemaps<I> {
    type Item = InputItem;

    fn next(&mut self) -> Option<InputItem> {
        if let Some(item) = self.inputs.next() {
            if let Ok(Target::Page(url)) = &item.target {
                let origin = url.origin().ascii_serialization();
                if !self.origins.iter().any(|(known, _)| *known == origin) {
                    self.origins.push((origin, Url::clone(url)));
                }
            }
            return Some(item);
        }
        loop {
            if let Some(item) = self.listed.next() {
                return Some(item);
            }
            let (origin, root) = self.origins.get(self.next_origin)?;
            self.next_origin += 1;
            self.listed = self.sitemaps.listed(origin, root).into_iter();
        }
    }
}
