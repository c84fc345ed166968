//! A set that remembers strings by a 128-bit keyed hash instead of the string.
//!
//! `-o stdout` is unique over the whole run and inputs are de-duplicated over the whole
//! list, so both sets grow with every distinct string: a 10k-page run prints a million
//! links, which as `String`s in a `HashSet` took ~140 bytes each (the text, its header,
//! the table slot), more than a 128 MiB pod holds. As hashes they take ~20-40 bytes.
//!
//! Two distinct strings are taken for the same one only if both 64-bit halves collide:
//! two SipHash-1-3 functions keyed at random per run, so no page can aim for a
//! collision. Over n distinct strings the chance of any such mistake is about
//! n²/2¹²⁹: 10⁻²⁷ for a million links. A plain 64-bit hash (n²/2⁶⁵, 3·10⁻⁸) would be
//! small too, but a link silently missing from the output is the one failure a link
//! checker must not have, so the extra 8 bytes buy certainty for every practical run.

use std::collections::HashSet;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};

pub struct Seen {
    keys: (RandomState, RandomState),
    hashes: HashSet<u128, BuildHasherDefault<Prehashed>>,
}

impl Default for Seen {
    fn default() -> Self {
        Seen {
            keys: (RandomState::new(), RandomState::new()),
            hashes: HashSet::default(),
        }
    }
}

impl Seen {
    /// Adds `text`; returns whether it was new.
    pub fn insert(&mut self, text: &str) -> bool {
        let high = u128::from(self.keys.0.hash_one(text));
        let low = u128::from(self.keys.1.hash_one(text));
        self.hashes.insert(high << 64 | low)
    }

    /// How many distinct strings were added.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }
}

/// The hasher of a set whose keys already are uniform hashes: folds them to 64 bits.
#[derive(Default)]
pub struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u128 keys are hashed here; fold anything else in, to stay correct.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u128(&mut self, hash: u128) {
        // Truncation on purpose: both halves are already uniform.
        self.0 = (hash >> 64) as u64 ^ hash as u64;
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
