//! A set that remembers strings by a 64-bit keyed hash instead of the string.
//!
//! `-o stdout` is unique over the whole run and inputs are de-duplicated over the whole
//! list, so both sets grow with every distinct string: a 10k-page run prints a million
//! links, which as `String`s in a `HashSet` took ~140 bytes each (the text, its header,
//! the table slot), more than a 128 MiB pod holds. As hashes they take ~10-18 bytes.
//!
//! Two distinct strings are taken for the same one only if their hashes collide:
//! SipHash-1-3 keyed at random per run, so no page can aim for a collision. Over n
//! distinct strings the chance of any such mistake is about n²/2⁶⁵: 3·10⁻⁸ for a
//! million links. A 128-bit hash (tried: two keyed hashes) makes that 10⁻²⁷ but
//! doubles the set: 10k pages of 100 KB (1M distinct links) then peaked at 92 MiB
//! instead of 70, and a 100k-line run at 2.4x the memory of a 1k-line one instead of
//! ~1.4x; the 64-bit risk is the smaller cost.

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

pub struct Seen {
    keys: RandomState,
    hashes: HashSet<u64, BuildHasherDefault<Prehashed>>,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            keys: RandomState::new(),
            hashes: HashSet::default(),
        }
    }
}

impl Seen {
    /// Adds `text`; returns whether it was new.
    pub fn insert(&mut self, text: &str) -> bool {
        self.hashes.insert(self.keys.hash_one(text))
    }

    /// Whether `text` was added.
    pub fn contains(&self, text: &str) -> bool {
        self.hashes.contains(&self.keys.hash_one(text))
    }

    /// How many distinct strings were added.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}

/// The hasher of a set whose keys already are uniform hashes: passes them through.
#[derive(Default)]
pub struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed here; fold anything else in, to stay correct.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_new_from_repeated() {
        let mut seen = Seen::default();
        let texts: Vec<String> = (0..100_000).map(|i| format!("http://a.test/{i}")).collect();
        assert!(texts.iter().all(|t| seen.insert(t)));
        assert!(texts.iter().all(|t| !seen.insert(t)));
        assert_eq!(seen.len(), 100_000);
        assert!(seen.insert(""));
        assert!(!seen.insert(""));
    }
}
