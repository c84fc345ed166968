//! link-extractor: fetch web pages in parallel and print the hyperlinks they contain,
//! resolved exactly as a browser resolves them.
//!
//! [`run`] wires the stages together; `docs/architecture.md` has the map. In the order
//! data passes through them: [`cli`] (arguments to a config per stage), [`input`]
//! (URLs and documents, in order), [`pipeline`] (a pool, an ordered window, a parse
//! budget) running [`page`] (a [`fetch`] or a local [`html_file`], [`decode`],
//! [`extract`]), then [`output`] (stdout, json, jsonl). [`domains`] is the second
//! command.

pub mod cli;
pub mod crawl;
pub mod decode;
pub mod domains;
pub mod error;
pub mod extract;
pub mod fetch;
pub mod html_file;
pub mod input;
pub mod limits;
pub mod lines;
pub mod output;
pub mod page;
pub mod pipeline;
pub mod politeness;
mod progress;
pub mod seen;
mod signals;
pub mod text;
pub mod units;

use std::io::{self, BufWriter, IsTerminal, Write};
use std::process::ExitCode;

use std::sync::Arc;

use crate::cli::{Command, Config, Environment};
use crate::crawl::robots::RobotsCache;
use crate::crawl::{Crawl, CrawlConfig, SitemapReader, WithSitemaps};
use crate::error::UsageError;
use crate::fetch::Fetcher;
use crate::input::{InputItem, InputSource, Inputs};
use crate::output::Sink;
use crate::page::{MemoryBudget, PageJob, PageOutcome};
use crate::pipeline::{Consumer, Counts, PipelineConfig, RunEnd, StopSignal, WorkSource};
use crate::politeness::RequestGate;
use crate::progress::Progress;

/// Exit statuses: 0 all done, 1 some input failed, 2 usage error; a signal gives 128 +
/// its number (130, 143).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    SomeFailed,
    Usage,
    Signal(u8),
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(match status {
            Status::Success => 0,
            Status::SomeFailed => 1,
            Status::Usage => 2,
            Status::Signal(code) => code,
        })
    }
}

/// The whole program: `args[0]` is the program name.
pub fn run(args: &[String]) -> ExitCode {
    let command = match cli::parse(args, &Environment::from_process()) {
        Ok(command) => command,
        Err(error) => return usage_error(&error),
    };
    let status = match command {
        Command::Info(text) => {
            // --help / --version; a closed stdout is not worth an error here.
            let _ = io::stdout().write_all(text.as_bytes());
            Status::Success
        }
        Command::Domains(input) => domains_command(input),
        Command::Extract(config) => extract_links(*config),
    };
    status.into()
}

fn usage_error(error: &UsageError) -> ExitCode {
    eprintln!("error: {error}");
    Status::Usage.into()
}

/// The default command: config → inputs → pipeline → output → exit status.
fn extract_links(mut config: Config) -> Status {
    progress::init_logging(config.verbosity);
    fit_open_files(&mut config);
    let stop = signals::stop_on_signals();
    let empty_input = empty_input(&config);
    let memory = memory_budget(&config);
    let gate = config
        .politeness
        .map(|politeness| Arc::new(RequestGate::new(politeness)));
    let pipeline = match gate {
        Some(_) => PipelineConfig::with_lanes(config.pipeline.jobs),
        None => config.pipeline,
    };
    let fetcher = Arc::new(Fetcher::new(config.fetch));
    let robots = config
        .crawl
        .as_ref()
        .filter(|crawl| crawl.robots)
        .map(|_| Arc::new(RobotsCache::new(Arc::clone(&fetcher), gate.clone())));
    let given = given_items(
        config.crawl.as_ref(),
        Inputs::new(config.input),
        &fetcher,
        &gate,
        &robots,
    );
    let job = PageJob::new(fetcher, config.html, memory, gate.clone(), robots.clone());
    let crawl = config.crawl.map(|crawl| Crawl::new(crawl, robots));
    let out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let mut report = Report {
        sink: Sink::new(config.output, out),
        progress: Progress::new(io::stderr().is_terminal(), io::stdout().is_terminal()),
        failed: 0,
        crawl,
        gate,
    };
    let ended = pipeline::run(&pipeline, job, given, &stop, &mut report);
    report.progress.clear();
    let Report { sink, failed, .. } = report;
    let ended = ended.and_then(|end| {
        // No input at all is a usage error: no output then, not even `-o json`'s `{}`.
        if end.admitted > 0 || empty_input == EmptyInput::Fine {
            sink.finish()?;
        }
        Ok(end)
    });
    exit_status(ended, failed, empty_input)
}

/// The items given to the run: the inputs, then, with `--sitemap`, the pages their
/// sitemaps list.
fn given_items(
    crawl: Option<&CrawlConfig>,
    inputs: Inputs,
    fetcher: &Arc<Fetcher>,
    gate: &Option<Arc<RequestGate>>,
    robots: &Option<Arc<RobotsCache>>,
) -> Box<dyn Iterator<Item = InputItem> + Send> {
    match crawl {
        Some(crawl) if crawl.sitemap => Box::new(WithSitemaps::new(
            inputs,
            SitemapReader {
                fetcher: Arc::clone(fetcher),
                gate: gate.clone(),
                robots: robots.clone(),
                scope: crawl.scope,
                filters: crawl.filters.clone(),
            },
        )),
        _ => Box::new(inputs),
    }
}

/// What a run that reads no input at all means, given where inputs come from.
fn empty_input(config: &Config) -> EmptyInput {
    if config.input.shard.is_some() {
        // A shard of a short list may be empty by design: an Indexed Job's extra pod
        // has nothing to do.
        EmptyInput::Fine
    } else if config.inputs_from_stdin {
        EmptyInput::NoUrl
    } else {
        EmptyInput::NoUrlInFiles
    }
}

/// Raises the open-file limit, and fetches no more pages at once than fit under it.
fn fit_open_files(config: &mut Config) {
    let Some((soft, _)) = limits::raise_open_files() else {
        return;
    };
    let open_inputs = config
        .input
        .sources
        .iter()
        .filter(|source| matches!(source, InputSource::File(_)))
        .count();
    let asked = config.pipeline.jobs;
    let jobs = limits::jobs_within_open_files(asked, soft, open_inputs);
    if jobs < asked {
        log::info!(
            "--jobs {asked} does not fit under the open-file limit ({soft}): \
             at most {jobs} pages are fetched at once"
        );
        config.pipeline = PipelineConfig::new(jobs);
        config.fetch.connections = jobs;
        if let Some(politeness) = &mut config.politeness {
            politeness.jobs = jobs;
        }
    }
}

/// The memory plan under `--max-memory` or the cgroup's limit; none without either.
fn memory_budget(config: &Config) -> Option<MemoryBudget> {
    let limit = match config.memory_limit {
        Some(bytes) => limits::MemoryLimit {
            bytes,
            source: "--max-memory",
        },
        None => limits::cgroup_memory_limit()?,
    };
    let budget = MemoryBudget::plan(limit.bytes, config.pipeline.jobs);
    log::info!(
        "memory limit {} ({}): {}",
        units::human_bytes(limit.bytes),
        limit.source,
        budget.describe()
    );
    Some(budget)
}

/// What a run that read no input at all means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EmptyInput {
    /// Nothing was named and stdin held nothing.
    NoUrl,
    /// The `-i` files held only blank lines and comments.
    NoUrlInFiles,
    /// A shard with nothing in it.
    Fine,
}

fn exit_status(ended: io::Result<RunEnd>, failed: u64, empty_input: EmptyInput) -> Status {
    let end = match ended {
        Ok(end) => end,
        // A closed stdout (`| head -1`) ends the run quietly.
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
            log::debug!("output closed; stopping");
            return if failed == 0 {
                Status::Success
            } else {
                Status::SomeFailed
            };
        }
        Err(error) => {
            log::error!("writing output: {error}");
            return Status::SomeFailed;
        }
    };
    if let Some(signal) = end.stopped_by {
        log::warn!(
            "{}: stopping; {} of {} inputs done, output written up to the first unfinished one",
            match signal {
                StopSignal::Interrupt => "interrupted",
                StopSignal::Terminate => "terminated",
            },
            end.emitted,
            end.admitted,
        );
        return Status::Signal(signals::exit_status(signal));
    }
    match (end.admitted, empty_input) {
        (0, EmptyInput::NoUrl) => {
            log::error!("{}", UsageError::NoUrl);
            Status::Usage
        }
        (0, EmptyInput::NoUrlInFiles) => {
            log::error!("no URL given: the input files held none (only blank lines and comments)");
            Status::Usage
        }
        (0, EmptyInput::Fine) => {
            log::info!("this shard holds no inputs");
            Status::Success
        }
        _ if failed == 0 => Status::Success,
        _ => Status::SomeFailed,
    }
}

/// The pipeline's consumer: failures named on stderr as they happen, results written
/// in input order, the crawl's next pages pushed, the progress line kept up to date.
struct Report<W: Write> {
    sink: Sink<W>,
    progress: Progress,
    failed: u64,
    crawl: Option<Crawl>,
    gate: Option<Arc<RequestGate>>,
}

impl<W: Write> Consumer<InputItem, PageOutcome> for Report<W> {
    fn admit(&mut self, item: &InputItem) -> bool {
        self.crawl.as_mut().is_none_or(|crawl| crawl.admit(item))
    }

    fn finished(&mut self, item: &InputItem, outcome: &PageOutcome) {
        if let PageOutcome::Failed(error) = outcome {
            self.failed += 1;
            self.progress.clear();
            log::error!("{}: {error}", item.source());
        }
    }

    fn emit(
        &mut self,
        item: &InputItem,
        outcome: PageOutcome,
        source: &mut WorkSource<InputItem>,
    ) -> io::Result<()> {
        let depth = self.crawl.is_some().then_some(item.depth);
        match outcome {
            PageOutcome::Links { final_url, links } => match &mut self.crawl {
                None => self.sink.page(&item.source(), &links, None),
                Some(crawl) => {
                    // A redirect to a page output before ends there.
                    if crawl.first_output(&final_url) {
                        self.sink.page(&item.source(), &links, depth)?;
                        crawl.follow(item, &final_url, &links, source);
                    }
                    Ok(())
                }
            },
            PageOutcome::Failed(error) => self.sink.failure(&item.source(), &error, depth),
            PageOutcome::Skipped(reason) => {
                log::info!(
                    "{}: not fetched ({} forbids it)",
                    item.source(),
                    reason.as_str()
                );
                self.sink
                    .skipped(&item.source(), reason.as_str(), item.depth)
            }
            PageOutcome::NotAPage => {
                log::info!("{}: not an HTML page: nothing to follow", item.source());
                Ok(())
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.progress.make_way_for_output();
        self.sink.flush()
    }

    fn progress(&mut self, counts: Counts) {
        let crawling = self.crawl.as_ref().map(|crawl| progress::Crawling {
            depth: crawl.depth,
            hosts: self.gate.as_ref().map_or(0, |gate| gate.hosts()),
        });
        self.progress.update(counts, self.failed, crawling);
    }
}

/// `link-extractor domains`: the sorted domains on stdout, skipped lines on stderr.
fn domains_command(input: lines::LineSource) -> Status {
    let stdout = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let stderr = io::LineWriter::new(io::stderr().lock());
    match domains::run(input, stdout, stderr) {
        Ok(summary) if summary.skipped == 0 => Status::Success,
        Ok(_) => Status::SomeFailed,
        Err(error) => {
            eprintln!("error: writing output: {error}");
            Status::SomeFailed
        }
    }
}
