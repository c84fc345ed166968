//! The run engine: items from a [`WorkSource`] are worked on by a rayon pool, their
//! outcomes come back over a crossbeam channel, and an [`OrderedWindow`] hands them to
//! a [`Consumer`] in the order the items were admitted.
//!
//! ```text
//!  given items ──(thread)──▶ WorkSource ──admit──▶ OrderedWindow ──emit in order──▶ Consumer
//!                              ▲                │  ▲                                  │
//!                              │          spawn │  │ (sequence, outcome)              │
//!                              │                ▼  │                                  │
//!                              │          rayon pool: Job::run ── ParseBudget         │
//!                              └──────────────── items discovered while emitting ─────┘
//! ```
//!
//! The work can grow while the run goes on: the consumer may push items into the
//! source as it emits (a crawl's next pages). Given items come first; discovered items
//! are admitted once the given ones are all in, in the order they were pushed. Since
//! emission is in admission order, that order is the same on every run, whatever the
//! pool's timing.
//!
//! An item may have to wait for its turn before its job starts (a crawl's page, for
//! its host's politeness): the job names the item's [`Lane`], and the engine starts
//! the earliest waiting item of each lane the job lets go, so that a busy lane never
//! keeps the pool from another lane's work, and no pool thread waits for a turn.
//!
//! Nothing here knows about pages or HTTP: the [`Job`] does the work, the
//! [`Consumer`] writes the results.

mod budget;
mod lanes;
mod window;

pub use budget::{Budget, OverBudget, ParseBudget, Permit};
pub use lanes::Lane;
pub use window::OrderedWindow;

use std::collections::VecDeque;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use crossbeam_channel::{at, bounded, never, select, unbounded, Receiver, Sender};
use lanes::Lanes;
use rayon::ThreadPool;

/// How wide the pipeline runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PipelineConfig {
    /// Items worked on at once (`--jobs`).
    pub jobs: usize,
    /// Threads in the pool: `jobs`, or more when items wait in lanes: a job may then
    /// wait again inside (a retry), and the items started meanwhile need threads.
    pub threads: usize,
    /// Units of the [`ParseBudget`] handed to every job.
    pub parse_budget: u64,
    /// How many items may be in flight, waiting for their lane, or done and waiting
    /// for an earlier one to be emitted.
    pub window: usize,
}

/// The most threads a pool gets, however wide the window.
const MAX_THREADS: usize = 1024;

impl PipelineConfig {
    /// `jobs` wide, with a parse budget of one page per core the process may use.
    pub fn new(jobs: usize) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        let jobs = jobs.max(1);
        PipelineConfig {
            jobs,
            threads: jobs,
            parse_budget: cores.min(jobs) as u64,
            // Enough to keep every worker busy behind one slow item, few enough that
            // memory stays flat.
            window: (jobs * 4).max(64),
        }
    }

    /// As [`new`](Self::new), for items that wait in lanes: a window wide enough to
    /// hold the next pages of every host even when the order lists one host's pages
    /// by the thousand (a crawl's breadth-first order), so that the other hosts have
    /// work; and a thread for each item that may run beside one waiting in a retry.
    pub fn with_lanes(jobs: usize) -> Self {
        let mut config = Self::new(jobs);
        config.threads = (config.jobs * 2).min(MAX_THREADS);
        config.window = (config.jobs * 256).clamp(MIN_LANES_WINDOW, MAX_LANES_WINDOW);
        config
    }
}

/// The window with lanes: a finished item waiting in it holds its links (a few KiB),
/// so 8,192 of them stay within tens of MiB.
const MIN_LANES_WINDOW: usize = 1024;
const MAX_LANES_WINDOW: usize = 8192;

/// The work done on one item, on a pool thread.
pub trait Job: Send + Sync + 'static {
    type Item: Send + Sync + 'static;
    type Outcome: Send + 'static;
    /// What an item that waited in a lane holds while it runs (its request's slot).
    type Turn: Send + 'static;

    /// Works on `item`, with the turn it was given if it waited in a lane; parsing
    /// takes its units from `budget`.
    fn run(
        &self,
        item: &Self::Item,
        turn: Option<Self::Turn>,
        budget: &ParseBudget,
    ) -> Self::Outcome;

    /// The lane `item` waits in until [`try_start`](Self::try_start) gives it a turn,
    /// or `None` to start it as soon as it is admitted.
    fn lane(&self, _item: &Self::Item) -> Option<Lane> {
        None
    }

    /// A turn for the next item of `lane`, or why not now.
    fn try_start(&self, _lane: &str) -> Result<Self::Turn, NotNow> {
        Err(NotNow::AllBusy)
    }

    /// Receives a token whenever a lane that could not start may start now (besides
    /// the end of a job, which the engine sees itself).
    fn changes(&self) -> Option<Receiver<()>> {
        None
    }

    /// The outcome of `item` when it is known without any work (a bad input, a page
    /// not to fetch): it is then settled as it is admitted, in admission order, without
    /// going through the pool.
    fn settled(&self, _item: &Self::Item) -> Option<Self::Outcome> {
        None
    }

    /// The outcome of an item whose work panicked (a bug): the run goes on.
    fn panicked(&self, item: &Self::Item) -> Self::Outcome;
}

/// Why no item of a lane may start now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotNow {
    /// No item of any lane may start before something ends.
    AllBusy,
    /// Not before something ends, or a change comes.
    LaneBusy,
    /// Not before then.
    LaneUntil(Instant),
}

/// Where outcomes go, on the thread that called [`run`].
pub trait Consumer<I, O> {
    /// Whether `item` is taken into the run (admitted items are numbered and worked
    /// on); the rest are dropped. Called in admission order.
    fn admit(&mut self, _item: &I) -> bool {
        true
    }

    /// An outcome as soon as it is known, in completion order: for messages and counts.
    fn finished(&mut self, item: &I, outcome: &O);

    /// An outcome in admission order. Items pushed into `source` join the work.
    fn emit(&mut self, item: &I, outcome: O, source: &mut WorkSource<I>) -> io::Result<()>;

    /// Makes what was emitted visible; called before the pipeline waits.
    fn flush(&mut self) -> io::Result<()>;

    /// Where the run stands, after every event.
    fn progress(&mut self, _counts: Counts) {}
}

/// Where the run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Items taken into the window so far.
    pub admitted: u64,
    /// Items emitted so far.
    pub emitted: u64,
    /// Items known but not admitted yet (given or discovered).
    pub queued: u64,
    /// Whether every given item has been read.
    pub given_done: bool,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunEnd {
    pub admitted: u64,
    pub emitted: u64,
    /// Set when a stop request ended the run before every item was done.
    pub stopped_by: Option<StopSignal>,
}

/// Why a run was asked to stop early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopSignal {
    /// SIGINT (Ctrl-C).
    Interrupt,
    /// SIGTERM (e.g. Kubernetes ending the pod).
    Terminate,
}

/// A request to stop a run early, as the run sees it: once it comes, jobs not started
/// yet are skipped, and the run emits what is ready and returns.
pub struct Stop {
    requested: Arc<AtomicBool>,
    signal: Receiver<StopSignal>,
}

/// The side of a [`Stop`] that asks for it.
#[derive(Clone)]
pub struct StopHandle {
    requested: Arc<AtomicBool>,
    signal: Sender<StopSignal>,
}

impl Stop {
    /// A stop and the handle that requests it.
    pub fn new() -> (StopHandle, Stop) {
        let requested = Arc::new(AtomicBool::new(false));
        let (signal_tx, signal_rx) = bounded(1);
        let handle = StopHandle {
            requested: Arc::clone(&requested),
            signal: signal_tx,
        };
        let stop = Stop {
            requested,
            signal: signal_rx,
        };
        (handle, stop)
    }

    /// A stop that never comes.
    pub fn never() -> Stop {
        Stop {
            requested: Arc::new(AtomicBool::new(false)),
            signal: never(),
        }
    }
}

impl StopHandle {
    /// Asks the run to stop; returns whether a stop had already been asked for.
    pub fn request(&self, signal: StopSignal) -> bool {
        let again = self.requested.swap(true, Ordering::SeqCst);
        // Full only when a request is already waiting: one is enough.
        let _ = self.signal.try_send(signal);
        again
    }
}

/// Where the run's items come from: the given items, read on their own thread so that
/// a slow stdin never holds back the output of items already done, then the items
/// discovered during the run, in the order they were pushed.
pub struct WorkSource<I> {
    given: Receiver<I>,
    given_open: bool,
    discovered: VecDeque<I>,
}

impl<I: Send + 'static> WorkSource<I> {
    /// Starts reading `given` on a thread of its own, at most `ahead` items ahead.
    fn spawn(given: impl Iterator<Item = I> + Send + 'static, ahead: usize) -> io::Result<Self> {
        let (item_tx, item_rx) = bounded(ahead);
        std::thread::Builder::new()
            .name("inputs".into())
            .spawn(move || {
                for item in given {
                    if item_tx.send(item).is_err() {
                        break;
                    }
                }
            })?;
        Ok(WorkSource {
            given: item_rx,
            given_open: true,
            discovered: VecDeque::new(),
        })
    }
}

impl<I> WorkSource<I> {
    /// Adds an item discovered during the run; it is admitted after every item given
    /// and every item pushed before it.
    pub fn push(&mut self, item: I) {
        self.discovered.push_back(item);
    }

    /// Items known and not admitted yet.
    pub fn queued(&self) -> u64 {
        (self.given.len() + self.discovered.len()) as u64
    }

    /// The next discovered item, once every given item is in.
    fn next_discovered(&mut self) -> Option<I> {
        if self.given_open {
            return None;
        }
        self.discovered.pop_front()
    }

    fn is_exhausted(&self) -> bool {
        !self.given_open && self.discovered.is_empty()
    }
}

/// Runs `job` on every item of `given` (and every item the consumer pushes), `jobs`
/// at a time, and hands the outcomes to `consumer` in admission order.
///
/// Returns when every item is emitted, when `stop` is requested (after emitting what
/// is ready, up to the first unfinished item), or with the first error of the
/// consumer. Items still in flight then are abandoned.
pub fn run<J, C>(
    config: &PipelineConfig,
    job: J,
    given: impl Iterator<Item = J::Item> + Send + 'static,
    stop: &Stop,
    consumer: &mut C,
) -> io::Result<RunEnd>
where
    J: Job,
    C: Consumer<J::Item, J::Outcome>,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(config.threads)
        .thread_name(|i| format!("worker-{i}"))
        .build()
        .map_err(|e| io::Error::other(format!("cannot start worker threads: {e}")))?;
    let (result_tx, result_rx) = unbounded();
    let changes = job.changes().unwrap_or_else(never);
    let mut engine = Engine {
        pool,
        job: Arc::new(job),
        budget: Arc::new(ParseBudget::new(config.parse_budget)),
        window: OrderedWindow::new(config.window),
        source: WorkSource::spawn(given, config.window)?,
        lanes: Lanes::default(),
        next_turn: None,
        changes,
        result_tx,
        result_rx,
        stop,
        consumer,
        stopped_by: None,
    };
    engine.run()?;
    Ok(RunEnd {
        admitted: engine.window.admitted(),
        emitted: engine.window.emitted(),
        stopped_by: engine.stopped_by,
    })
}

/// The state of one [`run`].
struct Engine<'a, J: Job, C> {
    pool: ThreadPool,
    job: Arc<J>,
    budget: Arc<ParseBudget>,
    window: OrderedWindow<Arc<J::Item>, J::Outcome>,
    source: WorkSource<J::Item>,
    /// Admitted items waiting for their lane's turn.
    lanes: Lanes<Arc<J::Item>>,
    /// When a lane's turn comes, if one waits for a time.
    next_turn: Option<Instant>,
    changes: Receiver<()>,
    result_tx: Sender<(u64, J::Outcome)>,
    result_rx: Receiver<(u64, J::Outcome)>,
    stop: &'a Stop,
    consumer: &'a mut C,
    stopped_by: Option<StopSignal>,
}

impl<J, C> Engine<'_, J, C>
where
    J: Job,
    C: Consumer<J::Item, J::Outcome>,
{
    fn run(&mut self) -> io::Result<()> {
        let mut unflushed = false;
        loop {
            while self.window.has_room() {
                let Some(item) = self.source.next_discovered() else {
                    break;
                };
                self.admit(item);
            }
            // Items settled as they were admitted may be ready, and emitting them may
            // discover more: nothing else would wake the wait below for them.
            if self.emit_ready()? {
                unflushed = true;
                continue;
            }
            if self.window.is_empty() && self.source.is_exhausted() {
                return Ok(());
            }
            self.start_waiting();
            if unflushed {
                self.consumer.flush()?;
                unflushed = false;
            }
            self.wait_for_event();
            unflushed |= self.emit_ready()?;
            self.consumer.progress(self.counts());
            if self.stopped_by.is_some() {
                return Ok(());
            }
        }
    }

    /// Blocks until a given item can be admitted, an outcome comes back, or a stop is
    /// requested, and takes it in.
    fn wait_for_event(&mut self) {
        let no_items = never();
        let given = if self.source.given_open && self.window.has_room() {
            &self.source.given
        } else {
            &no_items
        };
        let turn_due = self.next_turn.map_or_else(never, at);
        select! {
            recv(self.changes) -> _ => {},
            recv(turn_due) -> _ => {},
            recv(given) -> item => match item {
                Ok(item) => self.admit(item),
                Err(_) => self.source.given_open = false,
            },
            recv(self.result_rx) -> message => {
                // We hold a sender ourselves: the channel never disconnects.
                if let Ok((sequence, outcome)) = message {
                    if let Some((item, outcome)) = self.window.complete(sequence, outcome) {
                        self.consumer.finished(item, outcome);
                    }
                }
            },
            recv(self.stop.signal) -> signal => {
                if let Ok(signal) = signal {
                    self.stopped_by = Some(signal);
                }
            },
        }
    }

    /// Takes `item` into the window and starts its job on the pool, if the consumer
    /// admits it.
    fn admit(&mut self, item: J::Item) {
        if !self.consumer.admit(&item) {
            return;
        }
        let settled = self.job.settled(&item);
        let item = Arc::new(item);
        let Ok(sequence) = self.window.admit(Arc::clone(&item)) else {
            // Callers admit only when there is room.
            return;
        };
        if let Some(outcome) = settled {
            if let Some((item, outcome)) = self.window.complete(sequence, outcome) {
                self.consumer.finished(item, outcome);
            }
            return;
        }
        match self.job.lane(&item) {
            Some(lane) => self.lanes.push(lane, sequence, item),
            None => self.spawn(sequence, item, None),
        }
    }

    /// Starts the earliest waiting item of every lane that may start one, in order
    /// of those items, as long as the job gives turns.
    fn start_waiting(&mut self) {
        self.next_turn = None;
        if self.lanes.is_empty() {
            return;
        }
        let mut from = 0;
        while let Some((sequence, lane)) = self.lanes.head_from(from) {
            from = sequence + 1;
            match self.job.try_start(&lane) {
                Ok(turn) => {
                    if let Some((sequence, item)) = self.lanes.pop(&lane) {
                        self.spawn(sequence, item, Some(turn));
                    }
                    // The lane's next item, if any, is visited later in this pass.
                }
                Err(NotNow::AllBusy) => return,
                Err(NotNow::LaneBusy) => {}
                Err(NotNow::LaneUntil(when)) => {
                    self.next_turn = Some(self.next_turn.map_or(when, |next| next.min(when)));
                }
            }
        }
    }

    /// Runs the job of item `sequence` on the pool.
    fn spawn(&self, sequence: u64, item: Arc<J::Item>, turn: Option<J::Turn>) {
        let job = Arc::clone(&self.job);
        let budget = Arc::clone(&self.budget);
        let requested = Arc::clone(&self.stop.requested);
        let result_tx = self.result_tx.clone();
        self.pool.spawn(move || {
            if requested.load(Ordering::SeqCst) {
                return;
            }
            let outcome = catch_unwind(AssertUnwindSafe(|| job.run(&item, turn, &budget)))
                .unwrap_or_else(|_| job.panicked(&item));
            // The receiver is gone only when the run already ended.
            let _ = result_tx.send((sequence, outcome));
        });
    }

    /// Emits every finished item at the front of the window; returns whether any was.
    fn emit_ready(&mut self) -> io::Result<bool> {
        let mut emitted = false;
        while let Some((item, outcome)) = self.window.pop_ready() {
            self.consumer.emit(&item, outcome, &mut self.source)?;
            emitted = true;
        }
        Ok(emitted)
    }

    fn counts(&self) -> Counts {
        Counts {
            admitted: self.window.admitted(),
            emitted: self.window.emitted(),
            queued: self.source.queued(),
            given_done: !self.source.given_open,
        }
    }
}

#[cfg(test)]
mod tests;
