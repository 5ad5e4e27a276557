//! The engine: catalog, cursors and running operations behind interior locks.
//!
//! `Engine::execute` is the single entry point: a command document in, a
//! MongoDB reply document out, never a panic. Reads take a shared lock on the
//! catalog, writes an exclusive one; writes drain the catalog's journal into
//! the operation log (and fsync it) before the lock is released, so the log
//! order is the order of changes and no acknowledged write is lost.
//!
//! A panic anywhere below `execute` (a bug in a command, the query library or
//! a cursor) becomes that command's InternalError reply naming the panic; the
//! operation leaves `currentOp`, whatever it had already changed is still
//! journaled, and poisoned locks are taken over, so later commands run as usual.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::Path;
use std::sync::{Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use bson::{Bson, Document};

use crate::catalog::Catalog;
use crate::commands;
use crate::cursor::Cursors;
use crate::error::{CommandError, Result, codes};
use crate::guard::OpGuard;
use crate::ops::Ops;
use crate::persist::{COMPACT_AFTER_BYTES, Store};

/// An embedded MongoDB-compatible database engine.
pub struct Engine {
    catalog: RwLock<Catalog>,
    cursors: Mutex<Cursors>,
    ops: Mutex<Ops>,
    store: Option<Mutex<Store>>,
    pub(crate) started: Instant,
    /// The server's arguments and their meaning, for `getCmdLineOpts`.
    command_line: std::sync::OnceLock<(Vec<String>, Document)>,
    /// The logical sessions seen (`$listLocalSessions`).
    sessions: crate::sessions::Sessions,
    /// The wire server's open connections (`$currentOp`).
    clients: crate::clients::Clients,
    /// Raced plans kept per query shape (`plan_cache.rs`).
    plan_cache: std::sync::Arc<crate::plan_cache::PlanCache>,
    /// Wakes awaitData getMores after writes (see `tailable.rs`).
    write_signal: crate::tailable::WriteSignal,
    /// `serverStatus.opcounters`.
    pub(crate) opcounters: crate::opcounters::OpCounters,
    /// Profiling levels and settings (`profile`).
    pub(crate) profiler: crate::profiler::Profiler,
}

/// What a command handler sees.
pub struct Ctx<'a> {
    pub engine: &'a Engine,
    pub db: &'a str,
    pub cmd: &'a Document,
    pub guard: OpGuard,
    pub connection_id: i64,
    /// An insert's `documents`, moved out of the command so that they are
    /// stored without a copy (see [`Ctx::take_documents`]).
    pub documents: std::cell::RefCell<Option<Vec<Bson>>>,
}

impl Ctx<'_> {
    /// Takes the documents moved out of an insert command (once).
    pub fn take_documents(&self) -> Option<Vec<Bson>> {
        self.documents.borrow_mut().take()
    }

    /// `db.coll` for a collection of this command's database.
    pub fn ns(&self, coll: &str) -> String {
        format!("{}.{}", self.db, coll)
    }
}

/// The text of a panic's payload (`panic!` with a literal or a format).
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_string()
    }
}

/// Removes a running operation from `currentOp` when dropped.
struct FinishOp<'a> {
    engine: &'a Engine,
    opid: i32,
}

impl Drop for FinishOp<'_> {
    fn drop(&mut self) {
        lock(&self.engine.ops).finish(self.opid);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding a lock is caught in `execute`; the data behind
    // the lock is still consistent (all checks precede mutations), so keep going.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Engine {
    /// An engine that keeps everything in memory.
    pub fn in_memory() -> Engine {
        Engine {
            catalog: RwLock::new(Catalog::default()),
            cursors: Mutex::new(Cursors::default()),
            ops: Mutex::new(Ops::default()),
            store: None,
            started: Instant::now(),
            command_line: std::sync::OnceLock::new(),
            sessions: Default::default(),
            clients: Default::default(),
            plan_cache: Default::default(),
            write_signal: Default::default(),
            opcounters: Default::default(),
            profiler: Default::default(),
        }
    }

    /// An engine persisted in `path` (created when missing). Replays the
    /// snapshot and log; a torn final record is skipped with a warning.
    pub fn open_dir(path: impl AsRef<Path>) -> std::io::Result<Engine> {
        let (mut store, records) = Store::open(path.as_ref())?;
        // Replayed changes are already in the log: do not journal them again.
        let mut catalog = Catalog {
            journal: false,
            ..Default::default()
        };
        for rec in &records {
            if let Err(e) = catalog.apply_record(rec) {
                log::warn!(
                    "{}: skipping a log record that no longer applies: {e}",
                    path.as_ref().display()
                );
            }
        }
        catalog.journal = true;
        if store.log_bytes > 0 {
            // Fold the replayed log into a fresh snapshot so the next open is quick.
            store.compact(&catalog.snapshot_records())?;
        }
        Ok(Engine {
            catalog: RwLock::new(catalog),
            cursors: Mutex::new(Cursors::default()),
            ops: Mutex::new(Ops::default()),
            store: Some(Mutex::new(store)),
            started: Instant::now(),
            command_line: std::sync::OnceLock::new(),
            sessions: Default::default(),
            clients: Default::default(),
            plan_cache: Default::default(),
            write_signal: Default::default(),
            opcounters: Default::default(),
            profiler: Default::default(),
        })
    }

    /// Runs one command against database `db` and returns MongoDB's reply.
    pub fn execute(&self, db: &str, command: Document) -> Document {
        self.execute_on(0, db, command)
    }

    /// As [`Engine::execute`], for a numbered client connection.
    pub fn execute_on(&self, connection_id: i64, db: &str, mut command: Document) -> Document {
        let documents = match (
            command.keys().next().map(String::as_str),
            command.get("documents"),
        ) {
            (Some("insert"), Some(Bson::Array(_))) => match command.remove("documents") {
                Some(Bson::Array(docs)) => Some(docs),
                _ => None,
            },
            _ => None,
        };
        let result = catch_unwind(AssertUnwindSafe(|| {
            self.run(connection_id, db, &command, documents)
        }));
        match result {
            Ok(Ok(mut reply)) => {
                if !reply.contains_key("ok") {
                    reply.insert("ok", 1.0);
                }
                reply
            }
            Ok(Err(e)) => e.to_reply(),
            Err(payload) => {
                let why = panic_message(payload.as_ref());
                let name = command.keys().next().map(String::as_str).unwrap_or("");
                log::error!("command '{name}' on '{db}' panicked: {why}");
                CommandError::new(
                    codes::INTERNAL_ERROR,
                    format!(
                        "internal error while running the command: {why} (a bug in the embedded engine; the database is still usable)"
                    ),
                )
                .to_reply()
            }
        }
    }

    fn run(
        &self,
        connection_id: i64,
        db: &str,
        cmd: &Document,
        documents: Option<Vec<Bson>>,
    ) -> Result<Document> {
        let Some(name) = cmd.keys().next() else {
            return Err(CommandError::failed_to_parse(
                "empty command document: the first field must name the command",
            ));
        };
        #[cfg(test)]
        let test_handler = tests::test_handler(name);
        #[cfg(not(test))]
        let test_handler = None;
        let Some(handler) = test_handler.or_else(|| commands::lookup(name)) else {
            return Err(CommandError::new(
                codes::COMMAND_NOT_FOUND,
                format!("no such command: '{name}'"),
            ));
        };
        let document_count = documents.as_ref().map(Vec::len);
        self.opcounters.count(name, cmd, document_count);
        if cmd.contains_key("txnNumber")
            || cmd.contains_key("autocommit")
            || cmd.contains_key("startTransaction")
        {
            return Err(CommandError::new(
                codes::ILLEGAL_OPERATION,
                "Transaction numbers are only allowed on a replica set member or mongos",
            ));
        }
        commands::generic_args::check(name, cmd, self.store.is_some())?;
        if let Some(lsid) = cmd.get("lsid") {
            self.sessions.touch(lsid);
        }
        let max_time = match cmd.get("maxTimeMS") {
            None | Some(Bson::Null) => None,
            Some(v) => match crate::index::spec::number(v) {
                Some(ms) if ms >= 0.0 && ms.fract() == 0.0 => {
                    (ms > 0.0).then(|| Duration::from_millis(ms as u64))
                }
                _ => {
                    return Err(CommandError::bad_value(format!(
                        "maxTimeMS must be a non-negative integer, found {v}"
                    )));
                }
            },
        };
        let ns = match cmd.get(name) {
            Some(Bson::String(coll)) => format!("{db}.{coll}"),
            _ => format!("{db}.$cmd"),
        };
        let (opid, flag) = lock(&self.ops).start(ns, cmd, connection_id);
        // Leaves currentOp even when the handler panics.
        let _finish = FinishOp { engine: self, opid };
        let ctx = Ctx {
            engine: self,
            db,
            cmd,
            guard: OpGuard::new(flag, max_time),
            connection_id,
            documents: std::cell::RefCell::new(documents),
        };
        // Server-side JavaScript ($where, $function, $accumulator) polls the same kill flag and
        // deadline, and runs each call for at most mongod's default 60 s.
        let js_guard = ctx.guard.clone();
        let _js = docdb_query::js::OperationScope::enter(
            std::sync::Arc::new(move || js_guard.check_query()),
            docdb_query::js::DEFAULT_FN_TIMEOUT,
        );
        crate::profiler::begin(self.profiler.enabled(db));
        let _plans = crate::plan_cache::enter(&self.plan_cache, cmd);
        let started = Instant::now();
        let out = handler(&ctx);
        commands::current_op::note_cursor_reply(
            self,
            name,
            cmd,
            &out,
            crate::profiler::noted_plan_summary(),
        );
        self.profile(
            db,
            name,
            cmd,
            document_count.unwrap_or(0),
            &out,
            started.elapsed(),
        );
        out
    }

    /// Writes a `system.profile` entry when `db`'s profiling level asks for one.
    fn profile(
        &self,
        db: &str,
        name: &str,
        cmd: &Document,
        documents: usize,
        out: &Result<Document>,
        elapsed: Duration,
    ) {
        use crate::profiler;
        if !self.profiler.wants(db, elapsed) {
            return;
        }
        let ns = profiler::namespace(db, name, cmd);
        if profiler::is_exempt(&ns) || name == "profile" {
            return;
        }
        let reply = match out {
            Ok(r) => r.clone(),
            Err(e) => e.to_reply(),
        };
        let entries = profiler::entries(name, &ns, cmd, documents, &reply, elapsed);
        if let Err(e) = self.write(|cat| profiler::store(cat, db, entries)) {
            log::warn!("could not record a profiled operation: {e}");
        }
    }

    /// Runs `f` with shared access to the catalog.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&Catalog) -> R) -> R {
        let guard = self.catalog.read().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }

    /// Runs `f` with exclusive access, then makes its journal durable before
    /// releasing the lock. The closure's result is returned even when part
    /// of it failed (write errors), after the successful part is logged.
    /// When `f` panics, what it had changed is logged before the panic goes
    /// on, so the log keeps matching memory.
    pub(crate) fn write<R>(&self, f: impl FnOnce(&mut Catalog) -> R) -> Result<R> {
        let mut guard = self.catalog.write().unwrap_or_else(|e| e.into_inner());
        let out = catch_unwind(AssertUnwindSafe(|| f(&mut guard)));
        self.write_signal.bump();
        let pending = std::mem::take(&mut guard.pending);
        if let Some(store) = &self.store {
            let mut store = lock(store);
            if let Err(e) = store.append(&pending) {
                // Keep the records for the next write: the changes are in
                // memory, and the log must not skip them.
                guard.pending = pending;
                if let Err(payload) = out {
                    resume_unwind(payload);
                }
                return Err(CommandError::new(
                    codes::INTERNAL_ERROR,
                    format!("could not write the operation log: {e}"),
                ));
            }
            if store.log_bytes > COMPACT_AFTER_BYTES
                && let Err(e) = store.compact(&guard.snapshot_records())
            {
                log::warn!("log compaction failed (the log stays valid, retrying later): {e}");
            }
        }
        match out {
            Ok(out) => Ok(out),
            Err(payload) => resume_unwind(payload),
        }
    }

    /// The wire server accepted connection `id` from `remote` (`host:port`).
    pub fn connection_opened(&self, id: i64, remote: String) {
        self.clients.open(id, remote);
    }

    /// Connection `id` has closed.
    pub fn connection_closed(&self, id: i64) {
        self.clients.close(id);
    }

    pub(crate) fn plan_cache(&self) -> &crate::plan_cache::PlanCache {
        &self.plan_cache
    }

    pub(crate) fn clients(&self) -> &crate::clients::Clients {
        &self.clients
    }

    pub(crate) fn sessions(&self) -> &crate::sessions::Sessions {
        &self.sessions
    }

    pub(crate) fn write_signal(&self) -> &crate::tailable::WriteSignal {
        &self.write_signal
    }

    /// The client of connection `id` hung up while a command of it ran: a getMore waiting
    /// for data on it ends (the server calls this; see `tailable.rs`).
    pub fn client_gone(&self, id: i64) {
        self.write_signal.client_gone(id);
    }

    /// The command that [`Engine::client_gone`] was about has ended.
    pub fn forget_client(&self, id: i64) {
        self.write_signal.forget(id);
    }

    pub(crate) fn cursors(&self) -> MutexGuard<'_, Cursors> {
        lock(&self.cursors)
    }

    /// Records how the server was started (`argv`, and `parsed` as mongod shows it:
    /// `{net: {bindIp, port}, storage: {dbPath}}`), for `getCmdLineOpts`. Set once.
    pub fn set_command_line(&self, argv: Vec<String>, parsed: Document) {
        let _ = self.command_line.set((argv, parsed));
    }

    /// The recorded command line, else this process's arguments and nothing parsed.
    pub(crate) fn command_line(&self) -> (Vec<String>, Document) {
        self.command_line
            .get()
            .cloned()
            .unwrap_or_else(|| (std::env::args().collect(), Document::new()))
    }

    pub(crate) fn ops(&self) -> MutexGuard<'_, Ops> {
        lock(&self.ops)
    }

    /// Deletes documents whose TTL index date is older than
    /// `now - expireAfterSeconds` (dates inside arrays count by their
    /// earliest, as in MongoDB); also reaps idle cursors. Returns how many
    /// documents were removed.
    pub fn expire_ttl(&self, now: bson::DateTime) -> usize {
        self.cursors().reap_idle();
        let mut victims: Vec<(String, String, u64)> = Vec::new();
        self.read(|cat| {
            for (db, colls) in &cat.dbs {
                for (name, coll) in colls {
                    // Clustered and time-series collections expire by their own option.
                    for record in crate::clustered::expired(coll, now)
                        .into_iter()
                        .chain(crate::commands::timeseries::expired_buckets(coll, now))
                    {
                        victims.push((db.clone(), name.clone(), record));
                    }
                    for index in &coll.indexes {
                        let (Some(secs), Some((path, _))) =
                            (index.spec.expire_after_seconds, index.spec.fields.first())
                        else {
                            continue;
                        };
                        let cutoff = now
                            .timestamp_millis()
                            .saturating_sub(secs.saturating_mul(1000));
                        for (record, doc) in coll.records.documents() {
                            let dates = docdb_query::path::values_at_path(&doc, path);
                            let earliest = dates
                                .iter()
                                .flat_map(|v| match v {
                                    Bson::Array(items) => items.clone(),
                                    other => vec![other.clone()],
                                })
                                .filter_map(|v| match v {
                                    Bson::DateTime(d) => Some(d.timestamp_millis()),
                                    _ => None,
                                })
                                .min();
                            if earliest.is_some_and(|t| t <= cutoff) {
                                victims.push((db.clone(), name.clone(), record));
                            }
                        }
                    }
                }
            }
        });
        if victims.is_empty() {
            return 0;
        }
        self.write(|cat| {
            victims
                .iter()
                .filter(|(db, c, r)| cat.remove(db, c, *r).is_some())
                .count()
        })
        .unwrap_or_else(|e| {
            log::warn!("TTL expiry could not log its deletes: {e}");
            0
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use bson::doc;

    /// Test builds only: `{__testPanic: "handler" | "read" | "write"}` panics
    /// in the handler, under the catalog's read lock, or under its write lock
    /// after inserting `{_id: "before the panic"}` into `t.c`.
    pub(crate) fn test_handler(name: &str) -> Option<commands::Handler> {
        (name == "__testPanic").then_some(panicking as commands::Handler)
    }

    fn panicking(ctx: &Ctx) -> Result<Document> {
        match ctx.cmd.get_str("__testPanic").unwrap_or("handler") {
            "read" => ctx
                .engine
                .read(|_| panic!("test panic under the read lock")),
            "write" => ctx.engine.write(|cat| {
                cat.insert("t", "c", doc! {"_id": "before the panic"})
                    .expect("insert");
                panic!("test panic under the write lock")
            }),
            _ => panic!("test panic in a handler: {}", 42),
        }
    }

    #[test]
    fn a_panicking_command_is_an_internal_error_naming_the_panic() {
        let e = Engine::in_memory();
        for (place, text) in [
            ("handler", "test panic in a handler: 42"),
            ("read", "test panic under the read lock"),
            ("write", "test panic under the write lock"),
        ] {
            let r = e.execute("t", doc! {"__testPanic": place});
            assert_eq!(r.get_f64("ok").unwrap(), 0.0, "{r}");
            assert_eq!(r.get_i32("code").unwrap(), 1, "{r}");
            assert_eq!(r.get_str("codeName").unwrap(), "InternalError");
            assert!(r.get_str("errmsg").unwrap().contains(text), "{r}");
            // The engine still reads and writes, and the panicked op is gone.
            let w = e.execute("t", doc! {"insert": "c", "documents": [{"after": place}]});
            assert_eq!(w.get_i32("n").unwrap(), 1, "{w}");
            let f = e.execute("t", doc! {"find": "c", "filter": {"after": place}});
            let batch = f
                .get_document("cursor")
                .unwrap()
                .get_array("firstBatch")
                .unwrap();
            assert_eq!(batch.len(), 1, "{f}");
            let ops = e.execute("admin", doc! {"currentOp": 1});
            let inprog = ops.get_array("inprog").unwrap();
            assert!(
                inprog
                    .iter()
                    .all(|op| !op.to_string().contains("__testPanic")),
                "{ops}"
            );
        }
    }

    #[test]
    fn changes_made_before_a_panic_under_the_write_lock_are_logged() {
        let dir = std::env::temp_dir().join(format!("docdb-panic-log-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        {
            let e = Engine::open_dir(&dir).unwrap();
            let r = e.execute("t", doc! {"__testPanic": "write"});
            assert_eq!(r.get_i32("code").unwrap(), 1, "{r}");
        }
        let e = Engine::open_dir(&dir).unwrap();
        let f = e.execute("t", doc! {"find": "c", "filter": {}});
        let batch = f
            .get_document("cursor")
            .unwrap()
            .get_array("firstBatch")
            .unwrap();
        assert_eq!(batch.len(), 1, "memory and log agree after the panic: {f}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn unknown_command_is_59_with_mongodb_message() {
        let e = Engine::in_memory();
        let r = e.execute("d", doc! {"frob": 1});
        assert_eq!(r.get_i32("code").unwrap(), 59);
        assert_eq!(r.get_str("errmsg").unwrap(), "no such command: 'frob'");
        assert_eq!(e.execute("d", doc! {}).get_i32("code").unwrap(), 9);
    }

    #[test]
    fn transactions_are_refused_on_a_standalone() {
        let e = Engine::in_memory();
        let r = e.execute(
            "d",
            doc! {"insert": "c", "documents": [{"a": 1}], "txnNumber": 1_i64, "autocommit": false},
        );
        assert_eq!(r.get_i32("code").unwrap(), 20);
        // commitTransaction/abortTransaction are commands mongod knows: as a driver sends them
        // (admin, txnNumber, autocommit) a standalone answers 20, not CommandNotFound.
        for name in ["commitTransaction", "abortTransaction"] {
            let mut cmd = doc! {name: 1, "txnNumber": 1_i64, "autocommit": false};
            assert_eq!(e.execute("admin", cmd.clone()).get_i32("code").unwrap(), 20);
            cmd.remove("txnNumber");
            cmd.remove("autocommit");
            let r = e.execute("admin", cmd.clone());
            assert_eq!(r.get_i32("code").unwrap(), 125, "{r}");
            assert_eq!(r.get_str("codeName").unwrap(), "CommandFailed");
            assert_eq!(e.execute("d", cmd).get_i32("code").unwrap(), 13);
        }
    }

    #[test]
    fn session_fields_are_ignored() {
        let e = Engine::in_memory();
        let r = e.execute("d", doc! {"ping": 1, "lsid": {"id": 1}, "$clusterTime": {}, "$readPreference": {"mode": "primary"}});
        assert_eq!(r.get_f64("ok").unwrap(), 1.0);
    }

    #[test]
    fn wrong_argument_types_are_errors_not_panics() {
        let e = Engine::in_memory();
        for cmd in [
            doc! {"find": 5},
            doc! {"find": "c", "filter": 3},
            doc! {"find": "c", "limit": "x"},
            doc! {"insert": "c", "documents": 1},
            doc! {"insert": "c", "documents": [1]},
            doc! {"update": "c", "updates": [{"q": {}, "u": 7}]},
            doc! {"getMore": "x", "collection": "c"},
            doc! {"createIndexes": "c", "indexes": [{"key": {"a": "weird"}}]},
            doc! {"aggregate": "c", "pipeline": [{"$nope": 1}], "cursor": {}},
            doc! {"explain": 1},
            doc! {"renameCollection": 5},
            doc! {"find": "c", "maxTimeMS": -1},
        ] {
            let r = e.execute("d", cmd.clone());
            let ok = r.get_f64("ok").unwrap();
            let has_write_error = r.get_array("writeErrors").is_ok();
            assert!(ok == 0.0 || has_write_error, "{cmd} should fail: {r}");
            assert!(r.get_i32("code").is_ok() || has_write_error, "{r}");
        }
    }
}
