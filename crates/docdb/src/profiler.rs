//! The database profiler: per-database levels set by the `profile` command, and one entry per
//! profiled operation in that database's `system.profile` collection.
//!
//! Level 0 records nothing, level 1 records operations that took at least `slowms`
//! (sampled at `sampleRate`), level 2 records every operation. As in mongod, `slowms` and
//! `sampleRate` are server-wide while the level is per database, and operations on
//! `system.profile` itself are never profiled. Entries carry mongod's fields `op` (query,
//! insert, update, remove, getmore, command), `ns`, `command` (the command as received, its
//! insert batch left out), `millis`, `ts`, `nreturned` for cursor replies, `responseLength`,
//! `client`, `user` and `allUsers`.
//!
//! `system.profile` is created as a 1 MiB capped collection, mongod's default, when capped
//! collections are available; otherwise it is a plain collection (it then keeps growing until
//! profiling is turned off and it is dropped).

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

/// The `system.profile` entry of one operation.
pub fn entry(
    name: &str,
    ns: &str,
    cmd: &Document,
    documents: usize,
    reply: &Document,
    elapsed: Duration,
) -> Document {
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
    if let Ok(cursor) = reply.get_document("cursor") {
        let batch = cursor
            .get_array("firstBatch")
            .or_else(|_| cursor.get_array("nextBatch"))
            .map(|b| b.len())
            .unwrap_or(0);
        e.insert("nreturned", batch as i32);
        if let Ok(id) = cursor.get_i64("id")
            && id != 0
        {
            e.insert("cursorid", id);
        }
    }
    if let Ok(n) = reply.get_i32("n") {
        e.insert("n", n);
    }
    if reply.get_f64("ok").ok() == Some(0.0) {
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
    e.insert("millis", elapsed.as_millis() as i64);
    e.insert("ts", bson::DateTime::now());
    e.insert("client", "127.0.0.1");
    e.insert("appName", "");
    e.insert("allUsers", Bson::Array(Vec::new()));
    e.insert("user", "");
    e
}

/// Appends `entry` to `db.system.profile`, creating it (capped, 1 MiB) when missing.
pub fn store(cat: &mut crate::catalog::Catalog, db: &str, entry: Document) {
    if cat.get(db, "system.profile").is_none() {
        let capped = doc! {"capped": true, "size": PROFILE_SIZE};
        if cat.create(db, "system.profile", capped).is_err() {
            // Without capped collections: a plain one (see the module note).
            let _ = cat.create(db, "system.profile", Document::new());
        }
    }
    let mut entry = entry;
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
