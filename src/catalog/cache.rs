//! One schema snapshot per connection, for completion and inspection.
//!
//! The executor owns the session, so after every cell it hands the cache what completion needs
//! to know without asking it: the connection names (with their engines once opened) and the
//! variables. It also starts a background refresh of a connection's catalog when that connection
//! is new (or was replaced by `%connect`) or the cell may have changed its schema (DDL, writes,
//! `use DB`). Completion reads the snapshot; when a refresh is under way it waits for it a
//! bounded moment ([`FRESH_WAIT`]) so that a table created by the last cell is offered, and
//! otherwise answers from the previous snapshot. Nothing here ever blocks on a running cell.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::{Catalog, Found, Lookup};
use crate::engine::{Engine, Language};
use crate::session::connections::Entry;

/// How long a completion request waits for a refresh that is already running.
pub const FRESH_WAIT: Duration = Duration::from_millis(600);
/// How long one catalog read may take before it is given up (the old snapshot stays).
const READ_LIMIT: Duration = Duration::from_secs(15);
/// How long a live lookup (Redis SCAN, one key's details) may take.
pub const LOOKUP_LIMIT: Duration = Duration::from_millis(400);

/// A variable as `%vars` shows it, copied after each cell.
#[derive(Debug, Clone)]
pub struct VariableInfo {
    pub name: String,
    pub kind: String,
    pub summary: String,
    /// The value's version, so that [`super::kept::shapes`] reads a changed value again.
    pub version: Option<u64>,
    /// How it reads as a table on the `results` connection; `None` when it cannot.
    pub table: Option<super::kept::KeptTable>,
}

#[derive(Default)]
pub struct Cache {
    inner: Mutex<Inner>,
    /// The connections as the kernel started (dbkernel.toml, DATABASE_URL…), before any cell:
    /// what a frontend cannot read from the notebook's `%connect` lines (kernel_info says it).
    started: std::sync::OnceLock<Vec<Entry>>,
    /// Wakes [`Cache::started_connections`] when `started` is set. It used to poll every 20 ms,
    /// and a kernel_info right after start (every client sends one) then waited a whole step:
    /// the kernel's start time went from 7 ms to 27 ms.
    started_set: tokio::sync::Notify,
}

#[derive(Default)]
struct Inner {
    connections: Vec<Entry>,
    variables: Vec<VariableInfo>,
    slots: HashMap<String, Slot>,
}

struct Slot {
    engine: Arc<dyn Engine>,
    catalog: Option<Arc<Catalog>>,
    refreshing: bool,
    /// A refresh was asked for while one ran: run another when it ends.
    again: bool,
    /// Bumped each time a refresh ends, for requests waiting on it.
    done: Arc<watch::Sender<u64>>,
    /// What only the user's session sees (temporary tables, uncommitted DDL), read on the
    /// session after a cell that may have changed it ([`Engine::session_tables`]).
    session: crate::catalog::SessionTables,
}

impl Cache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// After a cell (and once at start): the session's connections and variables, and which
    /// catalogs to read again.
    pub fn after_cell(
        self: &Arc<Self>,
        connections: Vec<Entry>,
        variables: Vec<VariableInfo>,
        code: &str,
    ) {
        if self.started.set(connections.clone()).is_ok() {
            self.started_set.notify_waiters();
        }
        let target = cell_target(code);
        let mut to_refresh = Vec::new();
        let mut to_read_session = Vec::new();
        {
            let mut inner = self.lock();
            inner.slots.retain(|name, slot| {
                connections.iter().any(|c| {
                    &c.name == name
                        && c.engine
                            .as_ref()
                            .is_some_and(|e| Arc::ptr_eq(e, &slot.engine))
                })
            });
            for entry in &connections {
                let Some(engine) = &entry.engine else {
                    continue;
                };
                let targeted = match &target {
                    Some((language, Some(name), _)) => {
                        *language == entry.language && *name == entry.name
                    }
                    Some((language, None, _)) => *language == entry.language && entry.current,
                    None => false,
                };
                let changed = targeted
                    && target
                        .as_ref()
                        .is_some_and(|(language, _, body)| may_change_schema(*language, body));
                match inner.slots.get_mut(&entry.name) {
                    None => {
                        inner.slots.insert(
                            entry.name.clone(),
                            Slot {
                                engine: engine.clone(),
                                catalog: None,
                                refreshing: false,
                                again: false,
                                done: Arc::new(watch::channel(0).0),
                                session: Default::default(),
                            },
                        );
                        to_refresh.push(entry.name.clone());
                    }
                    Some(slot) if changed => {
                        if slot.refreshing {
                            slot.again = true;
                        } else {
                            to_refresh.push(entry.name.clone());
                        }
                        to_read_session.push(entry.name.clone());
                    }
                    Some(_) => {}
                }
            }
            inner.connections = connections;
            inner.variables = variables;
        }
        for name in to_refresh {
            self.refresh(name);
        }
        for name in to_read_session {
            self.read_session(name);
        }
    }

    /// Reads what only the session sees, in the background; the engine takes the session only
    /// if no cell holds it, so a cell that started meanwhile leaves the previous reading in place.
    fn read_session(self: &Arc<Self>, name: String) {
        let Some(engine) = self.lock().slots.get(&name).map(|s| s.engine.clone()) else {
            return;
        };
        let cache = self.clone();
        tokio::spawn(async move {
            let tables = match tokio::time::timeout(READ_LIMIT, engine.session_tables()).await {
                Ok(Some(Ok(tables))) => tables,
                Ok(Some(Err(why))) => {
                    log::info!("session tables of {name} not read: {why}");
                    return;
                }
                _ => return,
            };
            let mut inner = cache.lock();
            if let Some(slot) = inner.slots.get_mut(&name)
                && Arc::ptr_eq(&slot.engine, &engine)
            {
                slot.session = tables;
            }
        });
    }

    fn refresh(self: &Arc<Self>, name: String) {
        let engine = {
            let mut inner = self.lock();
            let Some(slot) = inner.slots.get_mut(&name) else {
                return;
            };
            slot.refreshing = true;
            slot.engine.clone()
        };
        let cache = self.clone();
        tokio::spawn(async move {
            let read = tokio::time::timeout(READ_LIMIT, engine.catalog()).await;
            // A long cell held the session: read again once it is free (waiting costs nothing).
            let busy = matches!(&read, Ok(Some(Err(why))) if why == super::SESSION_BUSY);
            let catalog = match read {
                Ok(Some(Ok(catalog))) => Some(Arc::new(catalog)),
                Ok(Some(Err(why))) => {
                    log::info!("catalog of {name} not read: {why}");
                    None
                }
                Ok(None) => None,
                Err(_) => {
                    log::info!("catalog of {name} not read within {READ_LIMIT:?}");
                    None
                }
            };
            let again = {
                let mut inner = cache.lock();
                let Some(slot) = inner.slots.get_mut(&name) else {
                    return;
                };
                if !Arc::ptr_eq(&slot.engine, &engine) {
                    return;
                }
                if catalog.is_some() {
                    slot.catalog = catalog;
                }
                slot.refreshing = false;
                slot.done.send_modify(|n| *n += 1);
                std::mem::take(&mut slot.again) || busy
            };
            if again {
                cache.refresh(name);
            }
        });
    }

    /// The connections as the kernel started, waiting (bounded) for the executor to have read
    /// them; `None` if it has not within that time.
    pub async fn started_connections(&self) -> Option<Vec<Entry>> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        loop {
            // Registered before the check, so a `set` between the two still wakes it.
            let notified = self.started_set.notified();
            if let Some(started) = self.started.get() {
                return Some(started.clone());
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return None;
            }
        }
    }

    pub fn connections(&self) -> Vec<Entry> {
        self.lock().connections.clone()
    }

    pub fn variables(&self) -> Vec<VariableInfo> {
        self.lock().variables.clone()
    }

    /// The connection a cell of `language` runs on: the named one, else the current one.
    pub fn connection_for(&self, language: Language, name: Option<&str>) -> Option<Entry> {
        self.lock()
            .connections
            .iter()
            .find(|c| c.language == language && name.map_or(c.current, |n| n == c.name))
            .cloned()
    }

    /// The catalog completion and inspection use for `entry`: its snapshot, with the kept
    /// variables laid over it on the `results` connection (even before that connection opened).
    pub async fn catalog_for(&self, entry: &Entry) -> Option<Arc<Catalog>> {
        let kept = match &entry.engine {
            Some(engine) => engine.reads_kept_results(),
            None => entry.name == crate::engine::results::CONNECTION,
        };
        let snapshot = match &entry.engine {
            Some(_) => self.catalog(&entry.name).await,
            None => None,
        };
        if !kept {
            return snapshot;
        }
        let variables = self.variables();
        Some(Arc::new(super::kept::overlay(
            snapshot.as_deref(),
            &variables,
        )))
    }

    /// The catalog of `name` as last read, after waiting (bounded) for a refresh under way,
    /// with what only the session sees laid over it.
    pub async fn catalog(&self, name: &str) -> Option<Arc<Catalog>> {
        let waiting = {
            let inner = self.lock();
            let slot = inner.slots.get(name)?;
            if !slot.refreshing {
                return with_session(slot);
            }
            slot.done.subscribe()
        };
        let mut waiting = waiting;
        let _ = tokio::time::timeout(FRESH_WAIT, waiting.changed()).await;
        self.lock().slots.get(name).and_then(with_session)
    }

    /// Asks an open connection a live question, within [`LOOKUP_LIMIT`].
    pub async fn lookup(&self, name: &str, question: &Lookup) -> Option<Found> {
        let engine = self.lock().slots.get(name)?.engine.clone();
        match tokio::time::timeout(LOOKUP_LIMIT, engine.lookup(question)).await {
            Ok(Some(Ok(found))) => Some(found),
            Ok(Some(Err(why))) => {
                log::info!("lookup on {name} failed: {why}");
                None
            }
            _ => None,
        }
    }
}

/// A slot's snapshot with its session-only tables: each replaces the committed table of the same
/// name (an `ALTER` in the open transaction) and stays marked only while the side connection
/// does not see it (after `COMMIT` it soon does; after `ROLLBACK` the next reading drops it).
/// Committed tables the open transaction dropped are left out.
fn with_session(slot: &Slot) -> Option<Arc<Catalog>> {
    let catalog = slot.catalog.clone()?;
    let session = &slot.session;
    if session.tables.is_empty() && session.visible.is_none() {
        return Some(catalog);
    }
    let Catalog::Sql(sql) = catalog.as_ref() else {
        return Some(catalog);
    };
    let mut sql = sql.clone();
    if let Some(visible) = &session.visible {
        sql.tables
            .retain(|t| visible.contains(&(t.schema.clone(), t.name.clone())));
    }
    for table in &session.tables {
        let committed = sql
            .tables
            .iter()
            .position(|t| t.schema == table.schema && t.name == table.name);
        let mut table = table.clone();
        if let Some(i) = committed {
            table.session_only = false;
            table.rows = sql.tables[i].rows;
            sql.tables.remove(i);
        }
        sql.tables.push(table);
    }
    Some(Arc::new(Catalog::Sql(sql)))
}

/// The language, connection name and body of a cell (`None` for a cell of line magics only).
fn cell_target(code: &str) -> Option<(Language, Option<String>, String)> {
    let cell = crate::cell::parse_cell(code).ok()?;
    let body = cell.body?;
    Some((body.language, body.connection.clone(), body.body))
}

/// Whether a cell may have changed what the catalog shows. A false positive costs one
/// background read; a false negative leaves a name out until the next refresh.
fn may_change_schema(language: Language, body: &str) -> bool {
    match language {
        // Collections appear on first insert and fields with every write; `use DB` changes `db`.
        Language::Mql => true,
        // Commands do not change; keys are looked up live.
        Language::Redis => false,
        Language::Sql => body
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|word| {
                const WORDS: &[&str] = &[
                    "create", "alter", "drop", "rename", "attach", "detach", "commit", "rollback",
                    "end", "analyze", "vacuum", "truncate", "import", "comment", "insert",
                    "delete", "copy", "load", "source", "replace", "merge",
                ];
                WORDS.iter().any(|w| word.eq_ignore_ascii_case(w))
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ddl_and_writes_refresh_sql_catalogs_but_plain_reads_do_not() {
        assert!(may_change_schema(Language::Sql, "create table t (a int)"));
        assert!(may_change_schema(Language::Sql, "INSERT INTO t VALUES (1)"));
        assert!(!may_change_schema(Language::Sql, "SELECT created FROM t"));
        assert!(may_change_schema(Language::Mql, "db.c.find()"));
        assert!(!may_change_schema(Language::Redis, "SET k v"));
    }

    #[test]
    fn the_cell_target_is_its_magic_and_connection() {
        let (language, name, body) = cell_target("%%sql pg\nSELECT 1").unwrap();
        assert_eq!(
            (language, name.as_deref(), body.trim()),
            (Language::Sql, Some("pg"), "SELECT 1")
        );
        assert!(cell_target("%vars").is_none());
    }
}
