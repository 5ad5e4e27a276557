//! Tailable and awaitData cursors on capped collections.
//!
//! A tailable cursor remembers the last record it handed out; each batch first
//! drains the rows its find selected, then scans the records inserted after
//! that one (record ids only grow, so "after" is a range of the record map)
//! through the same filter and projection. The cursor stays open at the end of
//! the data; when the oldest documents are evicted past its position, it dies
//! with mongod's CappedPositionLost.
//!
//! An awaitData `getMore` that finds nothing waits on [`WriteSignal`]: every
//! catalog write bumps a generation counter and wakes the waiters, which then
//! look again. The wait is a condition-variable wait, never a poll of the data;
//! it wakes every [`CHECK_EVERY`] as well so that `killOp` (the stop button),
//! `killCursors` of the waiting cursor and a client hang-up end it promptly, and it ends with an empty batch when
//! the getMore's `maxTimeMS` (default one second, as in mongod) has passed.

use std::collections::{HashSet, VecDeque};
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use bson::{Bson, Document};
use docdb_query::matcher::Filter;
use docdb_query::projection::Projection;

use crate::catalog::Catalog;
use crate::commands::write_util::bson_size;
use crate::cursor::MAX_BATCH_BYTES;
use crate::engine::Ctx;
use crate::error::{CommandError, Result, codes};
use crate::exec::Row;

/// How often a waiting getMore checks for killOp and hang-ups.
pub const CHECK_EVERY: Duration = Duration::from_millis(100);
/// mongod's await time for an awaitData getMore without maxTimeMS.
pub const DEFAULT_AWAIT: Duration = Duration::from_secs(1);

/// What a tailable cursor still has, and where it stands.
#[derive(Debug, Clone)]
pub struct Tail {
    pub db: String,
    pub coll: String,
    /// The find's filter (empty: everything).
    pub filter: Document,
    pub projection: Option<Projection>,
    /// Rows the find selected that are not handed out yet.
    pub initial: VecDeque<Row>,
    /// The record id of the last document handed out (0: none yet).
    pub last_record: u64,
    pub await_data: bool,
    /// What is left of the find's `limit` (None: no limit). At zero the cursor is done.
    pub remaining: Option<u64>,
}

impl Tail {
    /// The next batch: the selected rows first, then documents inserted since.
    pub fn next_batch(&mut self, limit: Option<usize>, cat: Option<&Catalog>) -> Result<Vec<Bson>> {
        let Some(c) = cat.and_then(|cat| cat.get(&self.db, &self.coll)) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        let mut bytes = 0usize;
        let remaining = self.remaining;
        let full = |out: &Vec<Bson>, bytes: usize| {
            limit.is_some_and(|l| out.len() >= l)
                || bytes >= MAX_BATCH_BYTES
                || remaining.is_some_and(|r| out.len() as u64 >= r)
        };
        while let Some(row) = self.initial.front().copied() {
            if full(&out, bytes) {
                return Ok(self.taken(out));
            }
            self.initial.pop_front();
            let Some(stored) = c.records.document(row.record) else {
                continue;
            };
            let doc = match &self.projection {
                Some(p) => p.apply(&stored, row.positional, row.score)?,
                None => stored,
            };
            self.last_record = self.last_record.max(row.record);
            bytes += bson_size(&doc);
            out.push(Bson::Document(doc));
        }
        if full(&out, bytes) {
            return Ok(self.taken(out));
        }
        if self.last_record > 0 && !c.records.contains(self.last_record) {
            return Err(crate::capped::error(
                136,
                format!(
                    "CollectionScan died due to position in capped collection being deleted. Last seen record id: RecordId({})",
                    self.last_record
                ),
            ));
        }
        let filter = Filter::parse(&self.filter)?.with_collation(c.collation.clone());
        for (record, raw) in c.records.iter_after(self.last_record) {
            if full(&out, bytes) {
                break;
            }
            // Every record passed is behind the cursor now, matching or not.
            self.last_record = record;
            let Some(stored) = crate::records::decode(raw) else {
                continue;
            };
            if !filter.matches(&stored) {
                continue;
            }
            let doc = match &self.projection {
                Some(p) => p.apply(&stored, None, None)?,
                None => stored,
            };
            bytes += bson_size(&doc);
            out.push(Bson::Document(doc));
        }
        Ok(self.taken(out))
    }

    /// Counts a batch against the limit.
    fn taken(&mut self, out: Vec<Bson>) -> Vec<Bson> {
        if let Some(r) = &mut self.remaining {
            *r = r.saturating_sub(out.len() as u64);
        }
        out
    }

    /// Whether the limit has been reached (the cursor is then closed).
    pub fn is_done(&self) -> bool {
        self.remaining == Some(0)
    }
}

/// Wakes waiting awaitData getMores after writes; remembers hung-up clients.
#[derive(Default)]
pub struct WriteSignal {
    generation: Mutex<u64>,
    changed: Condvar,
    /// Connections whose client closed while one of their getMores waited.
    gone: Mutex<HashSet<i64>>,
    /// Cursors whose getMore is waiting (checked out of the cursor table), and whether
    /// killCursors asked for them meanwhile.
    waiting: Mutex<std::collections::HashMap<i64, bool>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl WriteSignal {
    /// Called after every catalog write.
    pub fn bump(&self) {
        *lock(&self.generation) += 1;
        self.changed.notify_all();
    }

    fn current(&self) -> u64 {
        *lock(&self.generation)
    }

    /// Waits until a write happens after `seen`, or `timeout` passes.
    fn wait_after(&self, seen: u64, timeout: Duration) {
        let guard = lock(&self.generation);
        let _unused = self
            .changed
            .wait_timeout_while(guard, timeout, |g| *g == seen)
            .unwrap_or_else(|e| e.into_inner());
    }

    /// The client of `connection_id` hung up: end its waiting getMore.
    pub fn client_gone(&self, connection_id: i64) {
        lock(&self.gone).insert(connection_id);
        self.changed.notify_all();
    }

    /// Forgets a hang-up once the connection's command has ended.
    pub fn forget(&self, connection_id: i64) {
        lock(&self.gone).remove(&connection_id);
    }

    /// killCursors of a cursor whose getMore is waiting: `false` when none waits on it.
    pub fn kill_waiting(&self, cursor: i64) -> bool {
        let found = match lock(&self.waiting).get_mut(&cursor) {
            Some(killed) => {
                *killed = true;
                true
            }
            None => false,
        };
        if found {
            self.changed.notify_all();
        }
        found
    }

    fn is_gone(&self, connection_id: i64) -> bool {
        lock(&self.gone).contains(&connection_id)
    }
}

/// The await time of a getMore on an awaitData cursor (its `maxTimeMS`, else one second).
pub fn await_time(cmd: &Document) -> Duration {
    match cmd.get("maxTimeMS").and_then(crate::index::spec::number) {
        Some(ms) if ms > 0.0 => Duration::from_millis(ms as u64),
        _ => DEFAULT_AWAIT,
    }
}

/// Waits for documents for an awaitData cursor whose batch came back empty; returns the
/// batch found (empty at the deadline). Fails when the operation is killed or the client
/// hangs up.
pub fn await_batch(
    ctx: &Ctx,
    cursor: i64,
    tail: &mut Tail,
    limit: Option<usize>,
) -> Result<Vec<Bson>> {
    let signal = ctx.engine.write_signal();
    lock(&signal.waiting).insert(cursor, false);
    let out = wait_for_batch(ctx, cursor, tail, limit);
    lock(&signal.waiting).remove(&cursor);
    out
}

fn wait_for_batch(
    ctx: &Ctx,
    cursor: i64,
    tail: &mut Tail,
    limit: Option<usize>,
) -> Result<Vec<Bson>> {
    let deadline = Instant::now() + await_time(ctx.cmd);
    let signal = ctx.engine.write_signal();
    loop {
        let seen = signal.current();
        let batch = ctx.engine.read(|cat| tail.next_batch(limit, Some(cat)))?;
        if !batch.is_empty() {
            return Ok(batch);
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(batch);
        }
        match ctx.guard.check() {
            // The await time is the getMore's maxTimeMS: running out is the normal end.
            Err(e) if e.code == codes::MAX_TIME_MS_EXPIRED => return Ok(Vec::new()),
            Err(e) => return Err(e),
            Ok(()) => {}
        }
        if lock(&signal.waiting).get(&cursor) == Some(&true) {
            return Err(crate::capped::error(
                237,
                format!("cursor {cursor} was killed while its getMore waited"),
            ));
        }
        if signal.is_gone(ctx.connection_id) {
            return Err(crate::capped::error(
                279,
                "operation was interrupted because a client disconnected",
            ));
        }
        signal.wait_after(seen, (deadline - now).min(CHECK_EVERY));
    }
}

/// Checks a find's tailable options (mongod 7.0's order and errors); returns
/// `(tailable, awaitData)`.
pub fn find_options(ctx: &Ctx) -> Result<(bool, bool)> {
    let tailable = crate::commands::args::opt_bool(ctx, "tailable")?.unwrap_or(false);
    let await_data = crate::commands::args::opt_bool(ctx, "awaitData")?.unwrap_or(false);
    if await_data && !tailable {
        return Err(CommandError::failed_to_parse(
            "Cannot set 'awaitData' without also setting 'tailable'",
        ));
    }
    if !tailable {
        return Ok((false, false));
    }
    if let Some(Bson::Document(sort)) = ctx.cmd.get("sort")
        && !sort.is_empty()
        && !(sort.len() == 1
            && sort
                .get("$natural")
                .and_then(crate::index::spec::number)
                .is_some_and(|n| n == 1.0))
    {
        return Err(CommandError::bad_value(
            "cannot use tailable option with a sort other than {$natural: 1}",
        ));
    }
    if crate::commands::args::opt_bool(ctx, "singleBatch")?.unwrap_or(false) {
        return Err(CommandError::bad_value(
            "cannot use tailable option with the 'singleBatch' option",
        ));
    }
    Ok((tailable, await_data))
}

/// mongod's error for a tailable find on a collection that is not capped.
pub fn not_capped_error(ns: &str, filter: Option<&Document>) -> CommandError {
    let tree = match filter.filter(|f| !f.is_empty()) {
        Some(f) => format!("{f}"),
        None => "$and".to_string(),
    };
    CommandError::bad_value(format!(
        "error processing query: ns={ns}Tree: {tree}\nSort: {{}}\nProj: {{}}\n tailable cursor requested on non capped collection"
    ))
}

/// A tailable `find` (already checked by [`find_options`]) on `coll`.
pub fn find(
    ctx: &Ctx,
    coll: &str,
    o: &crate::commands::find::FindOptions,
    await_data: bool,
) -> Result<Document> {
    let ns = ctx.ns(coll);
    let projection = match &o.projection {
        Some(p) if !p.is_empty() => Some(Projection::parse(p)?),
        _ => None,
    };
    let vars = crate::commands::args::let_vars(ctx)?;
    let filter = o.filter.clone().unwrap_or_default();
    let (first, tail, empty) = ctx.engine.read(|cat| -> Result<_> {
        let Some(c) = cat.get(ctx.db, coll) else {
            if cat.is_view(ctx.db, coll) {
                return Err(not_capped_error(&ns, o.filter.as_ref()));
            }
            Filter::parse(&filter)?;
            return Ok((Vec::new(), None, true));
        };
        if c.capped.is_none() {
            return Err(not_capped_error(&ns, o.filter.as_ref()));
        }
        let collation =
            crate::commands::args::effective_collation(&o.collation, c.collation.as_ref());
        let req = crate::exec::SelectRequest {
            filter: o.filter.as_ref(),
            skip: o.skip,
            limit: o.limit,
            hint: o.hint.as_ref(),
            vars,
            memory: o.memory,
            collation: collation.as_ref(),
            ..Default::default()
        };
        let selection = crate::exec::select(c, &req, &ctx.guard)?;
        let mut tail = Tail {
            db: ctx.db.to_string(),
            coll: coll.to_string(),
            filter: filter.clone(),
            projection,
            initial: selection.rows.into(),
            last_record: 0,
            await_data,
            remaining: o.limit,
        };
        let first = tail.next_batch(
            Some(o.batch_size.unwrap_or(crate::cursor::DEFAULT_FIRST_BATCH)),
            Some(cat),
        )?;
        Ok((first, Some(tail), c.is_empty()))
    })?;
    // mongod keeps a tailable cursor unless the collection has no records at all.
    let id = match tail {
        Some(tail) if !empty => ctx
            .engine
            .cursors()
            .register(&ns, crate::cursor::Pending::Tail(tail)),
        _ => 0,
    };
    Ok(crate::cursor::first_batch_reply(&ns, first, id))
}
