//! The plan cache of mongod 7.0's classic engine: a raced query's winner is kept per query
//! shape and reused by later queries of that shape.
//!
//! A query's *shape* is its filter with the values left out (fields, operators, nesting),
//! its sort, its projection and its collation; `queryHash` is a hash of the shape and
//! `planCacheKey` a hash of the shape and the collection's indexes (mongod's key adds the
//! indexes' eligibility; both are 8 upper-case hex digits there and here, though the hash
//! function is ours). Only queries that were raced (more than one candidate plan) are cached,
//! as in mongod, and explain neither reads nor writes the cache (mongod's shouldCacheQuery).
//!
//! The entry states follow mongod's: the first race of a shape leaves an *inactive* entry
//! holding the winner's trial works; the next race of the shape activates it when its winner
//! took no more works, else the entry's works grow (×2, internalQueryCacheWorksGrowthCoefficient)
//! and it stays inactive. An *active* entry is used without racing: its plan (the same index
//! or indexes, with bounds from the new query's values) runs a trial of at most 10× the cached
//! works (internalQueryCacheEvictionRatio); if that trial neither ends nor produces 101
//! documents, the entry is evicted and the query is raced again (mongod's replanning).
//!
//! An entry remembers the collection's index list; when indexes are created or dropped, or
//! the collection is dropped (a new collection has a new UUID), the old entries no longer
//! apply and are dropped, as mongod clears a collection's cache on those events.
//!
//! The engine enters the cache for each command on its thread (`enter`); `exec::select`
//! consults it (`cached_plan`, `remember`), `$planCacheStats` and `planCacheClear`
//! (`commands/plan_cache.rs`) read and clear it, and explain reports the shape's hashes
//! (`last_shape`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bson::{Bson, Document, doc};

use crate::collection::Collection;
use crate::error::Result;
use crate::planner::Access;
use crate::race::{MAX_RESULTS, Race, Trial};

/// internalQueryCacheEvictionRatio.
const EVICTION_RATIO: u64 = 10;
/// internalQueryCacheWorksGrowthCoefficient.
const WORKS_GROWTH: u64 = 2;
/// Entries kept per collection (mongod bounds its cache by size; this keeps a notebook's
/// thousands of generated shapes from growing without end).
const MAX_ENTRIES: usize = 5000;

/// A query's shape and its two hashes.
#[derive(Debug, Clone)]
pub struct Shape {
    pub query_hash: String,
    pub plan_cache_key: String,
    /// `createdFromQuery`: the query that made the entry, as given.
    pub query: Document,
    pub sort: Document,
    pub projection: Document,
    pub collation: Option<Document>,
}

impl Shape {
    pub fn new(
        coll: &Collection,
        filter: &Document,
        sort: Option<&Document>,
        projection: Option<&Document>,
        collation: Option<&docdb_query::collation::Collation>,
    ) -> Shape {
        let mut text = String::new();
        encode_filter(filter, &mut text);
        text.push('|');
        if let Some(sort) = sort {
            for (k, v) in sort {
                text.push_str(&format!("{k}:{};", encode_scalar(v)));
            }
        }
        text.push('|');
        if let Some(projection) = projection {
            for (k, v) in projection {
                text.push_str(&format!("{k}:{};", encode_scalar(v)));
            }
        }
        text.push('|');
        let collation = collation.map(|c| c.spec().clone());
        if let Some(c) = &collation {
            text.push_str(&c.to_string());
        }
        let query_hash = hex(fnv1a(text.as_bytes()));
        text.push('|');
        text.push_str(&index_signature(coll));
        Shape {
            query_hash,
            plan_cache_key: hex(fnv1a(text.as_bytes())),
            query: filter.clone(),
            sort: sort.cloned().unwrap_or_default(),
            projection: projection.cloned().unwrap_or_default(),
            collation,
        }
    }
}

/// The filter's shape: paths and operators, values by kind only where the plan depends on
/// it (null, regular expressions, arrays and documents bound differently than scalars).
fn encode_filter(filter: &Document, out: &mut String) {
    out.push('{');
    for (k, v) in filter {
        out.push_str(k);
        out.push(':');
        match v {
            Bson::Document(d) if d.keys().next().is_some_and(|f| f.starts_with('$')) => {
                out.push('{');
                for (op, arg) in d {
                    out.push_str(op);
                    match arg {
                        Bson::Document(inner) if op != "$eq" && op != "$ne" => {
                            encode_filter(inner, out)
                        }
                        Bson::Array(items) if matches!(op.as_str(), "$all" | "$in" | "$nin") => {
                            out.push('[');
                            for item in items {
                                out.push_str(encode_scalar(item));
                            }
                            out.push(']');
                        }
                        other => out.push_str(encode_scalar(other)),
                    }
                    out.push(',');
                }
                out.push('}');
            }
            Bson::Array(clauses) if k.starts_with('$') => {
                out.push('[');
                for clause in clauses {
                    match clause {
                        Bson::Document(d) => encode_filter(d, out),
                        other => out.push_str(encode_scalar(other)),
                    }
                }
                out.push(']');
            }
            Bson::Document(d) if k.starts_with('$') => encode_filter(d, out),
            other => out.push_str(encode_scalar(other)),
        }
        out.push(',');
    }
    out.push('}');
}

fn encode_scalar(v: &Bson) -> &'static str {
    match v {
        Bson::Null => "n",
        Bson::RegularExpression(_) => "r",
        Bson::Array(_) => "a",
        Bson::Document(_) => "o",
        Bson::Int32(i) if *i < 0 => "-",
        Bson::Int64(i) if *i < 0 => "-",
        Bson::Double(d) if *d < 0.0 => "-",
        _ => "v",
    }
}

/// The collection's indexes as the cache sees them (names and key patterns, in order).
fn index_signature(coll: &Collection) -> String {
    let mut s = coll.uuid.to_string();
    for index in &coll.indexes {
        s.push_str(&format!(";{}={}", index.spec.name, index.spec.key));
    }
    s
}

fn fnv1a(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for b in bytes {
        h ^= u32::from(*b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

fn hex(h: u32) -> String {
    format!("{h:08X}")
}

/// Which indexes a plan reads (what the cache keeps of it: bounds come from each query).
fn plan_id(coll: &Collection, access: &Access) -> String {
    let name = |i: &usize| {
        coll.indexes
            .get(*i)
            .map(|x| x.spec.name.clone())
            .unwrap_or_default()
    };
    match access {
        Access::CollScan => "COLLSCAN".into(),
        Access::IndexScan {
            index, backward, ..
        } => format!(
            "IXSCAN {} {}",
            name(index),
            if *backward { "b" } else { "f" }
        ),
        Access::Text { index } => format!("TEXT {}", name(index)),
        Access::GeoNear { index } => format!("GEO {}", name(index)),
        Access::Or { branches } => {
            let names: Vec<String> = branches.iter().map(|(i, _)| name(i)).collect();
            format!("OR {}", names.join(","))
        }
    }
}

/// One cached shape.
#[derive(Debug, Clone)]
pub struct Entry {
    pub shape: Shape,
    pub active: bool,
    pub works: u64,
    pub created: bson::DateTime,
    /// The winner's `plan_id`.
    plan: String,
    /// The race that made the entry, winner first (its plan, counters and scores).
    pub trials: Vec<Trial>,
}

#[derive(Default)]
struct CollectionCache {
    signature: String,
    entries: Vec<Entry>,
}

/// Every collection's entries, by collection UUID.
#[derive(Default)]
pub struct PlanCache {
    collections: Mutex<HashMap<bson::Uuid, CollectionCache>>,
}

impl PlanCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<bson::Uuid, CollectionCache>> {
        self.collections.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The entries of `coll` that still apply to its indexes.
    pub fn entries(&self, coll: &Collection) -> Vec<Entry> {
        let mut all = self.lock();
        let cache = current_cache(&mut all, coll);
        cache.entries.clone()
    }

    /// `planCacheClear`: every entry of `coll`, or those of one query shape.
    pub fn clear(&self, coll: &Collection, shape: Option<&Shape>) {
        let mut all = self.lock();
        let cache = current_cache(&mut all, coll);
        match shape {
            Some(shape) => cache
                .entries
                .retain(|e| e.shape.plan_cache_key != shape.plan_cache_key),
            None => cache.entries.clear(),
        }
    }
}

/// `coll`'s cache, emptied first if its indexes changed since its entries were made.
fn current_cache<'a>(
    all: &'a mut HashMap<bson::Uuid, CollectionCache>,
    coll: &Collection,
) -> &'a mut CollectionCache {
    let signature = index_signature(coll);
    let cache = all.entry(coll.uuid).or_default();
    if cache.signature != signature {
        cache.signature = signature;
        cache.entries.clear();
    }
    cache
}

/// What the running command brought to the cache.
struct Current {
    cache: Arc<PlanCache>,
    /// The command's projection (part of the shape).
    projection: Option<Document>,
    /// Explain neither reads nor writes the cache.
    explain: bool,
    /// The shape of the command's last selection (explain reports its hashes).
    last_shape: Option<Shape>,
}

thread_local! {
    static CURRENT: RefCell<Option<Current>> = const { RefCell::new(None) };
}

/// Leaves the cache when dropped (the command has ended).
pub struct Entered(());

impl Drop for Entered {
    fn drop(&mut self) {
        CURRENT.with(|c| c.borrow_mut().take());
    }
}

/// The engine runs command `cmd` on this thread: its selections use `cache`.
pub fn enter(cache: &Arc<PlanCache>, cmd: &Document) -> Entered {
    let explain = cmd.keys().next().is_some_and(|k| k == "explain");
    let inner = match cmd.get("explain") {
        Some(Bson::Document(inner)) if explain => inner,
        _ => cmd,
    };
    let projection = inner.get_document("projection").ok().cloned();
    CURRENT.with(|c| {
        *c.borrow_mut() = Some(Current {
            cache: Arc::clone(cache),
            projection,
            explain,
            last_shape: None,
        })
    });
    Entered(())
}

/// The shape of a selection about to be planned, noted for explain; `None` outside a command.
pub fn note_shape(
    coll: &Collection,
    filter: &Document,
    sort: Option<&Document>,
    collation: Option<&docdb_query::collation::Collation>,
) -> Option<Shape> {
    CURRENT.with(|c| {
        let mut c = c.borrow_mut();
        let current = c.as_mut()?;
        let shape = Shape::new(coll, filter, sort, current.projection.as_ref(), collation);
        current.last_shape = Some(shape.clone());
        Some(shape)
    })
}

/// The shape of the running command's last selection.
pub fn last_shape() -> Option<Shape> {
    CURRENT.with(|c| c.borrow().as_ref()?.last_shape.clone())
}

fn cache_for_use() -> Option<Arc<PlanCache>> {
    CURRENT.with(|c| {
        let c = c.borrow();
        let current = c.as_ref()?;
        (!current.explain).then(|| Arc::clone(&current.cache))
    })
}

/// The plan of an active entry for `shape`, among `candidates` (with whether each covers the
/// sort), after its trial succeeded; `None` when the query must be raced (no active entry, or
/// the trial went over 10× the cached works: the entry is evicted).
pub fn cached_plan(
    coll: &Collection,
    shape: &Shape,
    candidates: &[(Access, bool)],
    race: &Race,
) -> Result<Option<(Access, bool)>> {
    let Some(cache) = cache_for_use() else {
        return Ok(None);
    };
    let (plan, works) = {
        let mut all = cache.lock();
        let entries = &current_cache(&mut all, coll).entries;
        match entries
            .iter()
            .find(|e| e.shape.plan_cache_key == shape.plan_cache_key && e.active)
        {
            Some(e) => (e.plan.clone(), e.works),
            None => return Ok(None),
        }
    };
    let Some((access, covered)) = candidates
        .iter()
        .find(|(a, _)| plan_id(coll, a) == plan)
        .cloned()
    else {
        cache.clear(coll, Some(shape));
        return Ok(None);
    };
    let trial = race.trial_one(&access, covered, works.saturating_mul(EVICTION_RATIO))?;
    if trial.eof || trial.advanced >= MAX_RESULTS {
        return Ok(Some((access, covered)));
    }
    cache.clear(coll, Some(shape));
    Ok(None)
}

/// Records a race of `shape` (winner first), with mongod's entry states.
pub fn remember(coll: &Collection, shape: &Shape, trials: &[Trial]) {
    let (Some(cache), Some(winner)) = (cache_for_use(), trials.first()) else {
        return;
    };
    let mut all = cache.lock();
    let entries = &mut current_cache(&mut all, coll).entries;
    let fresh = |active: bool| Entry {
        shape: shape.clone(),
        active,
        works: winner.works,
        created: bson::DateTime::now(),
        plan: plan_id(coll, &winner.access),
        trials: trials.to_vec(),
    };
    match entries
        .iter_mut()
        .find(|e| e.shape.plan_cache_key == shape.plan_cache_key)
    {
        Some(entry) if !entry.active && winner.works <= entry.works => *entry = fresh(true),
        Some(entry) if !entry.active => {
            entry.works = (entry.works + 1).max(entry.works.saturating_mul(WORKS_GROWTH));
        }
        Some(entry) => *entry = fresh(false),
        None => {
            if entries.len() >= MAX_ENTRIES {
                entries.remove(0);
            }
            entries.push(fresh(false));
        }
    }
}

/// An entry as `$planCacheStats` lists it (mongod 7.0's `planCacheEntryToBSON` fields).
pub fn entry_document(coll: &Collection, entry: &Entry, host: &str) -> Document {
    let mut created_from = doc! {
        "query": entry.shape.query.clone(),
        "sort": entry.shape.sort.clone(),
        "projection": entry.shape.projection.clone(),
    };
    if let Some(c) = &entry.shape.collation {
        created_from.insert("collation", c.clone());
    }
    let filter = &entry.shape.query;
    let cached_plan = entry
        .trials
        .first()
        .map(|t| crate::commands::explain::plan_stage(coll, &t.access, filter))
        .unwrap_or_default();
    let mut exec_stats = crate::commands::explain::trials_execution(coll, &entry.trials, filter);
    for stats in &mut exec_stats {
        if let Bson::Document(d) = stats {
            d.remove("score");
        }
    }
    let scores: Vec<Bson> = entry.trials.iter().map(|t| Bson::Double(t.score)).collect();
    let mut out = doc! {
        "version": "1",
        "queryHash": entry.shape.query_hash.clone(),
        "planCacheKey": entry.shape.plan_cache_key.clone(),
        "isActive": entry.active,
        "works": entry.works as i64,
        "timeOfCreation": entry.created,
        "createdFromQuery": created_from,
        "cachedPlan": cached_plan,
        "creationExecStats": exec_stats,
        "candidatePlanScores": scores,
        "indexFilterSet": false,
    };
    let size = crate::commands::write_util::bson_size(&out) as i64;
    out.insert("estimatedSizeBytes", size);
    out.insert("host", host);
    out
}
