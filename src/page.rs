//! The work of one input, on a pool thread: a page fetched or a document read, then
//! decoded and parsed into its links.

use url::Url;

use crate::error::PageError;
use crate::extract;
use crate::fetch::Fetcher;
use crate::html_file::{self, HtmlConfig};
use crate::input::{InputItem, Target};
use crate::pipeline::{Job, ParseBudget};
use crate::text::{printable, redacted};

/// What one input gives: its links, in page order, or why there are none.
pub type PageOutcome = Result<Vec<Url>, PageError>;

/// Turns inputs into links: the pipeline's [`Job`].
pub struct PageJob {
    fetcher: Fetcher,
    html: HtmlConfig,
}

impl PageJob {
    pub fn new(fetcher: Fetcher, html: HtmlConfig) -> Self {
        PageJob { fetcher, html }
    }

    /// Fetch, then extract, resolving against the URL after redirects.
    fn page(&self, url: &Url, budget: &ParseBudget) -> PageOutcome {
        let page = self.fetcher.fetch(url)?;
        if page.redirects > 0 {
            log::info!(
                "{}: redirected to {}",
                redacted(url),
                printable(page.final_url.as_str())
            );
        }
        self.extract(
            url.as_str(),
            &page.body,
            page.charset.as_deref(),
            &page.final_url,
            budget,
        )
    }

    /// Read, then extract: a local document, through the same extraction as a page.
    fn document(&self, path: &str, budget: &ParseBudget) -> PageOutcome {
        let document = html_file::load(path, &self.html)?;
        let charset = self.html.charset.as_deref();
        self.extract(path, &document.bytes, charset, &document.page_url, budget)
    }

    /// Bytes to links, the same for pages and documents: one unit of the parse budget
    /// held, the parse bounded in time, skipped links logged under `source`.
    fn extract(
        &self,
        source: &str,
        bytes: &[u8],
        charset: Option<&str>,
        page_url: &Url,
        budget: &ParseBudget,
    ) -> PageOutcome {
        let links = {
            // One unit per page: a budget always holds at least one.
            let _permit = budget.acquire(1);
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

    fn run(&self, item: &InputItem, budget: &ParseBudget) -> PageOutcome {
        match &item.target {
            Ok(Target::Page(url)) => self.page(url, budget),
            Ok(Target::Html(path)) => self.document(path, budget),
            Err(error) => Err(error.clone().into()),
        }
    }

    fn panicked(&self, _item: &InputItem) -> PageOutcome {
        Err(PageError::Internal)
    }
}
