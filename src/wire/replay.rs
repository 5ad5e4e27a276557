//! Replay protection: a signed message whose signature was already seen is a resent copy (a
//! replayed capture, a client or proxy resending the same frames) and must not run twice.
//!
//! A valid signature covers the header, whose `msg_id` is unique per message, so two distinct
//! requests never share one. Only signed messages are tracked: with an empty key there is no
//! signature to recognise. The set is bounded (the last [`CAPACITY`] signatures, oldest
//! forgotten first), so memory stays fixed however long the kernel runs.

use std::collections::{HashSet, VecDeque};

/// How many recent signatures are remembered (32 bytes each, ~200 KiB with the index).
pub const CAPACITY: usize = 4096;

/// The most recent signatures, in arrival order, with a set for lookups.
#[derive(Debug)]
pub struct RecentSignatures {
    order: VecDeque<[u8; 32]>,
    seen: HashSet<[u8; 32]>,
    capacity: usize,
}

impl Default for RecentSignatures {
    fn default() -> Self {
        RecentSignatures::with_capacity(CAPACITY)
    }
}

impl RecentSignatures {
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        RecentSignatures {
            order: VecDeque::with_capacity(capacity),
            seen: HashSet::with_capacity(capacity),
            capacity,
        }
    }

    /// Records `mac` (a verified HMAC-SHA256); false when it was already among the recent ones.
    pub fn first_time(&mut self, mac: [u8; 32]) -> bool {
        if self.seen.contains(&mac) {
            return false;
        }
        if self.order.len() == self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.seen.remove(&oldest);
        }
        self.order.push_back(mac);
        self.seen.insert(mac);
        true
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mac(n: u16) -> [u8; 32] {
        let mut m = [0u8; 32];
        m[..2].copy_from_slice(&n.to_be_bytes());
        m
    }

    #[test]
    fn a_repeat_is_caught_and_distinct_ones_pass() {
        let mut recent = RecentSignatures::default();
        assert!(recent.first_time(mac(1)));
        assert!(recent.first_time(mac(2)));
        assert!(!recent.first_time(mac(1)));
        assert!(!recent.first_time(mac(2)));
        assert_eq!(recent.len(), 2);
    }

    #[test]
    fn the_set_is_bounded_and_forgets_the_oldest() {
        let mut recent = RecentSignatures::with_capacity(3);
        for n in 0..3 {
            assert!(recent.first_time(mac(n)));
        }
        assert!(recent.first_time(mac(3))); // evicts 0
        assert_eq!(recent.len(), 3);
        assert!(!recent.first_time(mac(3)));
        assert!(!recent.first_time(mac(1)));
        assert!(recent.first_time(mac(0)), "the oldest was forgotten");
    }
}
