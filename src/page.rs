//! The work of one input, on a pool thread: a page fetched or a document read, then
//! decoded and parsed into its links, within the memory the run may use.

use std::sync::Arc;

use url::Url;

use crate::crawl::robots::RobotsCache;
use crate::error::PageError;
use crate::extract;
use crate::fetch::{BodyMemory, Bounds, FetchError, Fetcher};
use crate::html_file::{self, HtmlConfig};
use crate::input::{InputItem, Lineage, SkipReason, Target};
use crate::limits::TooLargeForMemory;
use crate::pipeline::{Budget, Job, Lane, NotNow, ParseBudget};
use crate::politeness::{NotYet, RequestGate, RequestSlot};
use crate::text::{printable, redacted};
use crate::units::human_size;

/// What one item gives.
#[derive(Debug)]
pub enum PageOutcome {
    /// The links of the page, in page order, and the URL they resolved against (the
    /// URL after redirects, or the document's URL).
    Links {
        final_url: Url,
        links: Vec<Url>,
    },
    Failed(PageError),
    /// A page found by a crawl and not fetched.
    Skipped(SkipReason),
    /// Not a page, at depth 1 or more in a crawl: closed after its headers, not a
    /// failure, and nothing to report.
    NotAPage,
}

/// Turns inputs into links: the pipeline's [`Job`].
pub struct PageJob {
    fetcher: Arc<Fetcher>,
    html: HtmlConfig,
    memory: Option<MemoryBudget>,
    gate: Option<Arc<RequestGate>>,
    /// robots.txt when crawling (for where the redirects of pages found may lead).
    robots: Option<Arc<RobotsCache>>,
}

/// The memory pages may take under a limit (a cgroup's, or `--max-memory`), in two
/// budgets: bodies as they arrive, and the DOMs being built. They are apart so that
/// neither can starve the other: a page waiting to be parsed holds only its body, and
/// a parse waits only for other parses, which end.
#[derive(Debug)]
pub struct MemoryBudget {
    limit: u64,
    bodies: Budget,
    parsing: Budget,
}

/// What the process takes whatever the pages are: code, thread stacks, buffers.
const FIXED_MEMORY: u64 = 24 << 20;
/// What each connection takes for its buffers.
const MEMORY_PER_JOB: u64 = 160 << 10;
/// The least the pages get, however small the limit.
const LEAST_FOR_PAGES: u64 = 4 << 20;

impl MemoryBudget {
    /// Plans `limit` bytes for `jobs` pages at once: the fixed cost first, then 80 % of
    /// the rest (the allocator's own slack), 40 % of that for bodies, 60 % for parsing.
    pub fn plan(limit: u64, jobs: usize) -> Self {
        let fixed = FIXED_MEMORY + MEMORY_PER_JOB * jobs as u64;
        let for_pages = (limit.saturating_sub(fixed) / 5 * 4).max(LEAST_FOR_PAGES);
        MemoryBudget {
            limit,
            bodies: Budget::new(for_pages / 5 * 2),
            parsing: Budget::new(for_pages / 5 * 3),
        }
    }

    /// One line for `-v`.
    pub fn describe(&self) -> String {
        format!(
            "bodies within {}, parsing within {}",
            human_size(self.bodies.capacity()),
            human_size(self.parsing.capacity())
        )
    }
}

/// What building the DOM of `html` and holding its links may take, at most: the bytes
/// twice (the decoded text), and per start tag and per link what the rcdom and the
/// URLs take (measured: 1,000,000 links in 18.9 MB peaked at 359 MiB). Counted in one
/// pass over the bytes, far cheaper than the parse it guards.
pub fn parse_cost(html: &[u8]) -> u64 {
    const PER_ELEMENT: u64 = 200;
    const PER_LINK: u64 = 250;
    let mut elements = 0u64;
    let mut links = 0u64;
    for (at, _) in html.iter().enumerate().filter(|(_, &byte)| byte == b'<') {
        let next = html.get(at + 1).copied().unwrap_or(0);
        if next.is_ascii_alphabetic() {
            elements += 1;
            let after = html.get(at + 2).copied().unwrap_or(0);
            let is_a = next.eq_ignore_ascii_case(&b'a')
                && (after.is_ascii_whitespace() || after == b'>' || after == b'/');
            let is_area = html
                .get(at + 1..at + 5)
                .is_some_and(|name| name.eq_ignore_ascii_case(b"area"));
            if is_a || is_area {
                links += 1;
            }
        }
    }
    2 * html.len() as u64 + PER_ELEMENT * elements + PER_LINK * links
}

impl PageJob {
    pub fn new(
        fetcher: Arc<Fetcher>,
        html: HtmlConfig,
        memory: Option<MemoryBudget>,
        gate: Option<Arc<RequestGate>>,
        robots: Option<Arc<RobotsCache>>,
    ) -> Self {
        PageJob {
            fetcher,
            html,
            memory,
            gate,
            robots,
        }
    }

    /// Fetch, then extract, resolving against the URL after redirects. A page a crawl
    /// found (`lineage`) sends credentials only to its input's origin, and its redirects
    /// obey robots.txt.
    fn page(
        &self,
        url: &Url,
        lineage: Option<&Lineage>,
        slot: Option<RequestSlot>,
        parse: &ParseBudget,
    ) -> Result<(Url, Vec<Url>), PageError> {
        let bodies = self.memory.as_ref().map(|memory| BodyMemory {
            budget: &memory.bodies,
            limit: memory.limit,
        });
        let obey_robots = |target: &Url| {
            self.robots
                .as_ref()
                .is_none_or(|robots| robots.for_url(target).allowed(target))
        };
        let bounds = match lineage {
            Some(lineage) => Bounds {
                credentials_for: Some(&lineage.input),
                may_redirect_to: Some(&obey_robots),
            },
            None => Bounds::default(),
        };
        let page = self
            .fetcher
            .fetch(url, bodies, self.gate.as_ref(), slot, bounds)?;
        if page.redirects > 0 {
            log::info!(
                "{}: redirected to {}",
                redacted(url),
                printable(page.final_url.as_str())
            );
        }
        let links = self.extract(
            &redacted(url),
            &page.body,
            page.charset.as_deref(),
            &page.final_url,
            parse,
        )?;
        Ok((page.final_url, links))
    }

    /// Read, then extract: a local document, through the same extraction as a page.
    fn document(&self, path: &str, parse: &ParseBudget) -> Result<(Url, Vec<Url>), PageError> {
        let document = html_file::load(path, &self.html)?;
        let charset = self.html.charset.as_deref();
        let source = printable(path);
        let links = self.extract(&source, &document.bytes, charset, &document.page_url, parse)?;
        Ok((document.page_url, links))
    }

    /// Bytes to links, the same for pages and documents: one unit of the parse budget
    /// and the memory the parse may take held, the parse bounded in time, skipped
    /// links logged under `source`.
    fn extract(
        &self,
        source: &str,
        bytes: &[u8],
        charset: Option<&str>,
        page_url: &Url,
        parse: &ParseBudget,
    ) -> Result<Vec<Url>, PageError> {
        let links = {
            // One unit per page: a budget always holds at least one.
            let _slot = parse.acquire(1);
            let _memory = match &self.memory {
                Some(memory) => Some(memory.parsing.acquire(parse_cost(bytes)).map_err(|_| {
                    log::debug!(
                        "{source}: parsing would take about {}, more than {}",
                        human_size(parse_cost(bytes)),
                        human_size(memory.parsing.capacity())
                    );
                    PageError::Memory(TooLargeForMemory {
                        limit: memory.limit,
                    })
                })?),
                None => None,
            };
            let parse_timeout = Some(self.html.parse_timeout);
            extract::links_from_bytes(bytes, charset, page_url, parse_timeout)?
        };
        if log::log_enabled!(log::Level::Info) {
            for skipped in &links.skipped {
                log::info!(
                    "{source}: skipped {} (not an http(s) link)",
                    printable(skipped)
                );
            }
        }
        log::debug!("{source}: {} bytes, {} links", bytes.len(), links.web.len());
        Ok(links.web)
    }
}

impl Job for PageJob {
    type Item = InputItem;
    type Outcome = PageOutcome;
    /// The slot of the page's first request, taken before its job starts.
    type Turn = RequestSlot;

    fn run(&self, item: &InputItem, slot: Option<RequestSlot>, parse: &ParseBudget) -> PageOutcome {
        let lineage = item.lineage.as_deref();
        let extracted = match &item.target {
            Ok(Target::Page(url)) => self.page(url, lineage, slot, parse),
            Ok(Target::Found(url)) => match Url::parse(url) {
                Ok(url) => self.page(&url, lineage, slot, parse),
                // Written by the url crate: it parses again.
                Err(_) => Err(PageError::Internal),
            },
            Ok(Target::Html(path)) => self.document(path, parse),
            Ok(Target::Skipped(_, reason)) => return PageOutcome::Skipped(*reason),
            Err(bad) => Err(bad.error.clone().into()),
        };
        // A page found (by a link or a sitemap) that is no page is not a failure.
        let found = matches!(item.target, Ok(Target::Found(_)));
        match extracted {
            Ok((final_url, links)) => PageOutcome::Links { final_url, links },
            Err(PageError::Fetch(FetchError::NotHtml(_))) if found => PageOutcome::NotAPage,
            Err(PageError::Fetch(FetchError::RedirectForbidden(_))) => {
                PageOutcome::Skipped(SkipReason::Robots)
            }
            Err(error) => PageOutcome::Failed(error),
        }
    }

    /// With politeness, a page waits in its host's lane for a request slot.
    fn lane(&self, item: &InputItem) -> Option<Lane> {
        self.gate.as_ref()?;
        let host = match &item.target {
            Ok(Target::Page(url)) => RequestGate::host_of(url),
            Ok(Target::Found(url)) => RequestGate::host_of(&Url::parse(url).ok()?),
            _ => return None,
        };
        Some(Lane::from(host))
    }

    fn try_start(&self, host: &str) -> Result<RequestSlot, NotNow> {
        let Some(gate) = &self.gate else {
            return Err(NotNow::AllBusy);
        };
        gate.try_enter(host).map_err(|not_yet| match not_yet {
            NotYet::AllBusy => NotNow::AllBusy,
            NotYet::HostBusy => NotNow::LaneBusy,
            NotYet::HostUntil(when) => NotNow::LaneUntil(when),
        })
    }

    fn changes(&self) -> Option<crossbeam_channel::Receiver<()>> {
        self.gate.as_ref().map(|gate| gate.changes())
    }

    fn settled(&self, item: &InputItem) -> Option<PageOutcome> {
        match &item.target {
            Ok(Target::Skipped(_, reason)) => Some(PageOutcome::Skipped(*reason)),
            Err(bad) => Some(PageOutcome::Failed(bad.error.clone().into())),
            Ok(_) => None,
        }
    }

    fn panicked(&self, _item: &InputItem) -> PageOutcome {
        PageOutcome::Failed(PageError::Internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_parse_cost_counts_elements_and_links() {
        let html = b"<p>text <a href=x>a</a><AREA href=y><abbr>t</abbr></p><!-- <a -->";
        // Elements: p, a, AREA, abbr, and the `<a` in the comment (counted: a
        // conservative guess); links: a, AREA, and the commented one.
        assert_eq!(parse_cost(html), 2 * html.len() as u64 + 5 * 200 + 3 * 250);
        assert_eq!(parse_cost(b""), 0);
        assert_eq!(parse_cost(b"a < b <"), 14);
    }

    #[test]
    fn a_128_mib_pod_plans_room_for_ordinary_pages_not_for_a_million_links() {
        let memory = MemoryBudget::plan(128 << 20, 32);
        let ordinary = parse_cost(&b"<div><a href=/x>x</a> some text </div>".repeat(2_000));
        assert!(ordinary * 4 < memory.parsing.capacity(), "{ordinary}");
        let million = parse_cost(&b"<a href=/x>x</a>".repeat(1_000_000));
        assert!(million > memory.parsing.capacity(), "{million}");
        assert!(16 << 20 < memory.bodies.capacity());
    }

    #[test]
    fn a_tiny_limit_still_leaves_something_for_pages() {
        let memory = MemoryBudget::plan(8 << 20, 32);
        let pages = memory.bodies.capacity() + memory.parsing.capacity();
        assert!(
            pages <= LEAST_FOR_PAGES && pages > LEAST_FOR_PAGES - 8,
            "{pages}"
        );
    }
}
