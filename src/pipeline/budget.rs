//! The parse budget: how much parsing may happen at once.
//!
//! Fetching is I/O-bound and runs `--jobs` wide; parsing is CPU-bound, and 32 parses at
//! once on 2 cores only add context switches and hold 32 DOMs in memory (1000 x 100 KB
//! pages: 3.2 s -> 2.5 s wall, less RSS). The budget is a counting semaphore whose
//! units a caller chooses: one per page today, so at most one parse per core.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// A counting semaphore of `capacity` units.
#[derive(Debug)]
pub struct ParseBudget {
    free: Mutex<u64>,
    freed: Condvar,
    capacity: u64,
}

/// Units taken from a [`ParseBudget`]; given back when dropped.
#[derive(Debug)]
pub struct Permit<'a> {
    budget: &'a ParseBudget,
    units: u64,
}

/// A request for more units than the whole budget holds: it could never be granted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverBudget {
    pub asked: u64,
    pub capacity: u64,
}

impl ParseBudget {
    /// A budget of `capacity` units (at least one).
    pub fn new(capacity: u64) -> Self {
        let capacity = capacity.max(1);
        ParseBudget {
            free: Mutex::new(capacity),
            freed: Condvar::new(),
            capacity,
        }
    }

    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Waits until `units` are free and takes them. Every holder parses one page,
    /// itself bounded by the parse time budget, so the wait is bounded too.
    pub fn acquire(&self, units: u64) -> Result<Permit<'_>, OverBudget> {
        self.check(units)?;
        let mut free = self.lock();
        while *free < units {
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        Ok(self.take(free, units))
    }

    /// As [`acquire`](Self::acquire), giving up after `limit`: `Ok(None)` then.
    pub fn acquire_within(
        &self,
        units: u64,
        limit: Duration,
    ) -> Result<Option<Permit<'_>>, OverBudget> {
        self.check(units)?;
        let (free, _) = self
            .freed
            .wait_timeout_while(self.lock(), limit, |free| *free < units)
            .unwrap_or_else(|e| e.into_inner());
        Ok((*free >= units).then(|| self.take(free, units)))
    }

    fn check(&self, units: u64) -> Result<(), OverBudget> {
        if units > self.capacity {
            return Err(OverBudget {
                asked: units,
                capacity: self.capacity,
            });
        }
        Ok(())
    }

    fn take(&self, mut free: MutexGuard<'_, u64>, units: u64) -> Permit<'_> {
        *free -= units;
        Permit {
            budget: self,
            units,
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

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        *self.budget.lock() += self.units;
        self.budget.freed.notify_all();
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
        let budget = ParseBudget::new(3);
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
        let budget = ParseBudget::new(1);
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
        let budget = ParseBudget::new(4);
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
    fn a_zero_capacity_is_one() {
        assert_eq!(ParseBudget::new(0).capacity(), 1);
    }
}
