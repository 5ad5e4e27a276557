//! A packed copy of a collection's documents, as raw BSON in one buffer, for scans.
//!
//! Stored documents are `bson::Document`s: every field name and string value is its own heap
//! allocation and every value takes a full `Bson` slot, about 2 KB for a 100-byte document,
//! scattered over the heap. A scan that reads one or two fields of each document then spends
//! most of its time waiting for memory (profiled: more than half of a `$match` + `$group` in
//! `memcmp` on field names that missed the cache). This module keeps, beside the documents,
//! every document's BSON bytes back to back in record order: a scan that only needs top-level
//! fields walks one dense buffer (about the size of the data itself), reads the fields it
//! needs and leaves the `Document`s alone.
//!
//! It is kept in step by `Collection::insert`, `replace` and `remove` (the only writers of the
//! records). Replaced and removed documents leave dead bytes, reclaimed when they outnumber
//! the live ones. When a record would arrive out of order, or a document cannot be encoded,
//! the copy switches itself off and scans use the documents as before.

use bson::{Bson, Document, RawDocument};

/// One record's place in the buffer; `len == 0` marks a removed record.
#[derive(Debug, Clone, Copy)]
struct Span {
    record: u64,
    offset: usize,
    len: usize,
}

#[derive(Debug, Default)]
pub struct Packed {
    bytes: Vec<u8>,
    /// Sorted by record id.
    spans: Vec<Span>,
    live: usize,
    dead_bytes: usize,
    /// False once the copy could not be kept exact.
    disabled: bool,
}

impl Packed {
    /// True when the copy holds exactly the collection's `records` documents.
    pub fn usable(&self, records: usize) -> bool {
        !self.disabled && self.live == records
    }

    fn disable(&mut self) {
        self.disabled = true;
        self.bytes = Vec::new();
        self.spans = Vec::new();
        self.live = 0;
        self.dead_bytes = 0;
    }

    fn append(&mut self, doc: &Document) -> Option<(usize, usize)> {
        let offset = self.bytes.len();
        match doc.to_writer(&mut self.bytes) {
            Ok(()) => Some((offset, self.bytes.len() - offset)),
            Err(_) => {
                self.bytes.truncate(offset);
                None
            }
        }
    }

    /// A new record (record ids only grow).
    pub fn insert(&mut self, record: u64, doc: &Document) {
        if self.disabled {
            return;
        }
        if self.spans.last().is_some_and(|s| s.record >= record) {
            self.disable();
            return;
        }
        match self.append(doc) {
            Some((offset, len)) => {
                self.spans.push(Span {
                    record,
                    offset,
                    len,
                });
                self.live += 1;
            }
            None => self.disable(),
        }
    }

    /// The document of `record` changed.
    pub fn replace(&mut self, record: u64, doc: &Document) {
        if self.disabled {
            return;
        }
        let Ok(at) = self.spans.binary_search_by_key(&record, |s| s.record) else {
            self.disable();
            return;
        };
        match self.append(doc) {
            Some((offset, len)) => {
                self.dead_bytes += self.spans[at].len;
                self.spans[at].offset = offset;
                self.spans[at].len = len;
                self.compact_if_sparse();
            }
            None => self.disable(),
        }
    }

    /// `record` was removed.
    pub fn remove(&mut self, record: u64) {
        if self.disabled {
            return;
        }
        if let Ok(at) = self.spans.binary_search_by_key(&record, |s| s.record)
            && self.spans[at].len > 0
        {
            self.dead_bytes += self.spans[at].len;
            self.spans[at].len = 0;
            self.live -= 1;
            self.compact_if_sparse();
        }
    }

    /// Rewrites the buffer without dead bytes once they are the majority.
    fn compact_if_sparse(&mut self) {
        if self.dead_bytes < 4096 || self.dead_bytes < self.bytes.len() / 2 {
            return;
        }
        let mut bytes = Vec::with_capacity(self.bytes.len() - self.dead_bytes);
        let mut spans = Vec::with_capacity(self.live);
        for s in self.spans.iter().filter(|s| s.len > 0) {
            let offset = bytes.len();
            bytes.extend_from_slice(&self.bytes[s.offset..s.offset + s.len]);
            spans.push(Span {
                record: s.record,
                offset,
                len: s.len,
            });
        }
        self.bytes = bytes;
        self.spans = spans;
        self.dead_bytes = 0;
    }

    /// The live records with their BSON, in record order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &RawDocument)> + '_ {
        self.spans.iter().filter(|s| s.len > 0).filter_map(|s| {
            RawDocument::from_bytes(&self.bytes[s.offset..s.offset + s.len])
                .ok()
                .map(|d| (s.record, d))
        })
    }

    /// The BSON of one record.
    pub fn get(&self, record: u64) -> Option<&RawDocument> {
        let at = self
            .spans
            .binary_search_by_key(&record, |s| s.record)
            .ok()?;
        let s = self.spans[at];
        if s.len == 0 {
            return None;
        }
        RawDocument::from_bytes(&self.bytes[s.offset..s.offset + s.len]).ok()
    }

    /// As [`Packed::get`], for records asked in ascending order (a forward scan's selection):
    /// `cursor` remembers where the last one was, so each lookup steps forward from there
    /// instead of searching the whole span list (profiled: the search per grouped document
    /// was a tenth of a `$match` + `$group`). A record behind the cursor is searched for.
    pub fn get_after(&self, record: u64, cursor: &mut usize) -> Option<&RawDocument> {
        let from = (*cursor).min(self.spans.len());
        let at = if self.spans.get(from).is_some_and(|s| s.record <= record) {
            // Gallop: a short step usually lands on it; a long gap is bisected.
            let mut step = 1;
            let mut low = from;
            while low + step < self.spans.len() && self.spans[low + step].record <= record {
                low += step;
                step *= 2;
            }
            let high = (low + step).min(self.spans.len());
            low + self.spans[low..high].partition_point(|s| s.record < record)
        } else {
            self.spans.partition_point(|s| s.record < record)
        };
        *cursor = at;
        let s = *self.spans.get(at)?;
        if s.record != record || s.len == 0 {
            return None;
        }
        RawDocument::from_bytes(&self.bytes[s.offset..s.offset + s.len]).ok()
    }

    /// Bytes held (for memory accounting).
    pub fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.spans.capacity() * std::mem::size_of::<Span>()
    }
}

/// The values of `fields` (top-level names) in `doc`, `None` for a missing one. Returns false
/// when the bytes cannot be read (the caller then uses the stored `Document`).
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
        if let Some(i) = fields.iter().position(|f| f.as_bytes() == key)
            && out[i].is_none()
        {
            let Some(value) = decode(kind, &bytes[value_at..value_at + size], doc, key) else {
                return false;
            };
            out[i] = Some(value);
            found += 1;
        }
        at = value_at + size;
    }
    true
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
fn decode(kind: u8, value: &[u8], doc: &RawDocument, key: &[u8]) -> Option<Bson> {
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

    fn records(p: &Packed) -> Vec<(u64, Document)> {
        p.iter()
            .map(|(r, d)| (r, Document::try_from(d).unwrap()))
            .collect()
    }

    #[test]
    fn follows_inserts_replaces_and_removes_in_record_order() {
        let mut p = Packed::default();
        p.insert(1, &doc! {"a": 1});
        p.insert(2, &doc! {"a": 2});
        p.insert(3, &doc! {"a": 3});
        p.replace(1, &doc! {"a": 10});
        p.remove(2);
        assert!(p.usable(2));
        assert_eq!(records(&p), vec![(1, doc! {"a": 10}), (3, doc! {"a": 3})]);
        assert_eq!(
            Document::try_from(p.get(3).unwrap()).unwrap(),
            doc! {"a": 3}
        );
        assert!(p.get(2).is_none());
    }

    /// `get_after` finds what `get` finds, for records asked in order, with gaps, repeated,
    /// removed, missing, past the end, and out of order.
    #[test]
    fn a_lookup_from_a_cursor_agrees_with_a_search() {
        let mut p = Packed::default();
        for r in (2..=400).step_by(2) {
            p.insert(r, &doc! {"r": r as i64});
        }
        p.remove(10);
        let mut cursor = 0;
        let mut asked: Vec<u64> = vec![1, 2, 2, 3, 4, 10, 12, 200, 202, 399, 400, 401, 6, 8];
        asked.extend(0..=402);
        for r in asked {
            let want = p.get(r).map(|d| Document::try_from(d).unwrap());
            let got = p
                .get_after(r, &mut cursor)
                .map(|d| Document::try_from(d).unwrap());
            assert_eq!(got, want, "record {r}");
        }
    }

    #[test]
    fn compaction_keeps_the_live_documents() {
        let mut p = Packed::default();
        let big = "x".repeat(1000);
        for r in 1..=20 {
            p.insert(r, &doc! {"r": r as i64, "pad": big.clone()});
        }
        for r in 1..=15 {
            p.remove(r);
        }
        assert!(p.bytes.len() < 10 * 1100, "dead bytes were reclaimed");
        let left: Vec<u64> = p.iter().map(|(r, _)| r).collect();
        assert_eq!(left, vec![16, 17, 18, 19, 20]);
    }

    #[test]
    fn an_out_of_order_record_switches_the_copy_off() {
        let mut p = Packed::default();
        p.insert(5, &doc! {"a": 1});
        p.insert(3, &doc! {"a": 2});
        assert!(!p.usable(2));
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
        let mut p = Packed::default();
        p.insert(1, &d);
        let raw = p.get(1).unwrap();
        let mut names: Vec<&str> = d.keys().map(String::as_str).collect();
        names.reverse();
        let mut out = Vec::new();
        assert!(top_level_values(raw, &names, &mut out));
        let expected: Vec<Option<Bson>> = names.iter().map(|n| d.get(n).cloned()).collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn reads_requested_top_level_fields() {
        let mut p = Packed::default();
        p.insert(1, &doc! {"a": 1, "b": "x", "c": [1, 2]});
        let raw = p.get(1).unwrap();
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
