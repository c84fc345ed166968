//! link-extractor: fetch web pages in parallel and print the hyperlinks they contain,
//! resolved exactly as a browser resolves them.
//!
//! The stages, one module each, in the order data passes through them:
//! [`cli`] (arguments to settings), [`input`] (URLs from arguments and files),
//! [`fetch`] (HTTP), [`decode`] (bytes to text), [`extract`] (text to links),
//! [`output`] (ordered results to stdout). [`run`] wires them together: a rayon pool of
//! blocking fetches, a channel back to the main thread, a reorder window.

pub mod cli;
pub mod decode;
pub mod domains;
pub mod extract;
pub mod fetch;
pub mod html_file;
pub mod input;
pub mod output;
mod progress;
pub mod seen;

use std::collections::VecDeque;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use crossbeam_channel::{bounded, never, select, unbounded, Receiver};
use url::Url;

use crate::cli::{Exit, Settings};
use crate::fetch::Fetcher;
use crate::input::{InputItem, Inputs, Target};
use crate::output::Sink;
use crate::progress::Progress;

/// Exit statuses, as PRODUCT.md documents them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every page was fetched and parsed.
    Success = 0,
    /// At least one page failed; the others' output is complete.
    SomeFailed = 1,
    /// Usage error; nothing was fetched.
    Usage = 2,
    /// Stopped by SIGINT (Ctrl-C): 128 + 2, as shells report it.
    Interrupted = 130,
    /// Stopped by SIGTERM (e.g. Kubernetes ending the pod): 128 + 15.
    Terminated = 143,
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

/// The whole program: parse the command line, set up logging, extract.
pub fn main_with_args(args: &[String]) -> ExitCode {
    // `link-extractor domains [FILE|-]` is a command of its own (args[0] is the program).
    if args.get(1).map(String::as_str) == Some("domains") {
        return domains::main(args.get(2..).unwrap_or_default());
    }
    let job_completion_index = std::env::var("JOB_COMPLETION_INDEX").ok();
    let settings = match cli::parse(args, job_completion_index.as_deref()) {
        Ok(settings) => settings,
        Err(Exit::Info(text)) => {
            // --help / --version; a closed stdout is not worth an error here.
            let _ = io::stdout().write_all(text.as_bytes());
            return Status::Success.into();
        }
        Err(Exit::Usage(error)) => {
            eprintln!("error: {error}");
            return Status::Usage.into();
        }
    };
    progress::init_logging(settings.verbosity);
    let stop = stop_on_signals();
    let sharded = settings.shard.is_some();
    let stdout = io::stdout().lock();
    let sink = Sink::new(settings.output, BufWriter::with_capacity(64 * 1024, stdout));
    match run(settings, sink, &stop) {
        Ok(Summary {
            stopped_by: Some(signal),
            ..
        }) => signal.into(),
        // Only -i files can turn out empty (the command line was checked). A shard of a
        // short list may be empty by design: an Indexed Job's extra pod has nothing to do.
        Ok(Summary { pages: 0, .. }) if !sharded => {
            log::error!("no URL given: the input files held none (only blank lines and comments)");
            Status::Usage.into()
        }
        Ok(Summary { pages: 0, .. }) => {
            log::info!("this shard holds no inputs");
            Status::Success.into()
        }
        Ok(summary) if summary.failed == 0 => Status::Success.into(),
        Ok(_) => Status::SomeFailed.into(),
        Err(error) => {
            log::error!("writing output: {error}");
            Status::SomeFailed.into()
        }
    }
}

/// A signal that stops a run early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    Interrupt,
    Terminate,
}

impl StopSignal {
    pub fn status(self) -> Status {
        match self {
            StopSignal::Interrupt => Status::Interrupted,
            StopSignal::Terminate => Status::Terminated,
        }
    }
}

impl From<StopSignal> for ExitCode {
    fn from(signal: StopSignal) -> ExitCode {
        signal.status().into()
    }
}

/// A request to stop a run early, shared by whoever asks and the run.
pub struct Stop {
    /// Set the moment a stop is asked for, so that workers start nothing new.
    requested: Arc<AtomicBool>,
    /// Wakes the run's main loop, which then flushes and returns.
    signal: Receiver<StopSignal>,
}

impl Stop {
    /// A stop that never comes (for callers that do not handle signals).
    pub fn never() -> Self {
        Stop {
            requested: Arc::new(AtomicBool::new(false)),
            signal: never(),
        }
    }
}

/// Turns SIGINT and SIGTERM into a [`Stop`], so that the run can end between two pages
/// and flush what it has. A second signal ends the process at once.
fn stop_on_signals() -> Stop {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let (signal_tx, signal_rx) = bounded(1);
    let stop = Stop {
        requested: Arc::new(AtomicBool::new(false)),
        signal: signal_rx,
    };
    let not_handled = |error: io::Error| {
        log::warn!("cannot handle Ctrl-C ({error}); it will end the run without a flush");
    };
    let mut signals = match signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
        Ok(signals) => signals,
        Err(error) => {
            not_handled(error);
            return stop;
        }
    };
    let requested = Arc::clone(&stop.requested);
    let spawned = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for signal in signals.forever() {
                let signal = if signal == SIGTERM {
                    StopSignal::Terminate
                } else {
                    StopSignal::Interrupt
                };
                if requested.swap(true, Ordering::SeqCst) {
                    std::process::exit(signal.status() as i32);
                }
                let _ = signal_tx.try_send(signal);
            }
        });
    if let Err(error) = spawned {
        not_handled(error);
    }
    stop
}

/// What a run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub pages: usize,
    pub failed: usize,
    /// Set when a signal stopped the run before every input was done.
    pub stopped_by: Option<StopSignal>,
}

/// One input in the reorder window.
struct Slot {
    source: String,
    outcome: Option<Result<Vec<Url>, String>>,
}

/// Fetches and extracts every input, writing results to `sink` in input order.
///
/// A closed output pipe ends the run quietly and successfully, as for `| head -1`.
/// Other write errors are returned.
///
/// A [`Stop`] ends the run early: nothing new is started,
/// the pages finished so far are written in order up to the first unfinished one, and
/// the output is flushed.
pub fn run<W: Write>(settings: Settings, mut sink: Sink<W>, stop: &Stop) -> io::Result<Summary> {
    let jobs = settings.jobs;
    // How many inputs may be in flight or waiting for an earlier one: enough to keep
    // every worker busy behind one slow page, few enough that memory stays flat.
    let window = (jobs * 4).max(64);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("fetch-{i}"))
        .build()
        .map_err(|e| io::Error::other(format!("cannot start worker threads: {e}")))?;
    let worker = Arc::new(Worker {
        fetcher: Fetcher::new(&settings),
        html_base: settings.html_base.clone(),
        html_charset: settings.html_charset.clone(),
        max_bytes: settings.max_bytes,
        stopping: Arc::clone(&stop.requested),
        parse_slots: ParseSlots::new(parse_slots(jobs)),
    });

    // Inputs are read on their own thread so that a slow stdin never holds back the
    // output of pages already fetched.
    let (item_tx, item_rx) = bounded::<InputItem>(window);
    let inputs = Inputs::new(settings.sources, settings.shard);
    std::thread::Builder::new()
        .name("inputs".into())
        .spawn(move || {
            for item in inputs {
                if item_tx.send(item).is_err() {
                    break;
                }
            }
        })?;

    let (result_tx, result_rx) = unbounded::<(usize, Result<Vec<Url>, String>)>();
    let no_more_items = never::<InputItem>();
    let mut slots: VecDeque<Slot> = VecDeque::with_capacity(window);
    let mut first_in_window = 0usize;
    let mut inputs_open = true;
    let mut summary = Summary::default();
    let mut progress = Progress::new(io::stderr().is_terminal());
    let mut unflushed = false;

    let outcome = loop {
        let can_take = inputs_open && slots.len() < window;
        if !can_take && slots.is_empty() {
            break Ok(());
        }
        if unflushed {
            if let Err(e) = sink.flush() {
                break Err(e);
            }
            unflushed = false;
        }
        select! {
            recv(if can_take { &item_rx } else { &no_more_items }) -> item => match item {
                Ok(item) => {
                    let index = first_in_window + slots.len();
                    let outcome = match item.target {
                        Ok(target) => {
                            let worker = Arc::clone(&worker);
                            let result_tx = result_tx.clone();
                            pool.spawn(move || {
                                if worker.stopping.load(Ordering::SeqCst) {
                                    return;
                                }
                                let result = catch_unwind(AssertUnwindSafe(|| worker.process(&target)))
                                    .unwrap_or_else(|_| Err("internal error while processing this page (a bug: please report it)".into()));
                                // The receiver is gone only when the run already ended.
                                let _ = result_tx.send((index, result));
                            });
                            None
                        }
                        Err(problem) => {
                            summary.failed += 1;
                            progress.clear();
                            log::error!("{}: {problem}", item.source);
                            Some(Err(problem))
                        }
                    };
                    slots.push_back(Slot { source: item.source, outcome });
                    summary.pages += 1;
                    progress.update(summary.pages, first_in_window, summary.failed);
                }
                Err(_) => inputs_open = false,
            },
            recv(result_rx) -> message => {
                let Ok((index, result)) = message else { break Ok(()) };
                if let Err(error) = &result {
                    summary.failed += 1;
                    progress.clear();
                    log::error!("{}: {error}", slots[index - first_in_window].source);
                }
                slots[index - first_in_window].outcome = Some(result);
            },
            recv(stop.signal) -> signal => {
                if let Ok(signal) = signal {
                    worker.stopping.store(true, Ordering::SeqCst);
                    summary.stopped_by = Some(signal);
                    progress.clear();
                    log::warn!(
                        "{}: stopping; {} of {} inputs done, output written up to the first unfinished one",
                        match signal {
                            StopSignal::Interrupt => "interrupted",
                            StopSignal::Terminate => "terminated",
                        },
                        first_in_window + slots.iter().take_while(|slot| slot.outcome.is_some()).count(),
                        summary.pages,
                    );
                }
            },
        }

        // Emit every finished page at the front of the window, in input order.
        while let Some(slot) = slots.front_mut() {
            let Some(result) = slot.outcome.take() else {
                break;
            };
            let written = match &result {
                Ok(links) => sink.page(&slot.source, links),
                Err(error) => sink.failure(&slot.source, error),
            };
            if let Err(e) = written {
                return quiet_on_broken_pipe(e, summary);
            }
            unflushed = true;
            slots.pop_front();
            first_in_window += 1;
        }
        progress.update(summary.pages, first_in_window, summary.failed);
        if summary.stopped_by.is_some() {
            break Ok(());
        }
    };
    progress.clear();
    match outcome.and_then(|()| sink.finish().map(drop)) {
        Ok(()) => Ok(summary),
        Err(e) => quiet_on_broken_pipe(e, summary),
    }
}

fn quiet_on_broken_pipe(error: io::Error, summary: Summary) -> io::Result<Summary> {
    if error.kind() == io::ErrorKind::BrokenPipe {
        log::debug!("output closed; stopping");
        Ok(summary)
    } else {
        Err(error)
    }
}

/// What the worker threads share.
struct Worker {
    fetcher: Fetcher,
    /// `--base`, `--charset` and `--max-bytes` for `--html` documents.
    html_base: Option<Url>,
    html_charset: Option<String>,
    max_bytes: u64,
    /// Set once a signal asked the run to stop: queued inputs are then skipped.
    stopping: Arc<AtomicBool>,
    /// Pages parsed at once. Fetching is I/O-bound and runs `--jobs` wide; parsing is
    /// CPU-bound, and 32 parses at once on 2 cores only add context switches and hold
    /// 32 DOMs in memory (1000 x 100 KB pages: 3.2 s -> 2.5 s wall, less RSS).
    parse_slots: ParseSlots,
}

impl Worker {
    /// The work of one input, on a worker thread.
    fn process(&self, target: &Target) -> Result<Vec<Url>, String> {
        match target {
            Target::Page(url) => self.process_page(url),
            Target::Html(path) => self.process_html(path),
        }
    }

    /// Read, decode, extract: a local document, through the same extraction path as a
    /// fetched page.
    fn process_html(&self, path: &str) -> Result<Vec<Url>, String> {
        let bytes = html_file::read(path, self.max_bytes).map_err(|e| e.to_string())?;
        let page_url = match &self.html_base {
            Some(base) => base.clone(),
            None => html_file::file_url(path).map_err(|e| e.to_string())?,
        };
        self.extract(path, &bytes, self.html_charset.as_deref(), &page_url)
    }

    /// Fetch, decode, extract: the work of one page, on a worker thread.
    fn process_page(&self, url: &Url) -> Result<Vec<Url>, String> {
        let page = self.fetcher.fetch(url).map_err(|e| e.to_string())?;
        if page.final_url != *url {
            log::info!("{url}: redirected to {}", page.final_url);
        }
        self.extract(
            url.as_str(),
            &page.body,
            page.charset.as_deref(),
            &page.final_url,
        )
    }

    /// Bytes to links, the same for fetched pages and local files: one parse slot held,
    /// the `--timeout` budget for the parse, skipped links logged under `source`.
    fn extract(
        &self,
        source: &str,
        bytes: &[u8],
        charset: Option<&str>,
        page_url: &Url,
    ) -> Result<Vec<Url>, String> {
        let links = {
            let _slot = self.parse_slots.acquire();
            extract::links_from_bytes(bytes, charset, page_url, Some(self.fetcher.timeout()))
        }
        .map_err(|e| e.to_string())?;
        if log::log_enabled!(log::Level::Info) {
            for skipped in &links.skipped {
                log::info!("{source}: skipped {skipped} (not an http(s) link)");
            }
        }
        log::debug!("{source}: {} bytes, {} links", bytes.len(), links.web.len());
        Ok(links.web)
    }
}

/// How many pages to parse at once: one per core the process may use, at most `jobs`.
fn parse_slots(jobs: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(2, usize::from)
        .min(jobs)
        .max(1)
}

/// A counting semaphore: at most N holders of a [`ParseSlot`] at once.
struct ParseSlots {
    free: Mutex<usize>,
    freed: Condvar,
}

/// Held while parsing; gives its place back when dropped.
struct ParseSlot<'a>(&'a ParseSlots);

impl ParseSlots {
    fn new(count: usize) -> Self {
        ParseSlots {
            free: Mutex::new(count),
            freed: Condvar::new(),
        }
    }

    /// Waits for a free slot. Each holder parses one page, itself bounded by the parse
    /// budget, so the wait is bounded too.
    fn acquire(&self) -> ParseSlot<'_> {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        ParseSlot(self)
    }
}

impl Drop for ParseSlot<'_> {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.freed.notify_one();
    }
}
