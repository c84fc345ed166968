//! Politeness: how many requests are in flight, in all and to each host, and how far
//! apart their starts are to one host.
//!
//! Every request a run makes (pages, robots.txt, sitemaps) enters the [`RequestGate`]
//! first, in one step: it waits until a request may start (fewer than `--jobs` in
//! flight in all, fewer than `--per-host` to its host, `--delay` or the host's
//! `Crawl-delay` since the last start to that host), then starts at once. A thread
//! that waits holds nothing: no slot another host could use is kept idle.
//!
//! The pipeline does not wait at all: it asks [`RequestGate::try_enter`] for the first
//! request of each page and starts the page's job only with a slot in hand, keeping
//! the pages of a busy host queued while other hosts' pages run; the gate tells it
//! when a slot may have become free ([`RequestGate::changes`]).

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crossbeam_channel::{bounded, Receiver, Sender};

use url::Url;

/// What politeness the run keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolitenessConfig {
    /// Requests in flight in all (`--jobs`).
    pub jobs: usize,
    /// Requests in flight to one host at most (`--per-host`), if capped.
    pub per_host: Option<usize>,
    /// The least time between two request starts to one host (`--delay`).
    pub delay: Duration,
}

/// Admits requests as [`PolitenessConfig`] says; see the module.
#[derive(Debug)]
pub struct RequestGate {
    config: PolitenessConfig,
    state: Mutex<State>,
    changed: Condvar,
    /// A token sent (if none is waiting) whenever a request may have become possible.
    change_tx: Sender<()>,
    change_rx: Receiver<()>,
}

#[derive(Debug, Default)]
struct State {
    in_flight: usize,
    hosts: HashMap<String, Host>,
}

#[derive(Debug, Default)]
struct Host {
    in_flight: usize,
    /// A request was let in and has not been answered yet: with a gap to keep, the
    /// next one waits for its answer, so that the gap is kept between the starts the
    /// server sees, whatever the connection set-up and scheduling took.
    starting: bool,
    last_start: Option<Instant>,
    /// A larger gap than `--delay`, from the host's `Crawl-delay`.
    crawl_delay: Duration,
    /// The most requests seen in flight to this host at once.
    most_in_flight: usize,
}

/// A request in flight, to `host`; it ends when dropped.
#[derive(Debug)]
pub struct RequestSlot {
    gate: Arc<RequestGate>,
    host: String,
    started: std::sync::atomic::AtomicBool,
}

/// Why a request may not start now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotYet {
    /// `--jobs` requests are in flight: none may start before one ends.
    AllBusy,
    /// Its host is at `--per-host`, or waits for an answer to begin: not before a
    /// request to it ends or begins.
    HostBusy,
    /// Its host's gap (`--delay`, `Crawl-delay`) ends then.
    HostUntil(Instant),
}

impl RequestSlot {
    /// Says that the server has the request (its answer began to arrive).
    pub fn started(&self) {
        self.gate.started(self);
    }
}

impl RequestGate {
    pub fn new(config: PolitenessConfig) -> Self {
        let (change_tx, change_rx) = bounded(1);
        RequestGate {
            config,
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            change_tx,
            change_rx,
        }
    }

    /// Receives a token whenever a request that had to wait may start now (a request
    /// ended or got its answer, a gap changed). One receiver is meant to listen.
    pub fn changes(&self) -> Receiver<()> {
        self.change_rx.clone()
    }

    /// The host a request to `url` counts against: its name (or address), port
    /// ignored, as browsers and robots.txt count hosts.
    pub fn host_of(url: &Url) -> String {
        url.host_str().unwrap_or_default().to_ascii_lowercase()
    }

    /// Waits until a request to `host` may start, and starts it.
    pub fn enter(self: &Arc<Self>, host: &str) -> RequestSlot {
        let mut state = self.lock();
        loop {
            let now = Instant::now();
            match self.wait_needed(&mut state, host, now) {
                None => break,
                Some(NotYet::AllBusy | NotYet::HostBusy) => {
                    state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
                }
                Some(NotYet::HostUntil(at)) => {
                    let left = at.saturating_duration_since(now);
                    state = self
                        .changed
                        .wait_timeout(state, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
        self.start(&mut state, host)
    }

    /// Starts a request to `host` if it may start now; else says until when not.
    pub fn try_enter(self: &Arc<Self>, host: &str) -> Result<RequestSlot, NotYet> {
        let mut state = self.lock();
        match self.wait_needed(&mut state, host, Instant::now()) {
            None => Ok(self.start(&mut state, host)),
            Some(not_yet) => Err(not_yet),
        }
    }

    fn start(self: &Arc<Self>, state: &mut State, host: &str) -> RequestSlot {
        state.in_flight += 1;
        let entry = state.hosts.entry(host.to_owned()).or_default();
        entry.in_flight += 1;
        entry.most_in_flight = entry.most_in_flight.max(entry.in_flight);
        entry.last_start = Some(Instant::now());
        entry.starting = true;
        RequestSlot {
            gate: Arc::clone(self),
            host: host.to_owned(),
            started: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The request of `slot` reached the server (its answer began): gaps count from
    /// now, and the next request to the host may be let in.
    fn started(&self, slot: &RequestSlot) {
        if slot.started.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let mut state = self.lock();
        if let Some(entry) = state.hosts.get_mut(&slot.host) {
            entry.starting = false;
            entry.last_start = Some(Instant::now());
        }
        drop(state);
        self.wake();
    }

    /// Tells whoever waits that a request may have become possible.
    fn wake(&self) {
        self.changed.notify_all();
        // Full when a token is already waiting: one is enough.
        let _ = self.change_tx.try_send(());
    }

    /// What a request to `host` must wait for now, if anything.
    fn wait_needed(&self, state: &mut State, host: &str, now: Instant) -> Option<NotYet> {
        if state.in_flight >= self.config.jobs {
            return Some(NotYet::AllBusy);
        }
        let entry = state.hosts.get(host)?;
        if self
            .config
            .per_host
            .is_some_and(|cap| entry.in_flight >= cap)
        {
            return Some(NotYet::HostBusy);
        }
        let gap = self.config.delay.max(entry.crawl_delay);
        if !gap.is_zero() && entry.starting {
            return Some(NotYet::HostBusy);
        }
        match entry.last_start {
            Some(last) if now < last + gap => Some(NotYet::HostUntil(last + gap)),
            _ => None,
        }
    }

    /// Sets the host's `Crawl-delay`: the gap between starts is then the larger of it
    /// and `--delay`.
    pub fn set_crawl_delay(&self, host: &str, delay: Duration) {
        let mut state = self.lock();
        state.hosts.entry(host.to_owned()).or_default().crawl_delay = delay;
        drop(state);
        self.wake();
    }

    /// The most requests seen in flight to `host` at once (for tests and `-vv`).
    pub fn most_in_flight(&self, host: &str) -> usize {
        self.lock()
            .hosts
            .get(host)
            .map_or(0, |entry| entry.most_in_flight)
    }

    /// How many hosts were requested so far.
    pub fn hosts(&self) -> usize {
        self.lock().hosts.len()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for RequestSlot {
    fn drop(&mut self) {
        self.gate.started(self);
        let mut state = self.gate.lock();
        state.in_flight = state.in_flight.saturating_sub(1);
        if let Some(entry) = state.hosts.get_mut(&self.host) {
            entry.in_flight = entry.in_flight.saturating_sub(1);
        }
        drop(state);
        self.gate.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Barrier};
    use std::thread;

    fn gate(jobs: usize, per_host: Option<usize>, delay_ms: u64) -> Arc<RequestGate> {
        Arc::new(RequestGate::new(PolitenessConfig {
            jobs,
            per_host,
            delay: Duration::from_millis(delay_ms),
        }))
    }

    #[test]
    fn no_more_than_per_host_to_one_host_and_jobs_in_all() {
        let gate = gate(5, Some(2), 0);
        let peak = Arc::new(AtomicUsize::new(0));
        let now = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(Barrier::new(8));
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let (gate, peak, now, barrier) = (
                    Arc::clone(&gate),
                    Arc::clone(&peak),
                    Arc::clone(&now),
                    Arc::clone(&barrier),
                );
                thread::spawn(move || {
                    barrier.wait();
                    for _ in 0..20 {
                        let host = if i % 2 == 0 { "a.test" } else { "b.test" };
                        let _slot = gate.enter(host);
                        let in_flight = now.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(in_flight, Ordering::SeqCst);
                        thread::yield_now();
                        now.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().expect("no panic");
        }
        assert!(gate.most_in_flight("a.test") <= 2);
        assert!(gate.most_in_flight("b.test") <= 2);
        assert!(peak.load(Ordering::SeqCst) <= 4);
        assert_eq!(gate.hosts(), 2);
    }

    #[test]
    fn starts_to_one_host_are_at_least_the_delay_apart() {
        let gate = gate(8, None, 30);
        let starts: Vec<Instant> = (0..4)
            .map(|_| {
                let _slot = gate.enter("a.test");
                Instant::now()
            })
            .collect();
        for pair in starts.windows(2) {
            assert!(pair[1] - pair[0] >= Duration::from_millis(30), "{pair:?}");
        }
        // Another host does not wait for this one.
        let before = Instant::now();
        drop(gate.enter("b.test"));
        assert!(before.elapsed() < Duration::from_millis(30));
    }

    #[test]
    fn a_crawl_delay_larger_than_the_delay_wins() {
        let gate = gate(8, None, 10);
        gate.set_crawl_delay("a.test", Duration::from_millis(40));
        let first = {
            let _slot = gate.enter("a.test");
            Instant::now()
        };
        let _slot = gate.enter("a.test");
        assert!(first.elapsed() >= Duration::from_millis(40));
    }

    #[test]
    fn try_enter_says_why_a_request_may_not_start_yet() {
        let gate = gate(2, Some(1), 0);
        let changes = gate.changes();
        let a = gate.try_enter("a.test").expect("a first request");
        assert_eq!(gate.try_enter("a.test").err(), Some(NotYet::HostBusy));
        let _b = gate.try_enter("b.test").expect("another host");
        assert_eq!(gate.try_enter("c.test").err(), Some(NotYet::AllBusy));
        while changes.try_recv().is_ok() {}
        drop(a);
        assert_eq!(changes.try_recv(), Ok(()));
        assert!(gate.try_enter("a.test").is_ok());
    }

    #[test]
    fn try_enter_gives_the_end_of_the_gap() {
        let gate = gate(4, None, 50);
        let before = Instant::now();
        let a = gate.try_enter("a.test").expect("a first request");
        // Until its answer begins, the next one waits for it.
        assert_eq!(gate.try_enter("a.test").err(), Some(NotYet::HostBusy));
        a.started();
        match gate.try_enter("a.test") {
            Err(NotYet::HostUntil(when)) => {
                assert!(when >= before + Duration::from_millis(50), "{when:?}");
            }
            other => panic!("expected a gap, got {other:?}"),
        }
        assert!(gate.try_enter("b.test").is_ok());
    }
}
