//! Admitted items that may not start yet, queued by lane (a crawl's host), so that the
//! engine can start the earliest item of every lane that may go without scanning
//! every item that may not.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

/// The name of a lane: items of one lane start in admission order, each when the job
/// says that its lane may take one more.
pub type Lane = Arc<str>;

/// Items waiting for their lane, each under its sequence number.
#[derive(Debug)]
pub struct Lanes<I> {
    queues: HashMap<Lane, VecDeque<(u64, I)>>,
    /// The sequence number of each non-empty lane's first item, and the lane.
    heads: BTreeMap<u64, Lane>,
    len: usize,
}

impl<I> Default for Lanes<I> {
    fn default() -> Self {
        Lanes {
            queues: HashMap::new(),
            heads: BTreeMap::new(),
            len: 0,
        }
    }
}

impl<I> Lanes<I> {
    /// Queues `item` (numbered `sequence`, higher than any queued in `lane` before)
    /// at the back of `lane`.
    pub fn push(&mut self, lane: Lane, sequence: u64, item: I) {
        let queue = self.queues.entry(Arc::clone(&lane)).or_default();
        if queue.is_empty() {
            self.heads.insert(sequence, lane);
        }
        queue.push_back((sequence, item));
        self.len += 1;
    }

    /// The first lane, in order of their first items, whose first item is numbered
    /// `from` or more: that number and the lane.
    pub fn head_from(&self, from: u64) -> Option<(u64, Lane)> {
        self.heads
            .range(from..)
            .next()
            .map(|(&sequence, lane)| (sequence, Arc::clone(lane)))
    }

    /// Takes the first item of `lane`; the lane's next item becomes its head.
    pub fn pop(&mut self, lane: &Lane) -> Option<(u64, I)> {
        let queue = self.queues.get_mut(lane)?;
        let (sequence, item) = queue.pop_front()?;
        self.heads.remove(&sequence);
        match queue.front() {
            Some(&(next, _)) => {
                self.heads.insert(next, Arc::clone(lane));
            }
            None => {
                self.queues.remove(lane);
            }
        }
        self.len -= 1;
        Some((sequence, item))
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane(name: &str) -> Lane {
        Arc::from(name)
    }

    #[test]
    fn heads_come_in_order_of_their_first_items() {
        let mut lanes = Lanes::default();
        lanes.push(lane("a"), 0, "a0");
        lanes.push(lane("a"), 1, "a1");
        lanes.push(lane("b"), 2, "b2");
        lanes.push(lane("a"), 3, "a3");
        lanes.push(lane("c"), 4, "c4");
        assert_eq!(lanes.head_from(0), Some((0, lane("a"))));
        assert_eq!(lanes.head_from(1), Some((2, lane("b"))));
        assert_eq!(lanes.head_from(3), Some((4, lane("c"))));
        assert_eq!(lanes.head_from(5), None);

        // Taking a's first item makes its second the head, after b's.
        assert_eq!(lanes.pop(&lane("a")), Some((0, "a0")));
        assert_eq!(lanes.head_from(0), Some((1, lane("a"))));
        assert_eq!(lanes.head_from(2), Some((2, lane("b"))));
        assert_eq!(lanes.pop(&lane("b")), Some((2, "b2")));
        assert_eq!(lanes.head_from(2), Some((4, lane("c"))));
    }

    #[test]
    fn a_lane_empties_and_comes_back() {
        let mut lanes = Lanes::default();
        lanes.push(lane("a"), 7, 70);
        assert!(!lanes.is_empty());
        assert_eq!(lanes.pop(&lane("a")), Some((7, 70)));
        assert_eq!(lanes.pop(&lane("a")), None);
        assert!(lanes.is_empty());
        assert_eq!(lanes.head_from(0), None);
        lanes.push(lane("a"), 9, 90);
        assert_eq!(lanes.head_from(0), Some((9, lane("a"))));
        assert_eq!(lanes.pop(&lane("b")), None);
    }
}
