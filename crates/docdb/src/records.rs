//! The record store: a collection's documents as raw BSON, back to back in one buffer.
//!
//! This is the only stored form of a document. A decoded `bson::Document` costs about 2 KB for
//! a 100-byte document (an ordered map with a heap `String` per field name and a full `Bson`
//! slot per value), scattered over the heap; the raw bytes cost their own size. So every
//! document's BSON sits in one buffer in record order, with a table of `(record id, offset)`
//! slots sorted by record id (a document's length is its own first four bytes). Readers take
//! the bytes (`get`, `iter`), which scans whose filter reads only top-level fields walk
//! without decoding (`exec.rs`, `commands/group_input.rs`), or a decoded copy (`document`,
//! `documents`) when a command needs a `Document`.
//!
//! Record ids only grow (the store hands them out), so an update keeps its document's place and
//! iteration is insertion order: MongoDB's natural order. A replaced document is appended and
//! its old bytes become dead; a removed one leaves a dead slot. Both are reclaimed by one
//! rewrite once dead bytes outnumber live ones, so the buffer stays within about twice the data.

use bson::{Bson, Document, RawDocument};

use crate::error::{CommandError, Result, codes};

/// Marks a removed record's slot until the next compaction.
const DEAD: u64 = u64::MAX;

/// One record: its id and where its BSON starts in the buffer (`DEAD` once removed).
#[derive(Debug, Clone, Copy)]
struct Slot {
    record: u64,
    offset: u64,
}

/// Every document of one collection, by record id.
#[derive(Debug)]
pub struct Records {
    bytes: Vec<u8>,
    /// Sorted by record id; removed records stay (as `DEAD`) until compaction.
    slots: Vec<Slot>,
    live: usize,
    live_bytes: usize,
    dead_bytes: usize,
    next_record: u64,
}

impl Default for Records {
    fn default() -> Self {
        Records {
            bytes: Vec::new(),
            slots: Vec::new(),
            live: 0,
            live_bytes: 0,
            dead_bytes: 0,
            next_record: 1,
        }
    }
}

impl Records {
    /// How many documents are stored.
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    /// The total BSON size of the stored documents.
    pub fn data_bytes(&self) -> usize {
        self.live_bytes
    }

    /// Bytes held (buffer and slot table), for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.slots.capacity() * std::mem::size_of::<Slot>()
    }

    /// The record id the next `insert` will use.
    pub fn next_record(&self) -> u64 {
        self.next_record
    }

    /// The BSON of the document at `offset` (its length is its first four bytes).
    fn raw_at(&self, offset: u64) -> Option<&RawDocument> {
        let start = usize::try_from(offset).ok()?;
        let len = self.len_at(start)?;
        RawDocument::from_bytes(self.bytes.get(start..start + len)?).ok()
    }

    fn len_at(&self, start: usize) -> Option<usize> {
        let header = self.bytes.get(start..start + 4)?;
        usize::try_from(i32::from_le_bytes(header.try_into().ok()?)).ok()
    }

    fn slot_of(&self, record: u64) -> Option<usize> {
        self.slots
            .binary_search_by_key(&record, |s| s.record)
            .ok()
            .filter(|at| self.slots[*at].offset != DEAD)
    }

    /// The BSON of `record`.
    pub fn get(&self, record: u64) -> Option<&RawDocument> {
        let at = self.slot_of(record)?;
        self.raw_at(self.slots[at].offset)
    }

    /// True when `record` is stored.
    pub fn contains(&self, record: u64) -> bool {
        self.slot_of(record).is_some()
    }

    /// The document of `record`, decoded.
    pub fn document(&self, record: u64) -> Option<Document> {
        self.get(record).and_then(decode)
    }

    /// As [`Records::get`], for records asked in ascending order (a forward scan's selection):
    /// `cursor` remembers where the last one was, so each lookup steps forward from there
    /// instead of searching the whole slot table (profiled: the search per grouped document
    /// was a tenth of a `$match` + `$group`). A record behind the cursor is searched for.
    pub fn get_after(&self, record: u64, cursor: &mut usize) -> Option<&RawDocument> {
        let from = (*cursor).min(self.slots.len());
        let at = if self.slots.get(from).is_some_and(|s| s.record <= record) {
            // Gallop: a short step usually lands on it; a long gap is bisected.
            let mut step = 1;
            let mut low = from;
            while low + step < self.slots.len() && self.slots[low + step].record <= record {
                low += step;
                step *= 2;
            }
            let high = (low + step).min(self.slots.len());
            low + self.slots[low..high].partition_point(|s| s.record < record)
        } else {
            self.slots.partition_point(|s| s.record < record)
        };
        *cursor = at;
        let s = *self.slots.get(at)?;
        if s.record != record || s.offset == DEAD {
            return None;
        }
        self.raw_at(s.offset)
    }

    /// Every record with its BSON, in record order (reversible).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (u64, &RawDocument)> + '_ {
        self.iter_slots(&self.slots)
    }

    /// The records after `record` (exclusive), in record order.
    pub fn iter_after(&self, record: u64) -> impl DoubleEndedIterator<Item = (u64, &RawDocument)> {
        let from = self.slots.partition_point(|s| s.record <= record);
        self.iter_slots(&self.slots[from..])
    }

    fn iter_slots<'a>(
        &'a self,
        slots: &'a [Slot],
    ) -> impl DoubleEndedIterator<Item = (u64, &'a RawDocument)> + 'a {
        slots
            .iter()
            .filter(|s| s.offset != DEAD)
            .filter_map(|s| self.raw_at(s.offset).map(|d| (s.record, d)))
    }

    /// Every record with its document decoded, in record order (reversible).
    pub fn documents(&self) -> impl DoubleEndedIterator<Item = (u64, Document)> + '_ {
        self.iter()
            .filter_map(|(record, raw)| decode(raw).map(|d| (record, d)))
    }

    /// The stored record ids, in order.
    pub fn ids(&self) -> impl DoubleEndedIterator<Item = u64> + '_ {
        self.slots
            .iter()
            .filter(|s| s.offset != DEAD)
            .map(|s| s.record)
    }

    /// The oldest stored record.
    pub fn first(&self) -> Option<u64> {
        self.ids().next()
    }

    /// Appends `doc`'s BSON; returns its offset and length.
    fn append(&mut self, doc: &Document) -> Result<(u64, usize)> {
        let offset = self.bytes.len();
        match doc.to_writer(&mut self.bytes) {
            Ok(()) => Ok((offset as u64, self.bytes.len() - offset)),
            Err(e) => {
                self.bytes.truncate(offset);
                Err(CommandError::bad_value(format!(
                    "the document cannot be stored as BSON: {e}"
                )))
            }
        }
    }

    /// Stores a new document; returns its record id.
    pub fn insert(&mut self, doc: &Document) -> Result<u64> {
        let (offset, len) = self.append(doc)?;
        let record = self.next_record;
        self.next_record += 1;
        self.slots.push(Slot { record, offset });
        self.live += 1;
        self.live_bytes += len;
        Ok(record)
    }

    /// Replaces the document of `record`, keeping its place.
    pub fn replace(&mut self, record: u64, doc: &Document) -> Result<()> {
        let Some(at) = self.slot_of(record) else {
            return Err(vanished(record));
        };
        let old_len = self.stored_len(at);
        let (offset, len) = self.append(doc)?;
        self.slots[at].offset = offset;
        self.live_bytes = self.live_bytes + len - old_len;
        self.dead_bytes += old_len;
        self.compact_if_sparse();
        Ok(())
    }

    /// Removes `record`; returns its document.
    pub fn remove(&mut self, record: u64) -> Option<Document> {
        let at = self.slot_of(record)?;
        let doc = self.raw_at(self.slots[at].offset).and_then(decode);
        let len = self.stored_len(at);
        self.slots[at].offset = DEAD;
        self.live -= 1;
        self.live_bytes -= len;
        self.dead_bytes += len;
        self.compact_if_sparse();
        doc
    }

    fn stored_len(&self, at: usize) -> usize {
        usize::try_from(self.slots[at].offset)
            .ok()
            .and_then(|start| self.len_at(start))
            .unwrap_or(0)
    }

    /// Rewrites the buffer and the slot table without dead entries once dead bytes are the
    /// majority (so the work is paid for by the writes that made them).
    fn compact_if_sparse(&mut self) {
        if self.dead_bytes < 4096 || self.dead_bytes < self.live_bytes {
            return;
        }
        let mut bytes = Vec::with_capacity(self.live_bytes);
        let mut slots = Vec::with_capacity(self.live);
        for s in self.slots.iter().filter(|s| s.offset != DEAD) {
            let Some(raw) = self.raw_at(s.offset) else {
                continue;
            };
            let offset = bytes.len() as u64;
            bytes.extend_from_slice(raw.as_bytes());
            slots.push(Slot {
                record: s.record,
                offset,
            });
        }
        self.bytes = bytes;
        self.slots = slots;
        self.dead_bytes = 0;
    }
}

/// A stored document decoded. The bytes were encoded by `insert`/`replace`, so this does not
/// fail in practice; a record that could not be read would be skipped as if deleted.
pub fn decode(raw: &RawDocument) -> Option<Document> {
    Document::try_from(raw).ok()
}

fn vanished(record: u64) -> CommandError {
    CommandError::new(
        codes::INTERNAL_ERROR,
        format!("record {record} vanished during an update"),
    )
}

/// The values of `fields` (top-level names) in `doc`, `None` for a missing one. Returns false
/// when the bytes cannot be read (the caller then decodes the whole document).
///
/// The walk compares field names as bytes and skips the values it does not need by their
/// encoded size, so a field that is not asked for costs a few byte reads; the common scalar
/// kinds are decoded here, the rest through the `bson` crate.
pub fn top_level_values(doc: &RawDocument, fields: &[&str], out: &mut Vec<Option<Bson>>) -> bool {
    out.clear();
    out.resize(fields.len(), None);
    let bytes = doc.as_bytes();
    let mut at = 4;
    let mut found = 0;
    while found < fields.len() {
        let Some(&kind) = bytes.get(at) else {
            return false;
        };
        if kind == 0 {
            return true;
        }
        let key_start = at + 1;
        let Some(key_len) = bytes[key_start..].iter().position(|b| *b == 0) else {
            return false;
        };
        let key = &bytes[key_start..key_start + key_len];
        let value_at = key_start + key_len + 1;
        let Some(size) = value_size(kind, bytes, value_at) else {
            return false;
        };
        if let Some(i) = fields.iter().position(|f| same_name(f.as_bytes(), key))
            && out[i].is_none()
        {
            let Some(value) = decode_value(kind, &bytes[value_at..value_at + size], doc, key)
            else {
                return false;
            };
            out[i] = Some(value);
            found += 1;
        }
        at = value_at + size;
    }
    true
}

/// Field-name equality, with the length and first byte compared before the bytes: most names
/// a walk meets differ in one of those, and a slice comparison alone is a `memcmp` call per
/// name (profiled: a tenth of a `$match` + `$group` scan).
#[inline]
fn same_name(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.first() == b.first() && a == b
}

fn read_i32(bytes: &[u8], at: usize) -> Option<i32> {
    Some(i32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The encoded size of a value of BSON type `kind` starting at `at`.
fn value_size(kind: u8, bytes: &[u8], at: usize) -> Option<usize> {
    let len_prefixed = |extra: usize| -> Option<usize> {
        let n = usize::try_from(read_i32(bytes, at)?).ok()?;
        Some(4 + n + extra)
    };
    let size = match kind {
        0x01 | 0x09 | 0x11 | 0x12 => 8,
        0x02 | 0x0D | 0x0E => len_prefixed(0)?,
        0x03 | 0x04 | 0x0F => usize::try_from(read_i32(bytes, at)?).ok()?,
        0x05 => len_prefixed(1)?,
        0x06 | 0x0A | 0xFF | 0x7F => 0,
        0x07 => 12,
        0x08 => 1,
        0x0B => {
            let first = bytes.get(at..)?.iter().position(|b| *b == 0)? + 1;
            let second = bytes.get(at + first..)?.iter().position(|b| *b == 0)? + 1;
            first + second
        }
        0x0C => len_prefixed(12)?,
        0x10 => 4,
        0x13 => 16,
        _ => return None,
    };
    (at + size <= bytes.len()).then_some(size)
}

/// One value: the common scalars directly, anything else through the `bson` crate.
fn decode_value(kind: u8, value: &[u8], doc: &RawDocument, key: &[u8]) -> Option<Bson> {
    Some(match kind {
        0x01 => Bson::Double(f64::from_le_bytes(value.try_into().ok()?)),
        0x10 => Bson::Int32(i32::from_le_bytes(value.try_into().ok()?)),
        0x12 => Bson::Int64(i64::from_le_bytes(value.try_into().ok()?)),
        0x08 => Bson::Boolean(*value.first()? != 0),
        0x0A => Bson::Null,
        0x02 => {
            // int32 length (with the trailing NUL), the text, NUL.
            let text = value.get(4..value.len().checked_sub(1)?)?;
            Bson::String(std::str::from_utf8(text).ok()?.to_string())
        }
        _ => {
            let key = std::str::from_utf8(key).ok()?;
            Bson::try_from(doc.get(key).ok()??).ok()?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    fn all(r: &Records) -> Vec<(u64, Document)> {
        r.documents().collect()
    }

    #[test]
    fn follows_inserts_replaces_and_removes_in_record_order() {
        let mut r = Records::default();
        let a = r.insert(&doc! {"a": 1}).unwrap();
        let b = r.insert(&doc! {"a": 2}).unwrap();
        let c = r.insert(&doc! {"a": 3}).unwrap();
        assert!(a < b && b < c);
        r.replace(a, &doc! {"a": 10, "more": "bytes"}).unwrap();
        assert_eq!(r.remove(b), Some(doc! {"a": 2}));
        assert_eq!(r.len(), 2);
        assert_eq!(
            all(&r),
            vec![(a, doc! {"a": 10, "more": "bytes"}), (c, doc! {"a": 3})]
        );
        assert_eq!(r.document(c), Some(doc! {"a": 3}));
        assert!(r.get(b).is_none() && !r.contains(b));
        assert_eq!(r.ids().rev().collect::<Vec<_>>(), vec![c, a]);
        assert_eq!(
            r.iter_after(a).map(|(id, _)| id).collect::<Vec<_>>(),
            vec![c]
        );
        assert_eq!(r.first(), Some(a));
        let sizes = doc! {"a": 10, "more": "bytes"}.to_vec().unwrap().len()
            + doc! {"a": 3}.to_vec().unwrap().len();
        assert_eq!(r.data_bytes(), sizes);
    }

    #[test]
    fn record_ids_are_not_reused_after_a_remove() {
        let mut r = Records::default();
        let a = r.insert(&doc! {"a": 1}).unwrap();
        r.remove(a);
        let b = r.insert(&doc! {"a": 2}).unwrap();
        assert!(b > a);
        assert_eq!(r.next_record(), b + 1);
    }

    /// `get_after` finds what `get` finds, for records asked in order, with gaps, repeated,
    /// removed, missing, past the end, and out of order.
    #[test]
    fn a_lookup_from_a_cursor_agrees_with_a_search() {
        let mut r = Records::default();
        for i in 1..=400 {
            r.insert(&doc! {"r": i as i64}).unwrap();
        }
        for i in (1..=400).step_by(2) {
            r.remove(i);
        }
        r.remove(10);
        let mut cursor = 0;
        let mut asked: Vec<u64> = vec![1, 2, 2, 3, 4, 10, 12, 200, 202, 399, 400, 401, 6, 8];
        asked.extend(0..=402);
        for id in asked {
            let want = r.document(id);
            let got = r.get_after(id, &mut cursor).and_then(decode);
            assert_eq!(got, want, "record {id}");
        }
    }

    #[test]
    fn compaction_keeps_the_live_documents_and_drops_dead_slots() {
        let mut r = Records::default();
        let big = "x".repeat(1000);
        for i in 1..=20 {
            r.insert(&doc! {"r": i as i64, "pad": big.clone()}).unwrap();
        }
        for i in 1..=15 {
            r.remove(i);
        }
        assert!(r.bytes.len() < 10 * 1100, "dead bytes were reclaimed");
        assert!(r.slots.len() < 20, "dead slots were dropped");
        let left: Vec<u64> = r.ids().collect();
        assert_eq!(left, vec![16, 17, 18, 19, 20]);
        for _ in 0..10 {
            r.replace(16, &doc! {"r": 16_i64, "pad": big.clone()})
                .unwrap();
        }
        assert!(r.bytes.len() < 12 * 1100, "replaced bytes were reclaimed");
        assert_eq!(r.document(20).unwrap().get_i64("r").unwrap(), 20);
    }

    #[test]
    fn replacing_a_missing_record_is_an_error() {
        let mut r = Records::default();
        assert_eq!(
            r.replace(7, &doc! {"a": 1}).unwrap_err().code,
            codes::INTERNAL_ERROR
        );
    }

    #[test]
    fn every_value_kind_is_skipped_or_decoded_as_the_bson_crate_does() {
        let d = doc! {
            "re": Bson::RegularExpression(bson::Regex {
                pattern: "a.c".to_string().try_into().unwrap(),
                options: "i".to_string().try_into().unwrap(),
            }),
            "bin": bson::Binary { subtype: bson::spec::BinarySubtype::Generic, bytes: vec![1, 2] },
            "oid": bson::oid::ObjectId::new(),
            "when": bson::DateTime::from_millis(5),
            "ts": bson::Timestamp { time: 1, increment: 2 },
            "dec": "1.5".parse::<bson::Decimal128>().unwrap(),
            "sub": {"x": 1},
            "min": Bson::MinKey,
            "i": 1, "l": 2_i64, "f": 2.5, "b": true, "n": null, "s": "text",
        };
        let mut r = Records::default();
        let id = r.insert(&d).unwrap();
        let raw = r.get(id).unwrap();
        let mut names: Vec<&str> = d.keys().map(String::as_str).collect();
        names.reverse();
        let mut out = Vec::new();
        assert!(top_level_values(raw, &names, &mut out));
        let expected: Vec<Option<Bson>> = names.iter().map(|n| d.get(n).cloned()).collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn reads_requested_top_level_fields() {
        let mut r = Records::default();
        let id = r.insert(&doc! {"a": 1, "b": "x", "c": [1, 2]}).unwrap();
        let raw = r.get(id).unwrap();
        let mut out = Vec::new();
        assert!(top_level_values(raw, &["c", "z", "b"], &mut out));
        assert_eq!(
            out,
            vec![
                Some(Bson::Array(vec![1.into(), 2.into()])),
                None,
                Some(Bson::String("x".into()))
            ]
        );
    }
}
