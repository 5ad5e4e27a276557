//! Server-side cursors: the rest of a result, handed out batch by batch.
//!
//! A cursor's remainder is either documents already produced (aggregation
//! output, listings) or, for finds, the selected rows (record ids with their
//! positional index and text score) plus the projection: those documents are
//! read from the collection only when a batch needs them, so a find over a
//! large collection does not copy every matching document up front. A row
//! whose document was deleted meanwhile is skipped; an updated one is
//! returned as it is now, much like MongoDB's non-snapshot cursors.
//! Batches stop at the requested size or at 16 MiB, as MongoDB's do.
//!
//! `getMore` takes the cursor out of the table, fills a batch under the
//! catalog's read lock, and puts it back: the two locks are never nested.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use bson::{Bson, Document, doc};
use docdb_query::projection::Projection;

use crate::catalog::Catalog;
use crate::commands::write_util::bson_size;
use crate::error::{CommandError, Result, codes};
use crate::exec::Row;

/// MongoDB's default first batch for find/aggregate.
pub const DEFAULT_FIRST_BATCH: usize = 101;
/// Batches are cut at 16 MiB of documents.
pub const MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;
/// Idle cursors are dropped after this long (MongoDB's default is 10 minutes).
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// Selected rows of one collection, read lazily.
#[derive(Debug, Clone)]
pub struct RowSource {
    pub db: String,
    pub coll: String,
    pub rows: VecDeque<Row>,
    pub projection: Option<Projection>,
}

/// What a cursor still has to hand out.
#[derive(Debug, Clone)]
pub enum Pending {
    Docs(VecDeque<Document>),
    Rows(RowSource),
    /// A tailable cursor on a capped collection (never empty: see `tailable.rs`).
    Tail(crate::tailable::Tail),
}

impl Pending {
    pub fn is_empty(&self) -> bool {
        match self {
            Pending::Docs(d) => d.is_empty(),
            Pending::Rows(r) => r.rows.is_empty(),
            Pending::Tail(t) => t.is_done(),
        }
    }

    /// Takes up to `limit` documents (and at most 16 MiB) from the front.
    /// `cat` is needed for row sources only.
    pub fn next_batch(&mut self, limit: Option<usize>, cat: Option<&Catalog>) -> Result<Vec<Bson>> {
        if let Pending::Tail(tail) = self {
            return tail.next_batch(limit, cat);
        }
        let mut out = Vec::new();
        let mut bytes = 0usize;
        loop {
            if limit.is_some_and(|l| out.len() >= l) {
                break;
            }
            let doc = match self {
                Pending::Docs(docs) => match docs.front() {
                    None => break,
                    Some(front) => {
                        if !out.is_empty() && bytes + bson_size(front) > MAX_BATCH_BYTES {
                            break;
                        }
                        match docs.pop_front() {
                            Some(d) => d,
                            None => break,
                        }
                    }
                },
                Pending::Tail(_) => break,
                Pending::Rows(src) => {
                    let Some(row) = src.rows.front().copied() else {
                        break;
                    };
                    let stored = cat
                        .and_then(|c| c.get(&src.db, &src.coll))
                        .and_then(|c| c.records.document(row.record));
                    let Some(stored) = stored else {
                        // Deleted since the cursor was opened.
                        src.rows.pop_front();
                        continue;
                    };
                    let doc = match &src.projection {
                        Some(p) => p.apply(&stored, row.positional, row.score)?,
                        None => stored,
                    };
                    if !out.is_empty() && bytes + bson_size(&doc) > MAX_BATCH_BYTES {
                        break;
                    }
                    src.rows.pop_front();
                    doc
                }
            };
            bytes += bson_size(&doc);
            out.push(Bson::Document(doc));
        }
        Ok(out)
    }
}

struct Cursor {
    ns: String,
    pending: Pending,
    last_used: Instant,
}

/// What `$currentOp` shows of a cursor besides its namespace: mongod's `GenericCursor`
/// fields, noted by the engine from the replies of the command that opened it and of each
/// getMore (`Engine::note_cursor_reply`).
#[derive(Debug, Clone)]
pub struct CursorInfo {
    pub created: bson::DateTime,
    pub last_access: bson::DateTime,
    pub docs_returned: i64,
    pub batches_returned: i64,
    pub no_cursor_timeout: bool,
    pub tailable: bool,
    pub await_data: bool,
    pub originating_command: Document,
    pub lsid: Option<Bson>,
    pub plan_summary: Option<String>,
}

/// All open cursors.
pub struct Cursors {
    next_id: i64,
    open: HashMap<i64, Cursor>,
    /// `$currentOp`'s view of the open cursors (and of those a getMore has taken out).
    info: HashMap<i64, CursorInfo>,
}

impl Default for Cursors {
    fn default() -> Self {
        // Start from an arbitrary large id so ids look like MongoDB's and are
        // unlikely to be guessed as small integers.
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as i64)
            .unwrap_or(1);
        Cursors {
            next_id: (seed & 0x0000_7fff_ffff_ffff) | 0x0001_0000_0000,
            open: HashMap::new(),
            info: HashMap::new(),
        }
    }
}

/// The reply of a command that opened a cursor.
pub fn first_batch_reply(ns: &str, batch: Vec<Bson>, id: i64) -> Document {
    doc! {"cursor": {"firstBatch": batch, "id": id, "ns": ns}, "ok": 1.0}
}

impl Cursors {
    /// Builds the `{cursor: {firstBatch, id, ns}}` reply for documents
    /// already produced, parking the rest.
    pub fn open(
        &mut self,
        ns: &str,
        docs: Vec<Document>,
        batch_size: Option<usize>,
        single_batch: bool,
    ) -> Document {
        let mut pending = Pending::Docs(docs.into());
        // Document sources never fail to produce a batch.
        let first = pending
            .next_batch(Some(batch_size.unwrap_or(DEFAULT_FIRST_BATCH)), None)
            .unwrap_or_default();
        let id = if single_batch {
            0
        } else {
            self.register(ns, pending)
        };
        first_batch_reply(ns, first, id)
    }

    /// Parks a remainder; returns its cursor id (0 when nothing remains).
    pub fn register(&mut self, ns: &str, pending: Pending) -> i64 {
        if pending.is_empty() {
            return 0;
        }
        let id = self.next_id;
        self.next_id += 1;
        self.open.insert(
            id,
            Cursor {
                ns: ns.to_string(),
                pending,
                last_used: Instant::now(),
            },
        );
        id
    }

    /// Removes cursor `id` of namespace `ns` for a getMore.
    pub fn take(&mut self, id: i64, ns: &str) -> Result<Pending> {
        match self.open.get(&id) {
            None => Err(CommandError::new(
                codes::CURSOR_NOT_FOUND,
                format!("cursor id {id} not found"),
            )),
            Some(c) if c.ns != ns => Err(CommandError::new(
                13,
                format!(
                    "Requested getMore on namespace '{ns}', but cursor belongs to a different namespace {}",
                    c.ns
                ),
            )),
            Some(_) => self.open.remove(&id).map(|c| c.pending).ok_or_else(|| {
                CommandError::new(codes::CURSOR_NOT_FOUND, format!("cursor id {id} not found"))
            }),
        }
    }

    /// Puts a cursor back after a getMore (if anything remains).
    pub fn put_back(&mut self, id: i64, ns: &str, pending: Pending) -> i64 {
        if pending.is_empty() {
            return 0;
        }
        self.open.insert(
            id,
            Cursor {
                ns: ns.to_string(),
                pending,
                last_used: Instant::now(),
            },
        );
        id
    }

    /// Puts a cursor back even when nothing remains: a find's getMore that filled its batch
    /// exactly has not looked past it, so, as in mongod, the cursor stays open and the next
    /// getMore answers an empty last batch.
    pub fn keep_open(&mut self, id: i64, ns: &str, pending: Pending) -> i64 {
        self.open.insert(
            id,
            Cursor {
                ns: ns.to_string(),
                pending,
                last_used: Instant::now(),
            },
        );
        id
    }

    /// Frees a cursor; `false` when it did not exist.
    pub fn kill(&mut self, id: i64) -> bool {
        self.info.remove(&id);
        self.open.remove(&id).is_some()
    }

    /// Drops cursors idle for longer than [`IDLE_TIMEOUT`], except those opened with
    /// `noCursorTimeout: true` (mongod never times them out).
    pub fn reap_idle(&mut self) -> usize {
        let expired: Vec<i64> = (self.open.iter())
            .filter(|(id, c)| {
                c.last_used.elapsed() >= IDLE_TIMEOUT
                    && !self.info.get(id).is_some_and(|i| i.no_cursor_timeout)
            })
            .map(|(id, _)| *id)
            .collect();
        for id in &expired {
            self.kill(*id);
        }
        expired.len()
    }

    /// Drops every cursor of a namespace (after drop/rename).
    pub fn kill_namespace(&mut self, ns: &str) {
        let gone: Vec<i64> = (self.open.iter())
            .filter(|(_, c)| c.ns == ns)
            .map(|(id, _)| *id)
            .collect();
        for id in gone {
            self.kill(id);
        }
    }

    /// Notes the cursor a command just opened.
    pub fn note_opened(&mut self, id: i64, info: CursorInfo) {
        if self.open.contains_key(&id) {
            self.info.insert(id, info);
        }
    }

    /// Notes a getMore's batch of `docs` documents (`None`: the getMore failed); forgets the
    /// cursor if it has ended.
    pub fn note_batch(&mut self, id: i64, docs: Option<usize>) {
        if let Some(info) = self.info.get_mut(&id)
            && let Some(docs) = docs
        {
            info.docs_returned += docs as i64;
            info.batches_returned += 1;
            info.last_access = bson::DateTime::now();
        }
        if !self.open.contains_key(&id) {
            self.info.remove(&id);
        }
    }

    /// The cursors no getMore is using right now: `(id, namespace, info)`, by id.
    pub fn idle(&self) -> Vec<(i64, String, Option<CursorInfo>)> {
        let mut out: Vec<_> = (self.open.iter())
            .map(|(id, c)| (*id, c.ns.clone(), self.info.get(id).cloned()))
            .collect();
        out.sort_by_key(|(id, _, _)| *id);
        out
    }

    pub fn len(&self) -> usize {
        self.open.len()
    }

    pub fn is_empty(&self) -> bool {
        self.open.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(n: i32) -> Vec<Document> {
        (0..n).map(|i| doc! {"_id": i}).collect()
    }

    fn next(c: &mut Cursors, id: i64, ns: &str, n: usize) -> (usize, i64) {
        let mut p = c.take(id, ns).unwrap();
        let batch = p.next_batch(Some(n), None).unwrap();
        (batch.len(), c.put_back(id, ns, p))
    }

    #[test]
    fn batches_drain_and_close_the_cursor() {
        let mut c = Cursors::default();
        let r = c.open("d.c", docs(5), Some(2), false);
        let cur = r.get_document("cursor").unwrap();
        assert_eq!(cur.get_array("firstBatch").unwrap().len(), 2);
        let id = cur.get_i64("id").unwrap();
        assert_ne!(id, 0);
        assert_eq!(next(&mut c, id, "d.c", 2), (2, id));
        assert_eq!(next(&mut c, id, "d.c", 2), (1, 0));
        assert_eq!(c.take(id, "d.c").unwrap_err().code, 43);
    }

    #[test]
    fn single_batch_and_exact_fit_open_no_cursor() {
        let mut c = Cursors::default();
        let r = c.open("d.c", docs(5), Some(2), true);
        assert_eq!(r.get_document("cursor").unwrap().get_i64("id").unwrap(), 0);
        let r = c.open("d.c", docs(2), Some(2), false);
        assert_eq!(r.get_document("cursor").unwrap().get_i64("id").unwrap(), 0);
        assert!(c.is_empty());
    }

    #[test]
    fn kill_frees_and_wrong_namespace_is_refused() {
        let mut c = Cursors::default();
        let id = c
            .open("d.c", docs(5), Some(1), false)
            .get_document("cursor")
            .unwrap()
            .get_i64("id")
            .unwrap();
        assert_eq!(c.take(id, "d.other").unwrap_err().code, 13);
        assert!(c.kill(id));
        assert!(!c.kill(id));
    }

    #[test]
    fn batches_are_cut_at_sixteen_megabytes() {
        let big = "x".repeat(6 * 1024 * 1024);
        let mut p = Pending::Docs((0..4).map(|i| doc! {"_id": i, "s": big.clone()}).collect());
        assert_eq!(p.next_batch(None, None).unwrap().len(), 2);
        assert_eq!(p.next_batch(None, None).unwrap().len(), 2);
        assert!(p.is_empty());
    }

    #[test]
    fn row_sources_read_documents_lazily_and_skip_deleted_ones() {
        let mut cat = Catalog::default();
        for i in 0..3 {
            cat.insert("d", "c", doc! {"_id": i, "a": i}).unwrap();
        }
        let rows: VecDeque<Row> = cat
            .get("d", "c")
            .unwrap()
            .records
            .ids()
            .map(|r| Row {
                record: r,
                positional: None,
                score: None,
            })
            .collect();
        let second = rows[1].record;
        let mut p = Pending::Rows(RowSource {
            db: "d".into(),
            coll: "c".into(),
            rows,
            projection: None,
        });
        cat.remove("d", "c", second);
        let batch = p.next_batch(None, Some(&cat)).unwrap();
        assert_eq!(
            batch,
            vec![
                Bson::Document(doc! {"_id": 0, "a": 0}),
                Bson::Document(doc! {"_id": 2, "a": 2})
            ]
        );
    }
}
