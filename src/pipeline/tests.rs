//! The engine with a job of plain numbers: ordering, growth, stopping, panics and
//! consumer errors, through the real pool and channels.

use super::*;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Longer than any of these tests needs; a wait that reaches it is a failure.
const LIMIT: Duration = Duration::from_secs(20);

/// Item `n` gives `n * 10`, after waiting for its turn when the test says so.
struct Numbers {
    /// Items that wait for a message on this channel before finishing.
    held: Vec<u64>,
    release: Receiver<()>,
    /// Items whose work panics.
    panics: Vec<u64>,
    /// Every item whose work started, in start order.
    started: Arc<Mutex<Vec<u64>>>,
}

impl Numbers {
    fn new() -> (Self, Sender<()>) {
        let (release_tx, release_rx) = unbounded();
        let job = Numbers {
            held: Vec::new(),
            release: release_rx,
            panics: Vec::new(),
            started: Arc::default(),
        };
        (job, release_tx)
    }
}

impl Job for Numbers {
    type Item = u64;
    type Outcome = Result<u64, String>;
    type Turn = ();

    fn run(&self, item: &u64, _turn: Option<()>, budget: &ParseBudget) -> Self::Outcome {
        self.started.lock().map_err(|e| e.to_string())?.push(*item);
        if self.held.contains(item) {
            self.release
                .recv_timeout(LIMIT)
                .map_err(|e| format!("item {item} never released: {e}"))?;
        }
        assert!(!self.panics.contains(item), "item {item} panics");
        let _permit = budget.acquire(1).map_err(|e| format!("{e:?}"))?;
        Ok(item * 10)
    }

    fn settled(&self, item: &u64) -> Option<Self::Outcome> {
        (*item >= 1000).then(|| Err(format!("item {item} settled")))
    }

    fn panicked(&self, item: &u64) -> Self::Outcome {
        Err(format!("item {item} panicked"))
    }
}

/// Records what it is given; can push more work and stop the run.
#[derive(Default)]
struct Recorder {
    finished: Vec<u64>,
    emitted: Vec<(u64, Result<u64, String>)>,
    /// When item `k` is emitted, push these items.
    grow: Vec<(u64, Vec<u64>)>,
    /// When this item is emitted, request a stop.
    stop_after: Option<(u64, StopHandle)>,
    /// When this many outcomes have come back, send on this channel.
    release_after: Option<(usize, Sender<()>)>,
    /// When this item is emitted, fail.
    fail_on: Option<u64>,
    flushes: usize,
}

impl Consumer<u64, Result<u64, String>> for Recorder {
    fn finished(&mut self, item: &u64, _outcome: &Result<u64, String>) {
        self.finished.push(*item);
        if let Some((count, release)) = &self.release_after {
            if self.finished.len() == *count {
                let _ = release.send(());
            }
        }
    }

    fn emit(
        &mut self,
        item: &u64,
        outcome: Result<u64, String>,
        source: &mut WorkSource<u64>,
    ) -> io::Result<()> {
        if self.fail_on == Some(*item) {
            return Err(io::ErrorKind::BrokenPipe.into());
        }
        self.emitted.push((*item, outcome));
        for (after, more) in &self.grow {
            if after == item {
                more.iter().for_each(|&n| source.push(n));
            }
        }
        if let Some((after, handle)) = &self.stop_after {
            if after == item {
                handle.request(StopSignal::Interrupt);
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flushes += 1;
        Ok(())
    }
}

fn config(jobs: usize) -> PipelineConfig {
    PipelineConfig {
        jobs,
        threads: jobs,
        parse_budget: 1,
        window: (jobs * 4).max(64),
    }
}

fn emitted_items(recorder: &Recorder) -> Vec<u64> {
    recorder.emitted.iter().map(|(item, _)| *item).collect()
}

#[test]
fn outcomes_leave_in_admission_order_whatever_finishes_first() {
    let (mut job, release) = Numbers::new();
    // Item 0 finishes last: it is released once the other 7 outcomes are back, and
    // everything else waits behind it.
    job.held = vec![0];
    let mut recorder = Recorder {
        release_after: Some((7, release)),
        ..Recorder::default()
    };
    let end = run(&config(4), job, 0..8u64, &Stop::never(), &mut recorder).expect("run");
    assert_eq!(emitted_items(&recorder), (0..8).collect::<Vec<_>>());
    assert!(recorder
        .emitted
        .iter()
        .all(|(item, outcome)| outcome == &Ok(item * 10)));
    // Completion order: item 0 last.
    assert_eq!(recorder.finished.len(), 8);
    assert_eq!(recorder.finished.last(), Some(&0));
    assert_eq!(
        end,
        RunEnd {
            admitted: 8,
            emitted: 8,
            stopped_by: None
        }
    );
}

#[test]
fn discovered_items_follow_every_given_item_in_push_order() {
    let (job, _release) = Numbers::new();
    let mut recorder = Recorder {
        grow: vec![(0, vec![100, 101]), (2, vec![102]), (100, vec![200])],
        ..Recorder::default()
    };
    let end = run(&config(8), job, 0..3u64, &Stop::never(), &mut recorder).expect("run");
    assert_eq!(emitted_items(&recorder), [0, 1, 2, 100, 101, 102, 200]);
    assert_eq!(end.emitted, 7);
}

#[test]
fn the_same_work_gives_the_same_order_at_any_width() {
    let grow = || {
        (0..40u64)
            .map(|n| (n, vec![1000 + n * 2, 1001 + n * 2]))
            .collect::<Vec<_>>()
    };
    let mut orders = Vec::new();
    for jobs in [1, 3, 16] {
        let (job, _release) = Numbers::new();
        let mut recorder = Recorder {
            grow: grow(),
            ..Recorder::default()
        };
        run(&config(jobs), job, 0..40u64, &Stop::never(), &mut recorder).expect("run");
        orders.push(emitted_items(&recorder));
    }
    assert_eq!(orders[0].len(), 120);
    assert!(orders.iter().all(|order| order == &orders[0]));
}

#[test]
fn a_stop_mid_run_emits_the_finished_prefix_and_returns() {
    let (mut job, release) = Numbers::new();
    job.held = vec![1];
    let (handle, stop) = Stop::new();
    let mut recorder = Recorder {
        stop_after: Some((0, handle)),
        ..Recorder::default()
    };
    let started = Instant::now();
    let end = run(&config(2), job, 0..50u64, &stop, &mut recorder).expect("run");
    assert!(started.elapsed() < LIMIT);
    // Item 1 is still held: nothing after it may be emitted.
    assert_eq!(emitted_items(&recorder), [0]);
    assert_eq!(end.emitted, 1);
    assert_eq!(end.stopped_by, Some(StopSignal::Interrupt));
    // How many more were admitted before the stop came is the race of the select.
    assert!(end.admitted >= 1 && end.admitted <= 64, "{end:?}");
    release.send(()).expect("item 1 still waiting");
}

#[test]
fn jobs_not_started_before_a_stop_never_start() {
    let (job, _release) = Numbers::new();
    let started = Arc::clone(&job.started);
    let (handle, stop) = Stop::new();
    // Asked for before the run: every job must see it and skip its work.
    handle.request(StopSignal::Terminate);
    let mut recorder = Recorder::default();
    let end = run(&config(1), job, 0..5u64, &stop, &mut recorder).expect("run");
    assert_eq!(end.stopped_by, Some(StopSignal::Terminate));
    assert_eq!(emitted_items(&recorder), Vec::<u64>::new());
    assert_eq!(*started.lock().expect("no poison"), Vec::<u64>::new());
}

#[test]
fn a_panicking_job_is_an_outcome_and_the_run_goes_on() {
    let (mut job, _release) = Numbers::new();
    job.panics = vec![1];
    let mut recorder = Recorder::default();
    run(&config(2), job, 0..3u64, &Stop::never(), &mut recorder).expect("run");
    assert_eq!(
        recorder.emitted,
        [
            (0, Ok(0)),
            (1, Err("item 1 panicked".to_string())),
            (2, Ok(20))
        ]
    );
}

#[test]
fn a_consumer_error_ends_the_run_with_it() {
    let (job, _release) = Numbers::new();
    let mut recorder = Recorder {
        fail_on: Some(2),
        ..Recorder::default()
    };
    let error = run(&config(2), job, 0..10u64, &Stop::never(), &mut recorder)
        .expect_err("the consumer failed");
    assert_eq!(error.kind(), io::ErrorKind::BrokenPipe);
    assert_eq!(emitted_items(&recorder), [0, 1]);
}

#[test]
fn a_slow_given_stream_does_not_hold_back_finished_items() {
    let (job, _release) = Numbers::new();
    let (item_tx, item_rx) = unbounded::<u64>();
    let (emitted_tx, emitted_rx) = unbounded();
    struct Forward(Sender<u64>);
    impl Consumer<u64, Result<u64, String>> for Forward {
        fn finished(&mut self, _: &u64, _: &Result<u64, String>) {}
        fn emit(
            &mut self,
            item: &u64,
            _: Result<u64, String>,
            _: &mut WorkSource<u64>,
        ) -> io::Result<()> {
            self.0.send(*item).map_err(io::Error::other)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }
    let runner = std::thread::spawn(move || {
        let given = std::iter::from_fn(move || item_rx.recv_timeout(LIMIT).ok());
        run(
            &config(2),
            job,
            given,
            &Stop::never(),
            &mut Forward(emitted_tx),
        )
    });
    // Item 0 is emitted while the given stream is still open.
    item_tx.send(0).expect("runner reading");
    assert_eq!(emitted_rx.recv_timeout(LIMIT), Ok(0));
    item_tx.send(1).expect("runner reading");
    drop(item_tx);
    assert_eq!(emitted_rx.recv_timeout(LIMIT), Ok(1));
    let end = runner.join().expect("runner").expect("run");
    assert_eq!(end.emitted, 2);
}

#[test]
fn settled_items_are_finished_in_order_without_the_pool() {
    let (job, _release) = Numbers::new();
    let started = Arc::clone(&job.started);
    let mut recorder = Recorder::default();
    let given = [1000u64, 1, 1001, 2, 1002].into_iter();
    run(&config(4), job, given, &Stop::never(), &mut recorder).expect("run");
    assert_eq!(emitted_items(&recorder), [1000, 1, 1001, 2, 1002]);
    // Settled items are finished as they are admitted, in admission order.
    let settled: Vec<u64> = recorder
        .finished
        .iter()
        .copied()
        .filter(|n| *n >= 1000)
        .collect();
    assert_eq!(settled, [1000, 1001, 1002]);
    let mut ran = started.lock().expect("no poison").clone();
    ran.sort_unstable();
    assert_eq!(ran, [1, 2]);
}

/// Items in lanes: item `n` is in lane `n / 10` ("0", "1", …), each lane runs one item
/// at a time, two in all; lane "9" may not start before `opens`.
struct Laned {
    numbers: Numbers,
    running: Arc<Mutex<Vec<String>>>,
    most_per_lane: Arc<Mutex<usize>>,
    opens: Instant,
    changes: (Sender<()>, Receiver<()>),
}

struct LaneTurn {
    lane: String,
    running: Arc<Mutex<Vec<String>>>,
    changed: Sender<()>,
}

impl Drop for LaneTurn {
    fn drop(&mut self) {
        if let Ok(mut running) = self.running.lock() {
            if let Some(at) = running.iter().position(|lane| *lane == self.lane) {
                running.remove(at);
            }
        }
        let _ = self.changed.try_send(());
    }
}

impl Laned {
    fn new(numbers: Numbers, opens: Instant) -> Self {
        Laned {
            numbers,
            running: Arc::default(),
            most_per_lane: Arc::default(),
            opens,
            changes: bounded(1),
        }
    }
}

impl Job for Laned {
    type Item = u64;
    type Outcome = Result<u64, String>;
    type Turn = LaneTurn;

    fn run(&self, item: &u64, turn: Option<LaneTurn>, budget: &ParseBudget) -> Self::Outcome {
        let turn = turn.ok_or(format!("item {item} ran without a turn"))?;
        if turn.lane == "9" && Instant::now() < self.opens {
            return Err(format!("item {item} started before its lane opened"));
        }
        self.numbers.run(item, None, budget)
    }

    fn lane(&self, item: &u64) -> Option<Lane> {
        Some(Lane::from((item / 10).to_string()))
    }

    fn try_start(&self, lane: &str) -> Result<LaneTurn, NotNow> {
        if lane == "9" && Instant::now() < self.opens {
            return Err(NotNow::LaneUntil(self.opens));
        }
        let mut running = self.running.lock().map_err(|_| NotNow::AllBusy)?;
        if running.len() >= 2 {
            return Err(NotNow::AllBusy);
        }
        if running.iter().any(|other| other == lane) {
            return Err(NotNow::LaneBusy);
        }
        running.push(lane.to_owned());
        if let Ok(mut most) = self.most_per_lane.lock() {
            let per_lane = running.iter().filter(|other| *other == lane).count();
            *most = (*most).max(per_lane);
        }
        Ok(LaneTurn {
            lane: lane.to_owned(),
            running: Arc::clone(&self.running),
            changed: self.changes.0.clone(),
        })
    }

    fn changes(&self) -> Option<Receiver<()>> {
        Some(self.changes.1.clone())
    }

    fn panicked(&self, item: &u64) -> Self::Outcome {
        self.numbers.panicked(item)
    }
}

#[test]
fn a_busy_lane_does_not_keep_other_lanes_from_starting() {
    let (mut numbers, release) = Numbers::new();
    // Item 0 holds lane "0" until lane "1"'s three items are done: they can be done
    // only if they start while lane "0"'s later items wait.
    numbers.held = vec![0];
    let started = Arc::clone(&numbers.started);
    let job = Laned::new(numbers, Instant::now());
    let most_per_lane = Arc::clone(&job.most_per_lane);
    let mut recorder = Recorder {
        release_after: Some((3, release)),
        ..Recorder::default()
    };
    let items = [0, 1, 2, 10, 11, 12];
    let end = run(
        &config(8),
        job,
        items.into_iter(),
        &Stop::never(),
        &mut recorder,
    )
    .expect("run");
    assert_eq!(emitted_items(&recorder), items);
    assert!(
        recorder.emitted.iter().all(|(_, outcome)| outcome.is_ok()),
        "{:?}",
        recorder.emitted
    );
    let mut started = started.lock().expect("started").clone();
    // 0 and 10 start together; the rest one after the other.
    started[..2].sort_unstable();
    assert_eq!(started, vec![0, 10, 11, 12, 1, 2]);
    assert_eq!(*most_per_lane.lock().expect("most"), 1);
    assert_eq!((end.admitted, end.emitted), (6, 6));
}

#[test]
fn a_lane_that_waits_for_a_time_starts_when_it_comes() {
    let (numbers, _release) = Numbers::new();
    let opens = Instant::now() + Duration::from_millis(200);
    let job = Laned::new(numbers, opens);
    let mut recorder = Recorder::default();
    let items = [90, 91, 5];
    let end = run(
        &config(2),
        job,
        items.into_iter(),
        &Stop::never(),
        &mut recorder,
    )
    .expect("run");
    assert!(Instant::now() >= opens);
    assert_eq!(
        recorder.emitted,
        vec![(90, Ok(900)), (91, Ok(910)), (5, Ok(50))]
    );
    // Lane "0" did not wait for lane "9".
    assert_eq!(recorder.finished.first(), Some(&5));
    assert_eq!((end.admitted, end.emitted), (3, 3));
}
