//! Messages on stderr: the log, and a one-line progress display when stderr is a
//! terminal. Log lines first erase the progress line so the two never mix.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use log::LevelFilter;

use crate::pipeline::Counts;

/// Whether a progress line is on screen now (it must be erased before a log line).
static LINE_SHOWN: AtomicBool = AtomicBool::new(false);

const ERASE_LINE: &[u8] = b"\r\x1b[2K";
const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// Sets up `env_logger` on stderr: `-q`/`-v` pick the level, `RUST_LOG` overrides.
pub fn init_logging(verbosity: i8) {
    let level = match verbosity {
        i8::MIN..=-2 => LevelFilter::Off,
        -1 => LevelFilter::Error,
        0 => LevelFilter::Warn,
        1 => LevelFilter::Info,
        2 => LevelFilter::Debug,
        _ => LevelFilter::Trace,
    };
    let mut builder = env_logger::Builder::new();
    // Dependencies speak of their internals (html5ever warns "foster parenting not
    // implemented" while doing it): errors only from them, everything from -vvv on.
    builder
        .filter_level(if verbosity >= 3 {
            level
        } else {
            level.min(LevelFilter::Error)
        })
        .filter_module("link_extractor", level)
        .format(|out, record| {
            let level = match record.level() {
                log::Level::Error => "error",
                log::Level::Warn => "warning",
                log::Level::Info => "info",
                log::Level::Debug => "debug",
                log::Level::Trace => "trace",
            };
            writeln!(out, "{level}: {}", record.args())
        })
        .target(env_logger::Target::Pipe(Box::new(StderrBelowProgress)));
    if let Some(filters) = std::env::var("RUST_LOG")
        .ok()
        .filter(|f| !f.trim().is_empty())
    {
        builder.parse_filters(&filters);
    }
    // Only fails if a logger is already set (tests calling twice): harmless.
    let _ = builder.try_init();
}

/// stderr, erasing the progress line before each write.
struct StderrBelowProgress;

impl Write for StderrBelowProgress {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut stderr = io::stderr().lock();
        if LINE_SHOWN.swap(false, Ordering::Relaxed) {
            stderr.write_all(ERASE_LINE)?;
        }
        stderr.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        io::stderr().flush()
    }
}

/// The progress line: shown only on a terminal and once more than one page is asked
/// for; redrawn at most ten times a second.
pub struct Progress {
    enabled: bool,
    shares_terminal: bool,
    last_drawn: Option<Instant>,
}

impl Progress {
    /// A progress line for this stderr; `stdout_is_terminal` says whether the
    /// output shares the terminal (then the line makes way before output is written).
    pub fn new(stderr_is_terminal: bool, stdout_is_terminal: bool) -> Self {
        Progress {
            enabled: stderr_is_terminal,
            shares_terminal: stderr_is_terminal && stdout_is_terminal,
            last_drawn: None,
        }
    }

    /// Erases the line if output is about to be written on the same terminal, so that
    /// the output starts on a line of its own; the next update draws it again.
    pub fn make_way_for_output(&mut self) {
        if self.shares_terminal {
            self.clear();
            self.last_drawn = None;
        }
    }

    /// Redraws the line for `counts` and `failed` inputs so far. While inputs are
    /// still being read the total is not known, so the line says how many are
    /// queued rather than showing a total that grows.
    pub fn update(&mut self, counts: Counts, failed: u64, crawling: Option<Crawling>) {
        let asked = counts.admitted + counts.queued;
        if !self.enabled || asked < 2 {
            return;
        }
        let now = Instant::now();
        let finished = counts.given_done && counts.queued == 0 && counts.emitted == asked;
        if self
            .last_drawn
            .is_some_and(|at| now.duration_since(at) < REDRAW_EVERY)
            && !finished
        {
            return;
        }
        self.last_drawn = Some(now);
        let mut stderr = io::stderr().lock();
        let _ = stderr.write_all(ERASE_LINE);
        let _ = stderr.write_all(progress_line(counts, failed, crawling).as_bytes());
        let _ = stderr.flush();
        LINE_SHOWN.store(true, Ordering::Relaxed);
    }

    pub fn clear(&mut self) {
        if LINE_SHOWN.swap(false, Ordering::Relaxed) {
            let mut stderr = io::stderr().lock();
            let _ = stderr.write_all(ERASE_LINE);
            let _ = stderr.flush();
        }
    }
}

/// Where a crawl stands, for the progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Crawling {
    /// The depth of the pages being fetched.
    pub depth: u32,
    /// Hosts requested so far.
    pub hosts: usize,
}

/// `12 done, 40 queued, 1 failed` while inputs are read; `52/52 pages done, 1 failed`
/// once the total is known; a crawl's total grows, so it says `12 done, 40 queued,
/// depth 2, 3 hosts, 1 failed`.
fn progress_line(counts: Counts, failed: u64, crawling: Option<Crawling>) -> String {
    let done = counts.emitted;
    if let Some(crawling) = crawling {
        let queued = counts.admitted - done + counts.queued;
        let hosts = if crawling.hosts == 1 { "host" } else { "hosts" };
        return format!(
            "{done} done, {queued} queued, depth {}, {} {hosts}, {failed} failed",
            crawling.depth, crawling.hosts
        );
    }
    if counts.given_done {
        let total = counts.admitted + counts.queued;
        format!("{done}/{total} pages done, {failed} failed")
    } else {
        let queued = counts.admitted - done + counts.queued;
        format!("{done} done, {queued} queued, {failed} failed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_is_shown_only_once_known() {
        let reading = Counts {
            admitted: 40,
            emitted: 12,
            queued: 5,
            given_done: false,
        };
        assert_eq!(
            progress_line(reading, 1, None),
            "12 done, 33 queued, 1 failed"
        );
        let read = Counts {
            given_done: true,
            ..reading
        };
        assert_eq!(progress_line(read, 1, None), "12/45 pages done, 1 failed");
        let crawling = Crawling { depth: 2, hosts: 3 };
        assert_eq!(
            progress_line(read, 0, Some(crawling)),
            "12 done, 33 queued, depth 2, 3 hosts, 0 failed"
        );
    }
}
