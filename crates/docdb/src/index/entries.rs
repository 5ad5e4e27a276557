//! An index's entries as an ordered set stored densely: sorted chunks of a few hundred entries.
//!
//! Every document has an entry in every index, so the set's overhead per entry counts as much
//! as the entry. std's `BTreeSet` splits a full node in the middle, so ascending inserts (the
//! usual `_id`: ObjectIds, counters, dates) leave its leaves about half full, near 54 bytes
//! for a 24-byte entry. Here the entries sit in sorted `Vec`s of at most `CHUNK` entries, in
//! order; a lookup binary-searches a copy of each chunk's first entry (one small contiguous
//! array, so the search stays in cache), then the chunk.
//!
//! The shape keeps chunks full where inserts arrive in order and gives memory back on removal:
//! - an insert after the last entry of a full chunk (or before the first one, as ascending
//!   values arrive in a descending index) starts a new chunk beside it, so keys in either
//!   order fill chunks completely; an insert inside a full chunk splits it in half;
//! - a chunk's capacity doubles as `Vec`'s does, capped at `CHUNK`, so a small index does not
//!   hold a whole chunk;
//! - a removal drops an empty chunk, merges a chunk a quarter full with a neighbour when both
//!   fit in three quarters of a chunk (room is left so that the next insert does not split it
//!   again), and halves a chunk's capacity once it is a quarter used.
//!
//! The order is `IndexEntry`'s `Ord` (MongoDB's value order, `key.rs`); the API is the part of
//! `BTreeSet`'s that the scans and the catalog use, with the same meaning.

use std::ops::{Bound, RangeBounds};

use super::key::IndexEntry;

/// Entries per chunk: 6 KiB of 24-byte entries, so that an insert inside a chunk moves
/// 3 KiB on average (random inserts cost about what `BTreeSet`'s do), while `firsts` stays
/// small enough to search in cache (4,000 chunks, 94 KiB, for a million entries).
pub const DEFAULT_CHUNK: usize = 256;

/// The smallest capacity a chunk is given (what `Vec` gives elements of this size).
const MIN_CAPACITY: usize = 4;

/// An ordered set of index entries in sorted chunks of at most `CHUNK` entries.
#[derive(Debug, Clone, Default)]
pub struct EntrySet<const CHUNK: usize = DEFAULT_CHUNK> {
    /// Sorted, never empty, each at most `CHUNK` long; every entry of a chunk is below every
    /// entry of the next.
    chunks: Vec<Vec<IndexEntry>>,
    /// A copy of the first entry of every chunk but the first (`firsts[i]` is
    /// `chunks[i + 1][0]`): a lookup searches this one contiguous array instead of reading
    /// an entry in each chunk it probes (a cache miss each). Boxed keys are cloned here,
    /// once per chunk.
    firsts: Vec<IndexEntry>,
    len: usize,
}

/// A place in the set: a chunk and an offset in it, always before an entry, or
/// `(chunks.len(), 0)` for the end, so that comparing places compares positions.
type Place = (usize, usize);

impl<const CHUNK: usize> EntrySet<CHUNK> {
    pub fn new() -> Self {
        EntrySet {
            chunks: Vec::new(),
            firsts: Vec::new(),
            len: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes allocated for the entries and the chunk directory (values that an entry boxes,
    /// compound keys and long strings, are not counted).
    pub fn allocated_bytes(&self) -> usize {
        let slots: usize = self.chunks.iter().map(Vec::capacity).sum();
        (slots + self.firsts.capacity()) * size_of::<IndexEntry>()
            + self.chunks.capacity() * size_of::<Vec<IndexEntry>>()
    }

    /// The chunk that holds `entry` if the set does: the last whose first entry is not above
    /// it (the first chunk when `entry` is below every entry).
    fn chunk_for(&self, entry: &IndexEntry) -> usize {
        self.firsts.partition_point(|first| first <= entry)
    }

    pub fn contains(&self, entry: &IndexEntry) -> bool {
        self.chunks
            .get(self.chunk_for(entry))
            .is_some_and(|chunk| chunk.binary_search(entry).is_ok())
    }

    /// Adds `entry`; false (and the set unchanged) when it was already there.
    pub fn insert(&mut self, entry: IndexEntry) -> bool {
        const { assert!(CHUNK >= 2, "a chunk must hold two entries to split") };
        let c = self.chunk_for(&entry);
        let Some(chunk) = self.chunks.get_mut(c) else {
            self.chunks.push(vec![entry]);
            self.len = 1;
            return true;
        };
        let at = match chunk.binary_search(&entry) {
            Ok(_) => return false,
            Err(at) => at,
        };
        self.len += 1;
        if chunk.len() < CHUNK {
            // `at` is 0 only in the first chunk (a later chunk's first entry is below
            // `entry`), which has no copy in `firsts`.
            push_into::<CHUNK>(chunk, at, entry);
        } else if at == chunk.len() {
            // Past the end of a full chunk: the next chunk's front if it has room, else a new
            // chunk (ascending values fill it).
            match self.chunks.get_mut(c + 1) {
                Some(next) if next.len() < CHUNK => {
                    self.firsts[c] = entry.clone();
                    push_into::<CHUNK>(next, 0, entry);
                }
                _ => {
                    self.firsts.insert(c, entry.clone());
                    self.chunks.insert(c + 1, vec![entry]);
                }
            }
        } else if at == 0 {
            // Below every entry, the first chunk full: a new first chunk (descending values
            // fill it from its end).
            self.firsts.insert(0, chunk[0].clone());
            self.chunks.insert(0, vec![entry]);
        } else {
            let mut right = chunk.split_off(CHUNK / 2);
            match at.checked_sub(CHUNK / 2) {
                Some(in_right) if in_right > 0 => push_into::<CHUNK>(&mut right, in_right, entry),
                _ => chunk.insert(at, entry),
            }
            self.firsts.insert(c, right[0].clone());
            self.chunks.insert(c + 1, right);
        }
        true
    }

    /// Removes `entry`; false when the set did not hold it.
    pub fn remove(&mut self, entry: &IndexEntry) -> bool {
        let c = self.chunk_for(entry);
        let Some(Ok(at)) = self.chunks.get(c).map(|chunk| chunk.binary_search(entry)) else {
            return false;
        };
        self.chunks[c].remove(at);
        self.len -= 1;
        if self.chunks[c].is_empty() {
            self.remove_chunk(c);
            return true;
        }
        if at == 0 && c > 0 {
            self.firsts[c - 1] = self.chunks[c][0].clone();
        }
        let c = if self.chunks[c].len() <= CHUNK / 4 {
            self.merge_with_a_neighbour(c)
        } else {
            c
        };
        give_back_capacity(&mut self.chunks[c]);
        true
    }

    /// Drops chunk `c` and its entry in `firsts` (for the first chunk, the next one's, as
    /// that one becomes the first), and halves the directory once a quarter of it is used.
    fn remove_chunk(&mut self, c: usize) -> Vec<IndexEntry> {
        let chunk = self.chunks.remove(c);
        if !self.firsts.is_empty() {
            self.firsts.remove(c.saturating_sub(1));
        }
        if self.chunks.len() * 4 <= self.chunks.capacity() {
            self.chunks.shrink_to(self.chunks.len() * 2);
            self.firsts.shrink_to(self.firsts.len() * 2);
        }
        chunk
    }

    /// Merges chunk `c` into its smaller neighbour when the two fit in three quarters of a
    /// chunk; returns the index of the chunk that now holds `c`'s entries.
    fn merge_with_a_neighbour(&mut self, c: usize) -> usize {
        let before = c.checked_sub(1).map(|p| (p, self.chunks[p].len()));
        let after = self.chunks.get(c + 1).map(|next| (c + 1, next.len()));
        let neighbour = match (before, after) {
            (Some(b), Some(a)) => Some(if b.1 <= a.1 { b } else { a }),
            (b, a) => b.or(a),
        };
        let Some((n, n_len)) = neighbour else {
            return c;
        };
        if self.chunks[c].len() + n_len > CHUNK * 3 / 4 {
            return c;
        }
        let left = c.min(n);
        let right = self.remove_chunk(left + 1);
        self.chunks[left].reserve_exact(right.len());
        self.chunks[left].extend(right);
        left
    }

    /// Every entry in order.
    pub fn iter(&self) -> Range<'_> {
        self.range(..)
    }

    /// The entries within `bounds`, in order (`.rev()` walks them backwards). Unlike
    /// `BTreeSet::range`, a start above the end is an empty range rather than a panic.
    pub fn range<R: RangeBounds<IndexEntry>>(&self, bounds: R) -> Range<'_> {
        let start = match bounds.start_bound() {
            Bound::Included(low) => self.place_of_first(|e| e < low),
            Bound::Excluded(low) => self.place_of_first(|e| e <= low),
            Bound::Unbounded => (0, 0),
        };
        let end = match bounds.end_bound() {
            Bound::Included(high) => self.place_from(start, |e| e <= high),
            Bound::Excluded(high) => self.place_from(start, |e| e < high),
            Bound::Unbounded => (self.chunks.len(), 0),
        };
        if start >= end {
            return Range::default();
        }
        let ((first, from), (last, to)) = (start, end);
        if first == last {
            return Range {
                front: self.chunks[first][from..to].iter(),
                ..Range::default()
            };
        }
        Range {
            front: self.chunks[first][from..].iter(),
            middle: self.chunks[first + 1..last].iter(),
            back: self.chunks.get(last).map_or(&[][..], |c| &c[..to]).iter(),
        }
    }

    /// `place_of_first`, for an answer expected at or just after `from` (a range's end,
    /// usually a few entries after its start): when it lies in `from`'s chunk, it is found
    /// by galloping from `from` (1, 2, 4... entries ahead) rather than by a second search
    /// of the whole set. An answer before `from` comes back as `from` (an empty range).
    fn place_from(&self, from: Place, below: impl Fn(&IndexEntry) -> bool) -> Place {
        let (c, offset) = from;
        let Some(chunk) = self.chunks.get(c) else {
            return from;
        };
        if self.firsts.get(c).is_some_and(&below) {
            return self.place_of_first(below);
        }
        let rest = &chunk[offset..];
        // Invariant: every entry of `rest[..low]` is below.
        let (mut low, mut step) = (0, 1);
        while step <= rest.len() && below(&rest[step - 1]) {
            low = step;
            step *= 2;
        }
        let at = offset + low + rest[low..step.min(rest.len())].partition_point(&below);
        if at < chunk.len() {
            (c, at)
        } else {
            (c + 1, 0)
        }
    }

    /// The place of the first entry for which `below` is false (`below` holds for a prefix
    /// of the set).
    fn place_of_first(&self, below: impl Fn(&IndexEntry) -> bool) -> Place {
        let c = self.firsts.partition_point(&below);
        match self
            .chunks
            .get(c)
            .map(|chunk| chunk.partition_point(&below))
        {
            Some(at) if at < self.chunks[c].len() => (c, at),
            Some(_) => (c + 1, 0),
            None => (c, 0),
        }
    }
}

/// Inserts `entry` at `at` in a chunk that has fewer than `CHUNK` entries, growing its
/// capacity by doubling, up to `CHUNK`.
fn push_into<const CHUNK: usize>(chunk: &mut Vec<IndexEntry>, at: usize, entry: IndexEntry) {
    if chunk.len() == chunk.capacity() {
        let capacity = (chunk.capacity() * 2).max(MIN_CAPACITY).min(CHUNK);
        chunk.reserve_exact(capacity - chunk.len());
    }
    chunk.insert(at, entry);
}

/// Halves the capacity of a chunk that uses a quarter of it (after removals), so that
/// deleting most documents returns their entries' memory; the halving (rather than a
/// shrink to fit) leaves room, so alternate inserts and removals do not reallocate each time.
fn give_back_capacity(chunk: &mut Vec<IndexEntry>) {
    if chunk.capacity() > MIN_CAPACITY && chunk.len() * 4 <= chunk.capacity() {
        chunk.shrink_to((chunk.len() * 2).max(MIN_CAPACITY));
    }
}

/// A walk over a run of entries, forwards or backwards: the rest of a first chunk, whole
/// chunks, and the start of a last chunk.
#[derive(Debug, Clone, Default)]
pub struct Range<'a> {
    front: std::slice::Iter<'a, IndexEntry>,
    middle: std::slice::Iter<'a, Vec<IndexEntry>>,
    back: std::slice::Iter<'a, IndexEntry>,
}

impl<'a> Iterator for Range<'a> {
    type Item = &'a IndexEntry;

    fn next(&mut self) -> Option<&'a IndexEntry> {
        loop {
            if let Some(entry) = self.front.next() {
                return Some(entry);
            }
            match self.middle.next() {
                Some(chunk) => self.front = chunk.iter(),
                None => return self.back.next(),
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let known = self.front.len() + self.back.len();
        let middle: usize = self.middle.clone().map(Vec::len).sum();
        (known + middle, Some(known + middle))
    }
}

impl DoubleEndedIterator for Range<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(entry) = self.back.next_back() {
                return Some(entry);
            }
            match self.middle.next_back() {
                Some(chunk) => self.back = chunk.iter(),
                None => return self.front.next_back(),
            }
        }
    }
}

impl std::iter::FusedIterator for Range<'_> {}

impl<'a, const CHUNK: usize> IntoIterator for &'a EntrySet<CHUNK> {
    type Item = &'a IndexEntry;
    type IntoIter = Range<'a>;

    fn into_iter(self) -> Range<'a> {
        self.iter()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::ops::Bound::{self, Excluded, Included, Unbounded};

    use bson::Bson;

    use super::*;
    use crate::index::key::KeyPart;

    /// splitmix64: a seeded generator, so that a failing sequence replays.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn entry(key: i64, record: u64) -> IndexEntry {
        IndexEntry::new(vec![KeyPart::new(Bson::Int64(key), false)], record)
    }

    /// An entry from a small universe, so that inserts repeat and removals hit; a few keys
    /// are of other BSON types, ordered across types as MongoDB orders them.
    fn random_entry(rng: &mut Rng) -> IndexEntry {
        let record = rng.below(3);
        let value = match rng.below(10) {
            0 => Bson::String(format!("s{}", rng.below(20))),
            1 => Bson::Double(rng.below(400) as f64 / 2.0),
            2 => Bson::Null,
            _ => Bson::Int32(rng.below(200) as i32),
        };
        IndexEntry::new(vec![KeyPart::new(value, false)], record)
    }

    /// Chunks are sorted, never empty, never above `CHUNK` (in length or capacity), and
    /// `len` counts their entries.
    fn assert_shape<const C: usize>(set: &EntrySet<C>) {
        let mut previous: Option<&IndexEntry> = None;
        for chunk in &set.chunks {
            assert!(
                !chunk.is_empty() && chunk.len() <= C,
                "chunk of {}",
                chunk.len()
            );
            assert!(
                chunk.capacity() <= C.max(MIN_CAPACITY),
                "capacity {}",
                chunk.capacity()
            );
            for e in chunk {
                assert!(previous.is_none_or(|p| p < e), "out of order at {e:?}");
                previous = Some(e);
            }
        }
        assert_eq!(set.len(), set.chunks.iter().map(Vec::len).sum::<usize>());
        let firsts: Vec<&IndexEntry> = set.chunks.iter().skip(1).map(|c| &c[0]).collect();
        assert_eq!(set.firsts.iter().collect::<Vec<_>>(), firsts);
    }

    fn assert_same<const C: usize>(set: &EntrySet<C>, model: &BTreeSet<IndexEntry>) {
        assert_shape(set);
        assert_eq!(set.len(), model.len());
        assert_eq!(set.is_empty(), model.is_empty());
        assert!(set.iter().eq(model.iter()));
        assert!(set.iter().rev().eq(model.iter().rev()));
        assert_eq!(set.iter().size_hint(), (model.len(), Some(model.len())));
    }

    /// `BTreeSet::range` panics on these; `EntrySet::range` is empty.
    fn is_inverted(start: &Bound<IndexEntry>, end: &Bound<IndexEntry>) -> bool {
        match (start, end) {
            (Included(s) | Excluded(s), Included(e)) | (Included(s), Excluded(e)) => s > e,
            (Excluded(s), Excluded(e)) => s >= e,
            _ => false,
        }
    }

    fn assert_same_range<const C: usize>(
        set: &EntrySet<C>,
        model: &BTreeSet<IndexEntry>,
        bounds: (Bound<IndexEntry>, Bound<IndexEntry>),
    ) {
        if is_inverted(&bounds.0, &bounds.1) {
            assert_eq!(set.range(bounds.clone()).next(), None, "{bounds:?}");
            assert_eq!(set.range(bounds.clone()).next_back(), None, "{bounds:?}");
            return;
        }
        let want: Vec<&IndexEntry> = model.range(bounds.clone()).collect();
        let got: Vec<&IndexEntry> = set.range(bounds.clone()).collect();
        assert_eq!(got, want, "forward {bounds:?}");
        let got: Vec<&IndexEntry> = set.range(bounds.clone()).rev().collect();
        let want: Vec<&IndexEntry> = want.into_iter().rev().collect();
        assert_eq!(got, want, "backward {bounds:?}");
        // A walk from both ends at once meets in the middle without losing an entry.
        let mut walk = set.range(bounds.clone());
        let mut met = Vec::new();
        while let Some(front) = walk.next() {
            met.push(front);
            if let Some(back) = walk.next_back() {
                met.push(back);
            }
        }
        met.sort();
        assert_eq!(met.len(), model.range(bounds).count());
    }

    fn random_bound(rng: &mut Rng) -> Bound<IndexEntry> {
        match rng.below(5) {
            0 => Unbounded,
            1 | 2 => Included(random_entry(rng)),
            _ => Excluded(random_entry(rng)),
        }
    }

    /// Ranges from random bounds, bounds on and around every chunk boundary, the scans'
    /// Min..=Max range over a key, and ranges that hold nothing.
    fn assert_ranges<const C: usize>(
        set: &EntrySet<C>,
        model: &BTreeSet<IndexEntry>,
        rng: &mut Rng,
    ) {
        for _ in 0..20 {
            assert_same_range(set, model, (random_bound(rng), random_bound(rng)));
        }
        let boundaries: Vec<(IndexEntry, IndexEntry)> = set
            .chunks
            .windows(2)
            .map(|pair| (pair[0][pair[0].len() - 1].clone(), pair[1][0].clone()))
            .collect();
        for (last, first) in boundaries.into_iter().take(8) {
            for bounds in [
                (Included(last.clone()), Included(first.clone())),
                (Excluded(last.clone()), Excluded(first.clone())),
                (Excluded(last.clone()), Included(first.clone())),
                (Included(last.clone()), Excluded(first.clone())),
                (Included(first.clone()), Unbounded),
                (Unbounded, Excluded(first.clone())),
                (Unbounded, Included(last.clone())),
                (Excluded(last.clone()), Unbounded),
            ] {
                assert_same_range(set, model, bounds);
            }
        }
        let key = rng.below(200) as i32;
        let low = IndexEntry::new(vec![KeyPart::new(Bson::Int32(key), false)], 0);
        let high = IndexEntry::new(vec![KeyPart::new(Bson::Int32(key), false)], u64::MAX);
        assert_same_range(set, model, (Included(low), Included(high)));
        let everything = (
            Included(IndexEntry::new(vec![KeyPart::Min], 0)),
            Included(IndexEntry::new(vec![KeyPart::Max], u64::MAX)),
        );
        assert_same_range(set, model, everything);
        // Between two adjacent values of the universe: nothing.
        let gap = (
            Excluded(IndexEntry::new(
                vec![KeyPart::new(Bson::Int32(7), false)],
                2,
            )),
            Excluded(IndexEntry::new(
                vec![KeyPart::new(Bson::Int32(8), false)],
                0,
            )),
        );
        assert_same_range(set, model, gap);
    }

    fn insert_both<const C: usize>(
        set: &mut EntrySet<C>,
        model: &mut BTreeSet<IndexEntry>,
        e: IndexEntry,
    ) {
        assert_eq!(
            set.insert(e.clone()),
            model.insert(e.clone()),
            "insert {e:?}"
        );
        assert_eq!(set.len(), model.len());
        assert!(set.contains(&e));
    }

    fn remove_both<const C: usize>(
        set: &mut EntrySet<C>,
        model: &mut BTreeSet<IndexEntry>,
        e: &IndexEntry,
    ) {
        assert_eq!(set.remove(e), model.remove(e), "remove {e:?}");
        assert_eq!(set.len(), model.len());
        assert!(!set.contains(e));
    }

    /// Ascending, descending and random inserts with duplicates, random and bulk removals,
    /// each step compared with `BTreeSet`.
    fn matches_btreeset<const C: usize>(seed: u64) {
        let mut rng = Rng(seed);
        let mut set = EntrySet::<C>::new();
        let mut model = BTreeSet::new();
        for round in 0..3 {
            for key in 0..60 {
                insert_both(&mut set, &mut model, entry(key + round * 1000, 0));
            }
            assert_same(&set, &model);
            for key in (0..60).rev() {
                insert_both(&mut set, &mut model, entry(key - round * 1000 - 100, 1));
            }
            assert_same(&set, &model);
            assert_ranges(&set, &model, &mut rng);
            for _ in 0..400 {
                let e = random_entry(&mut rng);
                if rng.below(3) == 0 {
                    remove_both(&mut set, &mut model, &e);
                } else {
                    insert_both(&mut set, &mut model, e);
                }
                if rng.below(50) == 0 {
                    assert_same(&set, &model);
                    assert_ranges(&set, &model, &mut rng);
                }
            }
            assert_same(&set, &model);
            assert_ranges(&set, &model, &mut rng);
            // Remove most entries, in random order.
            let mut present: Vec<IndexEntry> = model.iter().cloned().collect();
            for i in (1..present.len()).rev() {
                present.swap(i, rng.below(i as u64 + 1) as usize);
            }
            for e in present.iter().skip(present.len() / 10) {
                remove_both(&mut set, &mut model, e);
            }
            assert_same(&set, &model);
            assert_ranges(&set, &model, &mut rng);
        }
        for e in model.clone() {
            remove_both(&mut set, &mut model, &e);
        }
        assert_same(&set, &model);
        assert!(set.chunks.is_empty());
        assert_same_range(&set, &model, (Unbounded, Unbounded));
    }

    #[test]
    fn behaves_as_a_btreeset_with_tiny_chunks() {
        for seed in 0..8 {
            matches_btreeset::<2>(seed);
            matches_btreeset::<3>(seed);
            matches_btreeset::<4>(seed);
            matches_btreeset::<7>(seed);
            matches_btreeset::<16>(seed);
        }
        // Chunks long enough for a range's end to be galloped to within its start's chunk.
        for seed in 0..4 {
            matches_btreeset::<64>(seed);
        }
    }

    #[test]
    fn behaves_as_a_btreeset_with_the_default_chunk() {
        matches_btreeset::<DEFAULT_CHUNK>(42);
    }

    fn slots<const C: usize>(set: &EntrySet<C>) -> usize {
        set.chunks.iter().map(Vec::capacity).sum()
    }

    #[test]
    fn ascending_and_descending_inserts_fill_chunks_completely() {
        const N: i64 = 100_000;
        let mut ascending = EntrySet::<DEFAULT_CHUNK>::new();
        let mut descending = EntrySet::<DEFAULT_CHUNK>::new();
        for key in 0..N {
            ascending.insert(entry(key, key as u64));
            // A descending index sees ascending values as descending entries.
            descending.insert(IndexEntry::new(
                vec![KeyPart::new(Bson::Int64(key), true)],
                key as u64,
            ));
        }
        for set in [&ascending, &descending] {
            assert_shape(set);
            let full = set
                .chunks
                .iter()
                .filter(|c| c.len() == DEFAULT_CHUNK && c.capacity() == DEFAULT_CHUNK)
                .count();
            // All but the chunk that was filling when the inserts stopped.
            assert_eq!(full, set.chunks.len() - 1);
            assert!(slots(set) < N as usize + DEFAULT_CHUNK);
            // 24 bytes an entry, and a few bytes a chunk for the directory.
            assert!(
                set.allocated_bytes() < N as usize * 25,
                "{}",
                set.allocated_bytes()
            );
        }
    }

    #[test]
    fn a_small_index_does_not_hold_a_whole_chunk() {
        let mut set = EntrySet::<DEFAULT_CHUNK>::new();
        assert_eq!(set.allocated_bytes(), 0);
        for key in 0..10 {
            set.insert(entry(key, 0));
        }
        assert_eq!(slots(&set), 16);
    }

    /// A chunk emptied between two full ones cannot merge: its capacity shrinks instead.
    #[test]
    fn a_chunk_that_cannot_merge_gives_its_capacity_back() {
        const CHUNKS: i64 = 20;
        let mut set = EntrySet::<DEFAULT_CHUNK>::new();
        for key in 0..CHUNKS * DEFAULT_CHUNK as i64 {
            set.insert(entry(key, 0));
        }
        // Leave one entry in every other chunk.
        for key in 0..CHUNKS * DEFAULT_CHUNK as i64 {
            let (chunk, offset) = (key / DEFAULT_CHUNK as i64, key % DEFAULT_CHUNK as i64);
            if chunk % 2 == 1 && offset != 0 {
                assert!(set.remove(&entry(key, 0)));
            }
        }
        assert_shape(&set);
        assert_eq!(set.chunks.len(), CHUNKS as usize);
        let half = CHUNKS as usize / 2;
        assert_eq!(slots(&set), half * DEFAULT_CHUNK + half * MIN_CAPACITY);
    }

    #[test]
    fn removing_most_entries_gives_memory_back() {
        const N: i64 = 100_000;
        let mut set = EntrySet::<DEFAULT_CHUNK>::new();
        let mut rng = Rng(7);
        let mut keys: Vec<i64> = (0..N).collect();
        for i in (1..keys.len()).rev() {
            keys.swap(i, rng.below(i as u64 + 1) as usize);
        }
        for &key in &keys {
            set.insert(entry(key, 0));
        }
        let full = set.allocated_bytes();
        // Keep one entry in twenty, removed in random order.
        for &key in keys.iter().filter(|&&k| k % 20 != 0) {
            assert!(set.remove(&entry(key, 0)));
        }
        assert_shape(&set);
        assert_eq!(set.len(), N as usize / 20);
        // A chunk holds at most four times its entries' slots once removals shrink it.
        assert!(slots(&set) <= 4 * set.len(), "{} slots", slots(&set));
        assert!(
            set.allocated_bytes() < full / 4,
            "{} of {full}",
            set.allocated_bytes()
        );
        for key in (0..N).step_by(20) {
            assert!(set.remove(&entry(key, 0)));
        }
        assert_eq!(set.allocated_bytes(), 0);
    }
}
