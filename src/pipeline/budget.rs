//! Budgets: counting semaphores of units a caller chooses.
//!
//! The pipeline's parse budget counts pages: fetching is I/O-bound and runs `--jobs`
//! wide, parsing is CPU-bound, and 32 parses at once on 2 cores only add context
//! switches and hold 32 DOMs in memory (1000 x 100 KB pages: 3.2 s -> 2.5 s wall,
//! less RSS), so at most one page per core is parsed at once. Memory budgets count
//! bytes (see `page.rs`): a permit can grow as a body arrives.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// A counting semaphore of `capacity` units.
#[derive(Debug)]
pub struct Budget {
    free: Mutex<u64>,
    freed: Condvar,
    capacity: u64,
}

/// The parse budget the pipeline hands to every job: pages parsed at once.
pub type ParseBudget = Budget;

/// Units taken from a [`Budget`]; given back when dropped.
#[derive(Debug)]
pub struct Permit<'a> {
    budget: &'a Budget,
    units: u64,
}

/// A request for more units than the whole budget holds: it could never be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget {
    pub asked: u64,
    pub capacity: u64,
}

impl Budget {
    /// A budget of `capacity` units (at least one).
    pub fn new(capacity: u64) -> Self {
        let capacity = capacity.max(1);
        Budget {
            free: Mutex::new(capacity),
            freed: Condvar::new(),
            capacity,
        }
    }

    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Waits until `units` are free and takes them. Callers hold a permit only for
    /// work that is itself bounded in time, so the wait is bounded too.
    pub fn acquire(&self, units: u64) -> Result<Permit<'_>, OverBudget> {
        let mut permit = self.empty();
        permit.grow(units, None)?;
        Ok(permit)
    }

    /// As [`acquire`](Self::acquire), giving up after `limit`: `Ok(None)` then.
    pub fn acquire_within(
        &self,
        units: u64,
        limit: Duration,
    ) -> Result<Option<Permit<'_>>, OverBudget> {
        let mut permit = self.empty();
        Ok(permit
            .grow(units, Some(Instant::now() + limit))?
            .then_some(permit))
    }

    /// A permit of no units, to grow.
    pub fn empty(&self) -> Permit<'_> {
        Permit {
            budget: self,
            units: 0,
        }
    }

    /// Units free now.
    pub fn available(&self) -> u64 {
        *self.lock()
    }

    fn lock(&self) -> MutexGuard<'_, u64> {
        self.free.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Permit<'_> {
    /// The units this permit holds.
    pub fn units(&self) -> u64 {
        self.units
    }

    /// Takes `more` units, waiting for them until `deadline` (forever with `None`).
    /// Returns whether they were granted; more than the whole budget together with
    /// what the permit already holds is refused at once.
    pub fn grow(&mut self, more: u64, deadline: Option<Instant>) -> Result<bool, OverBudget> {
        let asked = self.units.saturating_add(more);
        if asked > self.budget.capacity {
            return Err(OverBudget {
                asked,
                capacity: self.budget.capacity,
            });
        }
        let budget = self.budget;
        let mut free = budget.lock();
        while *free < more {
            free = match deadline {
                None => budget.freed.wait(free).unwrap_or_else(|e| e.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(false);
                    }
                    budget
                        .freed
                        .wait_timeout(free, left)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            };
        }
        *free -= more;
        self.units = asked;
        Ok(true)
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if self.units > 0 {
            *self.budget.lock() += self.units;
            self.budget.freed.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::thread;

    const SHORT: Duration = Duration::from_millis(50);
    const LONG: Duration = Duration::from_secs(10);

    #[test]
    fn units_are_taken_and_given_back() {
        let budget = Budget::new(3);
        let a = budget.acquire(2).expect("fits");
        assert_eq!(budget.available(), 1);
        let b = budget.acquire(1).expect("fits");
        assert_eq!(budget.available(), 0);
        drop(a);
        assert_eq!(budget.available(), 2);
        drop(b);
        assert_eq!(budget.available(), 3);
    }

    #[test]
    fn an_exhausted_budget_waits_for_a_permit_to_be_dropped() {
        let budget = Budget::new(1);
        let held = budget.acquire(1).expect("fits");
        assert!(budget.acquire_within(1, SHORT).expect("fits").is_none());
        thread::scope(|scope| {
            let (got_tx, got_rx) = mpsc::channel();
            let budget = &budget;
            scope.spawn(move || {
                let permit = budget.acquire_within(1, LONG).expect("fits");
                got_tx.send(permit.is_some()).expect("test receiver");
            });
            // Still waiting while the permit is held...
            assert_eq!(
                got_rx.recv_timeout(SHORT),
                Err(mpsc::RecvTimeoutError::Timeout)
            );
            // ...and granted once it is dropped.
            drop(held);
            assert_eq!(got_rx.recv_timeout(LONG), Ok(true));
        });
        assert_eq!(budget.available(), 1);
    }

    #[test]
    fn more_than_the_whole_budget_is_refused_at_once() {
        let budget = Budget::new(4);
        assert_eq!(
            budget.acquire(5).map(drop),
            Err(OverBudget {
                asked: 5,
                capacity: 4
            })
        );
        assert_eq!(budget.available(), 4);
    }

    #[test]
    fn a_permit_grows_and_gives_everything_back() {
        let budget = Budget::new(10);
        let mut permit = budget.empty();
        assert_eq!(permit.grow(4, None), Ok(true));
        assert_eq!(permit.grow(5, None), Ok(true));
        assert_eq!((permit.units(), budget.available()), (9, 1));
        // Growing past the whole budget is refused at once, and changes nothing.
        assert_eq!(
            permit.grow(2, None),
            Err(OverBudget {
                asked: 11,
                capacity: 10
            })
        );
        // What another holder has is waited for, until the deadline.
        let other = budget.acquire(1).expect("fits");
        assert_eq!(permit.grow(1, Some(Instant::now() + SHORT)), Ok(false));
        assert_eq!(permit.units(), 9);
        drop(other);
        drop(permit);
        assert_eq!(budget.available(), 10);
    }

    #[test]
    fn a_zero_capacity_is_one() {
        assert_eq!(Budget::new(0).capacity(), 1);
    }
}
