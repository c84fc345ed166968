//! The ordered emission window: results come back in any order, leave in sequence
//! order, and at most `capacity` items are in flight or waiting for an earlier one.

use std::collections::VecDeque;

/// Items numbered in the order they were admitted, each waiting for its outcome.
///
/// Sequence numbers start at 0 and count every item ever admitted; the window holds
/// the items from the first one not yet emitted onwards.
#[derive(Debug)]
pub struct OrderedWindow<I, O> {
    slots: VecDeque<Slot<I, O>>,
    /// The sequence number of `slots[0]`: how many items were emitted.
    first: u64,
    capacity: usize,
}

#[derive(Debug)]
struct Slot<I, O> {
    item: I,
    outcome: Option<O>,
}

impl<I, O> OrderedWindow<I, O> {
    /// A window of at most `capacity` items (at least one).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        OrderedWindow {
            slots: VecDeque::with_capacity(capacity),
            first: 0,
            capacity,
        }
    }

    pub fn has_room(&self) -> bool {
        self.slots.len() < self.capacity
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// How many items were admitted so far.
    pub fn admitted(&self) -> u64 {
        self.first + self.slots.len() as u64
    }

    /// How many items were emitted so far.
    pub fn emitted(&self) -> u64 {
        self.first
    }

    /// Admits `item`; returns its sequence number, or gives it back when the window is
    /// full.
    pub fn admit(&mut self, item: I) -> Result<u64, I> {
        if !self.has_room() {
            return Err(item);
        }
        self.slots.push_back(Slot {
            item,
            outcome: None,
        });
        Ok(self.admitted() - 1)
    }

    /// Records the outcome of item `sequence` and returns the item with it. `None`
    /// (and the outcome dropped) when that item is not waiting: already emitted, never
    /// admitted, or already given an outcome.
    pub fn complete(&mut self, sequence: u64, outcome: O) -> Option<(&I, &O)> {
        let index = usize::try_from(sequence.checked_sub(self.first)?).ok()?;
        let slot = self.slots.get_mut(index)?;
        if slot.outcome.is_some() {
            return None;
        }
        let outcome = slot.outcome.insert(outcome);
        Some((&slot.item, outcome))
    }

    /// The first item and its outcome, if it has one: results leave in sequence order,
    /// so an item that finished early waits here for every earlier one.
    pub fn pop_ready(&mut self) -> Option<(I, O)> {
        self.slots.front()?.outcome.as_ref()?;
        let slot = self.slots.pop_front()?;
        self.first += 1;
        Some((slot.item, slot.outcome?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(window: &mut OrderedWindow<&'static str, u32>) -> Vec<(&'static str, u32)> {
        std::iter::from_fn(|| window.pop_ready()).collect()
    }

    #[test]
    fn out_of_order_completion_leaves_in_order() {
        let mut window = OrderedWindow::new(8);
        for item in ["a", "b", "c", "d"] {
            assert!(window.admit(item).is_ok());
        }
        assert_eq!(window.complete(2, 30), Some((&"c", &30)));
        assert_eq!(window.complete(1, 20), Some((&"b", &20)));
        assert_eq!(drain(&mut window), []);
        assert_eq!(window.complete(0, 10), Some((&"a", &10)));
        assert_eq!(drain(&mut window), [("a", 10), ("b", 20), ("c", 30)]);
        assert_eq!((window.emitted(), window.admitted()), (3, 4));
        assert_eq!(window.complete(3, 40), Some((&"d", &40)));
        assert_eq!(drain(&mut window), [("d", 40)]);
        assert!(window.is_empty());
    }

    #[test]
    fn a_full_window_refuses_until_the_front_leaves() {
        let mut window = OrderedWindow::new(2);
        assert_eq!(window.admit("a"), Ok(0));
        assert_eq!(window.admit("b"), Ok(1));
        assert_eq!(window.admit("c"), Err("c"));
        // The second finishing frees nothing: the first still holds the front.
        window.complete(1, 2);
        assert!(!window.has_room());
        window.complete(0, 1);
        assert_eq!(drain(&mut window), [("a", 1), ("b", 2)]);
        assert_eq!(window.admit("c"), Ok(2));
    }

    #[test]
    fn stopping_mid_run_leaves_only_the_finished_prefix() {
        let mut window = OrderedWindow::new(8);
        for item in ["a", "b", "c", "d"] {
            assert!(window.admit(item).is_ok());
        }
        window.complete(0, 1);
        window.complete(2, 3);
        window.complete(3, 4);
        // A stop now emits what is ready, in order, up to the first unfinished item.
        assert_eq!(drain(&mut window), [("a", 1)]);
        assert_eq!((window.emitted(), window.admitted()), (1, 4));
    }

    #[test]
    fn stray_outcomes_are_ignored() {
        let mut window = OrderedWindow::new(4);
        assert!(window.admit("a").is_ok());
        assert_eq!(window.complete(5, 1), None);
        assert_eq!(window.complete(0, 1), Some((&"a", &1)));
        assert_eq!(window.complete(0, 2), None);
        assert_eq!(drain(&mut window), [("a", 1)]);
        assert_eq!(window.complete(0, 3), None);
    }
}
