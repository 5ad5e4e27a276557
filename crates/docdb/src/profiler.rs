//! The database profiler: per-database levels set by the `profile` command, and one entry per
//! profiled operation in that database's `system.profile` collection.
//!
//! Level 0 records nothing, level 1 records operations that took at least `slowms`
//! (sampled at `sampleRate`), level 2 records every operation. As in mongod, `slowms` and
//! `sampleRate` are server-wide while the level is per database, and operations on
//! `system.profile` itself are never profiled. Entries carry mongod's fields `op` (query,
//! insert, update, remove, getmore, command), `ns`, `command` (the command as received, its
//! insert batch left out), for finds `keysExamined`, `docsExamined` and `planSummary`
//! (`COLLSCAN`, `IXSCAN { a: 1 }`), `nreturned` and `cursorid` or `cursorExhausted: true` for
//! cursor replies, `numYield` (0: the engine never yields), `millis` (Int32), `ts`,
//! `responseLength`, `protocol`, `client`, `user` and `allUsers`. Updates and deletes write one
//! entry per statement, as mongod does: `command` is the statement, with `nMatched`/`nModified`
//! (`nUpserted`) or `ndeleted`. `locks` is left out (no lock statistics to report), and so are
//! `keysInserted`/`keysDeleted`. Stored entries keep an internal `_id` (the unique `_id_` index
//! needs one); a find on `system.profile` leaves it out (`hide_entry_ids`).
//!
//! `system.profile` is created as a 1 MiB capped collection, mongod's default, when capped
//! collections are available; otherwise it is a plain collection (it then keeps growing until
//! profiling is turned off and it is dropped).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use bson::{Bson, Document, doc};

/// mongod's default `slowms` (operationProfiling.slowOpThresholdMs).
pub const DEFAULT_SLOW_MS: i64 = 100;
/// mongod's default size of `system.profile` (1 MiB).
const PROFILE_SIZE: i64 = 1024 * 1024;

/// The server-wide settings and the per-database levels.
pub struct Profiler {
    state: Mutex<State>,
}

struct State {
    levels: HashMap<String, i32>,
    slow_ms: i64,
    sample_rate: f64,
    /// A cheap sample sequence (xorshift) for `sampleRate` below 1.
    seed: u64,
}

impl Default for Profiler {
    fn default() -> Self {
        Profiler {
            state: Mutex::new(State {
                levels: HashMap::new(),
                slow_ms: DEFAULT_SLOW_MS,
                sample_rate: 1.0,
                seed: 0x9E37_79B9_7F4A_7C15,
            }),
        }
    }
}

/// The settings `profile` reports: `(was, slowms, sampleRate)`.
pub type Settings = (i32, i64, f64);

impl Profiler {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Current settings for `db`.
    pub fn settings(&self, db: &str) -> Settings {
        let s = self.state();
        (
            s.levels.get(db).copied().unwrap_or(0),
            s.slow_ms,
            s.sample_rate,
        )
    }

    /// Sets what is given and returns the settings from before.
    pub fn set(
        &self,
        db: &str,
        level: Option<i32>,
        slow_ms: Option<i64>,
        sample_rate: Option<f64>,
    ) -> Settings {
        let before = self.settings(db);
        let mut s = self.state();
        if let Some(level) = level {
            if level == 0 {
                s.levels.remove(db);
            } else {
                s.levels.insert(db.to_string(), level);
            }
        }
        if let Some(ms) = slow_ms {
            s.slow_ms = ms;
        }
        if let Some(rate) = sample_rate {
            s.sample_rate = rate;
        }
        before
    }

    /// True when `db` profiles at all (level 1 or 2): the command then collects its scan
    /// counters for the entry (see `begin`).
    pub fn enabled(&self, db: &str) -> bool {
        self.state().levels.contains_key(db)
    }

    /// True when an operation on `db` that took `elapsed` is to be recorded. Cheap when
    /// profiling is off everywhere (one lock, one empty-map check).
    pub fn wants(&self, db: &str, elapsed: Duration) -> bool {
        let mut s = self.state();
        let level = match s.levels.get(db) {
            None => return false,
            Some(l) => *l,
        };
        if level == 2 {
            return true;
        }
        if (elapsed.as_millis() as i64) < s.slow_ms {
            return false;
        }
        if s.sample_rate >= 1.0 {
            return true;
        }
        s.seed ^= s.seed << 13;
        s.seed ^= s.seed >> 7;
        s.seed ^= s.seed << 17;
        ((s.seed >> 11) as f64 / (1u64 << 53) as f64) < s.sample_rate
    }
}

/// mongod's `op` for a command name.
fn op_name(command: &str) -> &'static str {
    match command {
        "find" => "query",
        "insert" => "insert",
        "update" => "update",
        "delete" => "remove",
        "getMore" => "getmore",
        _ => "command",
    }
}

/// The collection a command names (its first field's string value), for `ns`.
pub fn namespace(db: &str, name: &str, cmd: &Document) -> String {
    match (name, cmd.get(name)) {
        // getMore names its collection in `collection`.
        ("getMore", _) => match cmd.get("collection") {
            Some(Bson::String(c)) => format!("{db}.{c}"),
            _ => format!("{db}.$cmd"),
        },
        (_, Some(Bson::String(coll))) => format!("{db}.{coll}"),
        _ => format!("{db}.$cmd"),
    }
}

/// True for operations that are never profiled: those on `system.profile` itself.
pub fn is_exempt(ns: &str) -> bool {
    ns.ends_with(".system.profile")
}

/// The `system.profile` entries of one operation: one, or for update and delete one per
/// statement (mongod profiles each statement, its `command` being the statement).
pub fn entries(
    name: &str,
    ns: &str,
    cmd: &Document,
    documents: usize,
    reply: &Document,
    elapsed: Duration,
) -> Vec<Document> {
    let notes = take();
    let failed = reply.get_f64("ok").ok() == Some(0.0);
    if matches!(name, "update" | "delete") && !failed && !notes.statements.is_empty() {
        return notes
            .statements
            .into_iter()
            .map(|(statement, scan, counts)| {
                let mut e = doc! {"op": op_name(name), "ns": ns, "command": statement};
                add_scan(&mut e, &scan);
                e.extend(counts);
                finish(&mut e, elapsed);
                e
            })
            .collect();
    }
    let mut command = Document::new();
    for (k, v) in cmd {
        // Session plumbing is not part of the command mongod shows; `$db` is.
        if matches!(k.as_str(), "lsid" | "$clusterTime" | "$readPreference") {
            continue;
        }
        command.insert(k.clone(), v.clone());
    }
    let mut e = doc! {"op": op_name(name), "ns": ns, "command": command};
    if name == "insert" {
        e.insert("ninserted", documents as i32);
    }
    add_scan(&mut e, &notes.scan);
    if let Ok(cursor) = reply.get_document("cursor") {
        let batch = cursor
            .get_array("firstBatch")
            .or_else(|_| cursor.get_array("nextBatch"))
            .map(|b| b.len())
            .unwrap_or(0);
        e.insert("nreturned", batch as i32);
        match cursor.get_i64("id") {
            Ok(id) if id != 0 => {
                e.insert("cursorid", id);
            }
            // mongod writes cursorExhausted only when true.
            _ => {
                e.insert("cursorExhausted", true);
            }
        }
    }
    if let Ok(n) = reply.get_i32("n") {
        match name {
            "update" => {
                e.insert("nMatched", n);
                e.insert("nModified", reply.get_i32("nModified").unwrap_or(0));
            }
            "delete" => {
                e.insert("ndeleted", n);
            }
            _ => {
                e.insert("n", n);
            }
        }
    }
    if failed {
        e.insert("ok", 0.0);
        if let Ok(code) = reply.get_i32("code") {
            e.insert("errCode", code);
        }
        if let Ok(msg) = reply.get_str("errmsg") {
            e.insert("errMsg", msg);
        }
    }
    let response_length = crate::commands::write_util::bson_size(reply) as i32;
    e.insert("responseLength", response_length);
    e.insert("protocol", "op_msg");
    finish(&mut e, elapsed);
    vec![e]
}

/// The fields every entry ends with. `locks` is left out: the engine has one catalog lock and
/// no per-resource lock statistics, and made-up acquire counts would mislead.
fn finish(e: &mut Document, elapsed: Duration) {
    // An engine that never yields its lock: 0 is the true count.
    e.insert("numYield", 0);
    // mongod writes millis as a 32-bit int.
    e.insert(
        "millis",
        i32::try_from(elapsed.as_millis()).unwrap_or(i32::MAX),
    );
    e.insert("ts", bson::DateTime::now());
    e.insert("client", "127.0.0.1");
    e.insert("appName", "");
    e.insert("allUsers", Bson::Array(Vec::new()));
    e.insert("user", "");
}
/// mongod's profiler entries have no `_id`. Ours keep one in storage (every stored document
/// has one: the `_id_` index is unique, and the journal and capped eviction work by it), so a
/// find on `system.profile` leaves it out unless its projection names `_id` itself.
pub fn hide_entry_ids(coll: &str, projection: &mut Option<Document>) {
    if coll != "system.profile" {
        return;
    }
    let p = projection.get_or_insert_with(Document::new);
    if !p.contains_key("_id") {
        p.insert("_id", 0);
    }
}

/// Appends `entries` to `db.system.profile`, creating it (capped, 1 MiB) when missing.
pub fn store(cat: &mut crate::catalog::Catalog, db: &str, entries: Vec<Document>) {
    if cat.get(db, "system.profile").is_none() {
        let capped = doc! {"capped": true, "size": PROFILE_SIZE};
        if cat.create(db, "system.profile", capped).is_err() {
            // Without capped collections: a plain one (see the module note).
            let _ = cat.create(db, "system.profile", Document::new());
        }
    }
    for mut entry in entries {
        if !entry.contains_key("_id") {
            // Stored documents carry an _id like any insert.
            let mut with_id = doc! {"_id": bson::oid::ObjectId::new()};
            with_id.extend(std::mem::take(&mut entry));
            entry = with_id;
        }
        if let Err(e) = cat.insert(db, "system.profile", entry) {
            log::warn!("could not write a profiler entry to {db}.system.profile: {e}");
        }
    }
}

/// The scan counters of one command (or of one update/delete statement).
#[derive(Default, Clone)]
pub struct Scan {
    pub keys_examined: u64,
    pub docs_examined: u64,
    /// mongod's planSummary: `COLLSCAN`, `IXSCAN { a: 1 }`, several joined by `, `.
    pub plan_summary: Option<String>,
}

/// What the running command noted for its entry: its scan, and per update/delete statement
/// the statement with its scan and counts.
#[derive(Default)]
pub struct Notes {
    armed: bool,
    pub scan: Scan,
    pub statements: Vec<(Document, Scan, Document)>,
    /// The last selection's plan summary, noted whether or not the database profiles.
    plan_summary: Option<String>,
}

// Commands run start to end on one thread (the handler is synchronous), so the counters of
// the running command are kept per thread instead of being threaded through every handler.
thread_local! {
    static NOTES: RefCell<Notes> = RefCell::new(Notes::default());
}

/// Starts a command: its selections are noted only when its database profiles.
pub fn begin(armed: bool) {
    NOTES.with(|n| {
        *n.borrow_mut() = Notes {
            armed,
            ..Notes::default()
        }
    });
}

/// The notes of the command that ran on this thread (and disarms).
pub fn take() -> Notes {
    NOTES.with(|n| std::mem::take(&mut *n.borrow_mut()))
}

/// Notes one selection's counters and plan (cheap no-op when profiling is off).
pub fn note_selection(coll: &crate::collection::Collection, sel: &crate::exec::Selection) {
    NOTES.with(|n| {
        let mut n = n.borrow_mut();
        // Kept even when not profiling: `$currentOp` shows an idle cursor's plan.
        n.plan_summary = Some(plan_summary(coll, &sel.plan.access));
        if !n.armed {
            return;
        }
        n.scan.keys_examined += sel.stats.keys_examined;
        n.scan.docs_examined += sel.stats.docs_examined;
        n.scan.plan_summary = n.plan_summary.clone();
    })
}

/// The plan summary of the last selection the running command made (profiling or not).
pub fn noted_plan_summary() -> Option<String> {
    NOTES.with(|n| n.borrow().plan_summary.clone())
}

/// Ends one update/delete statement: what was noted since the last one is its scan.
pub fn note_statement(statement: &Document, counts: Document) {
    NOTES.with(|n| {
        let mut n = n.borrow_mut();
        if !n.armed {
            return;
        }
        let scan = std::mem::take(&mut n.scan);
        n.statements.push((statement.clone(), scan, counts));
    })
}

fn add_scan(e: &mut Document, scan: &Scan) {
    if let Some(summary) = &scan.plan_summary {
        e.insert(
            "keysExamined",
            crate::commands::explain::counter(scan.keys_examined),
        );
        e.insert(
            "docsExamined",
            crate::commands::explain::counter(scan.docs_examined),
        );
        e.insert("planSummary", summary.clone());
    }
}

/// mongod's planSummary of an access path.
fn plan_summary(coll: &crate::collection::Collection, access: &crate::planner::Access) -> String {
    use crate::planner::Access;
    let key = |i: &usize| {
        coll.indexes
            .get(*i)
            .map(|idx| format!("IXSCAN {}", key_pattern(&idx.spec.key)))
            .unwrap_or_else(|| "IXSCAN".into())
    };
    match access {
        Access::CollScan => "COLLSCAN".into(),
        Access::IndexScan { index, .. } => key(index),
        // mongod names the text index by its internal key pattern.
        Access::Text { .. } => "IXSCAN { _fts: \"text\", _ftsx: 1 }".into(),
        Access::GeoNear { index } => key(index),
        Access::Or { branches } => branches
            .iter()
            .map(|(i, _)| key(i))
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// A key pattern as mongod prints a BSON object in planSummary: `{ a: 1, b: -1 }`,
/// `{ loc: "2dsphere" }`.
fn key_pattern(key: &Document) -> String {
    let parts: Vec<String> = key
        .iter()
        .map(|(k, v)| match v {
            Bson::String(s) => format!("{k}: \"{s}\""),
            Bson::Double(d) if d.fract() == 0.0 => format!("{k}: {}", *d as i64),
            other => format!("{k}: {other}"),
        })
        .collect();
    if parts.is_empty() {
        "{}".into()
    } else {
        format!("{{ {} }}", parts.join(", "))
    }
}
