//! Running a plan: scan, filter, sort, skip, limit — with real counters.
//!
//! `select` is shared by every command that reads documents (find, count,
//! distinct, update, delete, findAndModify, the input of aggregate), so they
//! all plan the same way and `explain` can report exactly what ran: the
//! counters in `ExecStats` are incremented by the loops below, never derived.
//! Rows are record ids (plus the positional `$` index and `$text` score), so
//! writers can go back to the stored document.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant;

use bson::{Bson, Document, doc};
use docdb_query::collation::Collation;
use docdb_query::limits::{Budgeted, Limits, MemoryLimits, Size, document_size};
use docdb_query::matcher::{Filter, MatchContext};
use docdb_query::sort::SortSpec;

use crate::collection::Collection;
use crate::error::{CommandError, Result};
use crate::guard::OpGuard;
use crate::index::{IndexEntry, KeyPart};
use crate::planner::{self, Access, Interval, Plan};

/// What to read.
#[derive(Default, Clone, Copy)]
pub struct SelectRequest<'a> {
    pub filter: Option<&'a Document>,
    pub sort: Option<&'a Document>,
    pub skip: u64,
    /// `None` (or 0) reads everything.
    pub limit: Option<u64>,
    pub hint: Option<&'a Bson>,
    pub vars: Option<&'a Document>,
    /// The in-memory sort's budget (`allowDiskUse`).
    pub memory: MemoryLimits,
    /// The operation's effective collation (its own, else the collection's default; None:
    /// binary). The filter and sort compare strings under it, and only indexes with the same
    /// collation are used.
    pub collation: Option<&'a Arc<Collation>>,
}

/// One selected document.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    pub record: u64,
    pub positional: Option<usize>,
    pub score: Option<f64>,
}

/// Counters of one execution, per stage.
#[derive(Debug, Clone, Default)]
pub struct ExecStats {
    pub keys_examined: u64,
    pub docs_examined: u64,
    /// Records produced by the index scan (before the filter).
    pub index_returned: u64,
    /// Documents that passed the filter.
    pub matched: u64,
    /// Rows out of the in-memory sort (0 when no sort stage ran).
    pub sorted: u64,
    pub after_skip: u64,
    pub after_limit: u64,
    pub millis: u64,
    /// Per `$or` branch: keys examined and records produced.
    pub branches: Vec<(u64, u64)>,
}

/// The rows, the plan that produced them, and its counters.
pub struct Selection {
    pub rows: Vec<Row>,
    pub plan: Plan,
    pub stats: ExecStats,
    /// True when an in-memory SORT stage ran.
    pub sorted_in_memory: bool,
    /// The raced candidates' trials, winner first (empty when only one plan was possible).
    pub trials: Vec<crate::race::Trial>,
}

/// One key of a sort specification.
enum SortKey {
    Field(SortSpec),
    TextScore,
}

/// A parsed sort: its keys, and the plain `(field, direction)` list the
/// planner can match against indexes (empty when `$meta` is involved).
pub struct Sort {
    keys: Vec<SortKey>,
    pub plain: Vec<(String, i32)>,
}

impl Sort {
    pub fn parse(spec: &Document) -> Result<Sort> {
        Self::parse_collated(spec, None)
    }

    /// A sort whose strings order under `collation`.
    pub fn parse_collated(spec: &Document, collation: Option<&Arc<Collation>>) -> Result<Sort> {
        let mut keys = Vec::new();
        let mut plain = Vec::new();
        let mut has_meta = false;
        for (field, dir) in spec {
            if let Bson::Document(meta) = dir
                && meta.get_str("$meta").ok() == Some("textScore")
            {
                keys.push(SortKey::TextScore);
                has_meta = true;
                continue;
            }
            let single = SortSpec::parse(&doc! {field.clone(): dir.clone()})?
                .with_collation(collation.cloned());
            if let Some(f) = single.fields().first() {
                plain.push(f.clone());
            }
            keys.push(SortKey::Field(single));
        }
        if keys.is_empty() {
            // `sort: {}` means no sort.
            return Ok(Sort { keys, plain });
        }
        if has_meta {
            plain.clear();
        }
        Ok(Sort { keys, plain })
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn compare(&self, a: (&Document, Option<f64>), b: (&Document, Option<f64>)) -> Ordering {
        for key in &self.keys {
            let o = match key {
                SortKey::Field(spec) => spec.compare(a.0, b.0),
                // Higher scores first, as MongoDB sorts textScore.
                SortKey::TextScore => {
                    b.1.unwrap_or(0.0)
                        .partial_cmp(&a.1.unwrap_or(0.0))
                        .unwrap_or(Ordering::Equal)
                }
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

/// `Some(reverse)` for a `{$natural: ±1}` sort.
fn natural_direction(sort: &Document) -> Option<bool> {
    match (sort.len(), sort.get("$natural")) {
        (1, Some(v)) => crate::index::spec::number(v).map(|d| d < 0.0),
        _ => None,
    }
}

/// Plans and runs a read over `coll`.
pub fn select(coll: &Collection, req: &SelectRequest, guard: &OpGuard) -> Result<Selection> {
    let started = Instant::now();
    let empty = Document::new();
    let filter_doc = req.filter.unwrap_or(&empty);
    // Every command reaching here takes `$where` (find, count, distinct, delete, update,
    // findAndModify); an aggregation's `$match` was parsed, and refused it, before.
    let filter =
        Filter::parse_allowing_javascript(filter_doc)?.with_collation(req.collation.cloned());
    // `sort: {$natural: ±1}` is the collection order itself, forward or reversed.
    let natural = req.sort.and_then(natural_direction);
    let sort = match req.sort {
        Some(s) if natural.is_none() => Sort::parse_collated(s, req.collation)?,
        _ => Sort {
            keys: Vec::new(),
            plain: Vec::new(),
        },
    };
    let natural_hint = Bson::Document(doc! {"$natural": 1});
    let hint = if natural.is_some() {
        Some(&natural_hint)
    } else {
        req.hint
    };
    let reverse_scan = natural == Some(true)
        || matches!(req.hint, Some(Bson::Document(h)) if h.get("$natural").and_then(crate::index::spec::number).is_some_and(|d| d < 0.0));
    let mut plan = planner::plan_collated(coll, filter_doc, &sort.plain, hint, req.collation)?;
    let shape =
        crate::plan_cache::note_shape(coll, filter_doc, req.sort, req.collation.map(|c| &**c));
    // Several usable index plans: race them (see `race`); a hint or a single plan needs none.
    let mut trials = Vec::new();
    if hint.is_none() && !plan.rejected.is_empty() {
        let mut candidates = vec![(plan.access.clone(), plan.sort_covered)];
        for access in std::mem::take(&mut plan.rejected) {
            let covered = match &access {
                Access::IndexScan {
                    index, intervals, ..
                } => coll
                    .indexes
                    .get(*index)
                    .is_some_and(|idx| planner::sort_order(idx, intervals, &sort.plain).is_some()),
                _ => false,
            };
            candidates.push((access, covered));
        }
        let race = crate::race::Race {
            coll,
            filter: &filter,
            vars: req.vars,
            sorted: !sort.is_empty(),
            guard,
        };
        // An active plan cache entry of this shape runs without a race (see `plan_cache`).
        let cached = match &shape {
            Some(shape) => crate::plan_cache::cached_plan(coll, shape, &candidates, &race)?,
            None => None,
        };
        if let Some((access, covered)) = cached {
            plan.access = access;
            plan.sort_covered = covered && !sort.is_empty();
        } else {
            trials = race.run(candidates)?;
            if let Some(shape) = &shape {
                crate::plan_cache::remember(coll, shape, &trials);
            }
            if let Some(winner) = trials.first() {
                plan.access = winner.access.clone();
                plan.sort_covered = winner.sort_covered && !sort.is_empty();
            }
            plan.rejected = trials.iter().skip(1).map(|t| t.access.clone()).collect();
        }
    }
    record_index_use(coll, &plan.access);
    let limit = req.limit.filter(|l| *l > 0);
    let needs_sort = !sort.is_empty() && !plan.sort_covered;
    // Without an in-memory sort we can stop as soon as skip+limit rows matched.
    let stop_after = if needs_sort {
        None
    } else {
        limit.map(|l| l.saturating_add(req.skip))
    };
    let mut stats = ExecStats::default();
    let mut rows = Vec::new();
    let ctx_vars = req.vars;
    let prepared = filter.prepare(&MatchContext {
        text_score: None,
        vars: ctx_vars,
    });
    let mut visit =
        |record: u64, doc: &Document, score: Option<f64>, stats: &mut ExecStats| -> bool {
            stats.docs_examined += 1;
            // A text score differs per document; everything else shares one context.
            let (ok, positional) = match score {
                None if ctx_vars.is_some() => (prepared.matches(doc), None),
                None => prepared.matches_positional(doc),
                Some(_) => (
                    filter.matches_with(
                        doc,
                        &MatchContext {
                            text_score: score,
                            vars: ctx_vars,
                        },
                    ),
                    None,
                ),
            };
            if ok {
                stats.matched += 1;
                rows.push(Row {
                    record,
                    positional,
                    score,
                });
            }
            stop_after.is_some_and(|n| rows.len() as u64 >= n)
        };
    match &plan.access {
        // A scan in record order whose filter reads only top-level fields reads those fields
        // from the stored bytes (see `records.rs`) and decodes no document.
        Access::CollScan
            if !crate::clustered::is_clustered(coll)
                && let Some(fields) = prepared.top_level_fields() =>
        {
            let mut values = Vec::with_capacity(fields.len());
            let records: Box<dyn Iterator<Item = (u64, &bson::RawDocument)>> = if reverse_scan {
                Box::new(coll.records.iter().rev())
            } else {
                Box::new(coll.records.iter())
            };
            for (i, (record, raw)) in records.enumerate() {
                if i % 512 == 0 {
                    guard.check()?;
                }
                stats.docs_examined += 1;
                let (ok, positional) =
                    if crate::records::top_level_values(raw, &fields, &mut values) {
                        prepared.matches_fields(&fields, &values)
                    } else {
                        // Bytes the walk cannot read (never expected): the decoded document
                        // decides.
                        match crate::records::decode(raw) {
                            Some(doc) => prepared.matches_positional(&doc),
                            None => (false, None),
                        }
                    };
                if ok {
                    stats.matched += 1;
                    rows.push(Row {
                        record,
                        positional: if ctx_vars.is_some() { None } else { positional },
                        score: None,
                    });
                    if stop_after.is_some_and(|n| rows.len() as u64 >= n) {
                        break;
                    }
                }
            }
        }
        Access::CollScan => {
            let records: Box<dyn Iterator<Item = (u64, Document)>> =
                if crate::clustered::is_clustered(coll) {
                    // A clustered collection's natural order is its _id order.
                    Box::new(
                        crate::clustered::natural_order(coll, reverse_scan)
                            .into_iter()
                            .filter_map(|r| Some((r, coll.records.document(r)?))),
                    )
                } else if reverse_scan {
                    Box::new(coll.records.documents().rev())
                } else {
                    Box::new(coll.records.documents())
                };
            for (i, (record, doc)) in records.enumerate() {
                if i % 512 == 0 {
                    guard.check()?;
                }
                if visit(record, &doc, None, &mut stats) {
                    break;
                }
            }
        }
        Access::Text { index } => {
            let search = filter.text_search().cloned().ok_or_else(|| {
                CommandError::bad_value("$text query could not be read from the filter")
            })?;
            let idx = planned_index(coll, *index)?;
            let weights = idx
                .spec
                .text
                .as_ref()
                .map(|t| t.weights.clone())
                .unwrap_or_default();
            // The index's entries name the documents holding a searched term; only those
            // are scored (every document when the search tokenizes unlike the index).
            let mut keys = 0;
            let candidates = crate::index::text::candidates(idx, &search, &mut keys);
            stats.keys_examined = keys;
            let records: Box<dyn Iterator<Item = (u64, Document)>> = match &candidates {
                Some(set) => Box::new(
                    set.iter()
                        .filter_map(|r| Some((*r, coll.records.document(*r)?))),
                ),
                None => Box::new(coll.records.documents()),
            };
            for (i, (record, doc)) in records.enumerate() {
                if i % 512 == 0 {
                    guard.check()?;
                }
                let Some(score) = docdb_query::text::score(&doc, &weights, &search) else {
                    stats.docs_examined += 1;
                    continue;
                };
                if visit(record, &doc, Some(score), &mut stats) {
                    break;
                }
            }
        }
        Access::GeoNear { index } => {
            let idx = planned_index(coll, *index)?;
            let (_, near) = docdb_query::geo::near_of(filter_doc).ok_or_else(|| {
                CommandError::bad_value("$near query could not be read from the filter")
            })?;
            let mut keys = 0;
            let check = || guard.check();
            let nearest =
                crate::index::geo::near_records(idx, &coll.records, &near, &mut keys, &check)?;
            stats.keys_examined = keys;
            for (record, _) in nearest {
                stats.index_returned += 1;
                if let Some(doc) = coll.records.document(record)
                    && visit(record, &doc, None, &mut stats)
                {
                    break;
                }
            }
        }
        Access::IndexScan {
            index,
            intervals,
            backward,
        } => {
            let idx = planned_index(coll, *index)?;
            // A wildcard index holds a document once per path it has.
            let dedup =
                idx.multikey || idx.spec.special.is_some() || intervals.iter().any(|f| f.len() > 1);
            let mut seen: HashSet<u64> = HashSet::new();
            let mut keys = 0;
            let seen = dedup.then_some(&mut seen);
            scan_index(
                coll, idx, intervals, *backward, seen, &mut keys, guard, &mut stats, &mut visit,
            )?;
            stats.keys_examined = keys;
        }
        Access::Or { branches } => {
            // One set across branches: a document matching two clauses is returned once.
            let mut seen: HashSet<u64> = HashSet::new();
            for (index, intervals) in branches {
                let idx = planned_index(coll, *index)?;
                let before = stats.index_returned;
                let mut keys = 0;
                let seen = Some(&mut seen);
                let stop = scan_index(
                    coll, idx, intervals, false, seen, &mut keys, guard, &mut stats, &mut visit,
                )?;
                stats.keys_examined += keys;
                stats.branches.push((keys, stats.index_returned - before));
                if stop {
                    break;
                }
            }
        }
    }
    // A failed $where/$function reads as "no match" above; it is the query's error.
    if let Some(e) = docdb_query::js::take_failure() {
        return Err(e.into());
    }
    let mut sorted_in_memory = false;
    if needs_sort {
        guard.check()?;
        sorted_in_memory = true;
        rows = sort_rows(
            coll,
            rows,
            &sort,
            limit.map(|l| l.saturating_add(req.skip)),
            req.memory,
            guard,
        )?;
        stats.sorted = rows.len() as u64;
    }
    let skip = (req.skip as usize).min(rows.len());
    rows.drain(..skip);
    stats.after_skip = rows.len() as u64;
    if let Some(l) = limit {
        rows.truncate(l as usize);
    }
    stats.after_limit = rows.len() as u64;
    stats.millis = started.elapsed().as_millis() as u64;
    Ok(Selection {
        rows,
        plan,
        stats,
        sorted_in_memory,
        trials,
    })
}

/// The in-memory SORT stage: interruptible, and within mongod's blocking-sort
/// budget (the documents sorted, or only the `top_k` kept when a limit bounds
/// it, as mongod's top-k sort holds). Rows refer to the stored documents, so
/// nothing is copied and the engine's own cap does not apply.
fn sort_rows(
    coll: &Collection,
    rows: Vec<Row>,
    sort: &Sort,
    top_k: Option<u64>,
    memory: MemoryLimits,
    guard: &OpGuard,
) -> Result<Vec<Row>> {
    let check = || guard.check_query();
    let limits = Limits::new(memory).with_check(&check);
    let mut budget = limits.budget(Budgeted::Sort);
    let mut keyed: Vec<(Document, Row)> = Vec::with_capacity(rows.len());
    for r in rows {
        limits.tick()?;
        if let Some(d) = coll.records.document(r.record) {
            if top_k.is_none() {
                budget.add(Size::bson_only(document_size(&d)))?;
            }
            keyed.push((d, r));
        }
    }
    let mut keyed = limits.sort_by(keyed, |a, b| {
        sort.compare((&a.0, a.1.score), (&b.0, b.1.score))
    })?;
    if let Some(k) = top_k {
        keyed.truncate(usize::try_from(k).unwrap_or(usize::MAX));
        for (d, _) in &keyed {
            budget.add(Size::bson_only(document_size(d)))?;
        }
    }
    Ok(keyed.into_iter().map(|(_, r)| r).collect())
}

fn planned_index(coll: &Collection, index: usize) -> Result<&crate::index::Index> {
    coll.indexes.get(index).ok_or_else(|| {
        CommandError::new(
            crate::error::codes::INTERNAL_ERROR,
            "planned index vanished",
        )
    })
}

/// The per-document callback of a scan; returns `true` to stop.
type Visit<'a> = dyn FnMut(u64, &Document, Option<f64>, &mut ExecStats) -> bool + 'a;

/// Walks one index over `intervals`, handing each new record to `visit`;
/// returns `true` when `visit` asked to stop.
#[allow(clippy::too_many_arguments)]
fn scan_index(
    coll: &Collection,
    idx: &crate::index::Index,
    intervals: &[Vec<Interval>],
    backward: bool,
    mut seen: Option<&mut HashSet<u64>>,
    keys: &mut u64,
    guard: &OpGuard,
    stats: &mut ExecStats,
    visit: &mut Visit,
) -> Result<bool> {
    for (start, end) in scan_ranges(&idx.spec.fields, intervals, backward) {
        let range = idx.entries.range(start..=end);
        let iter: Box<dyn Iterator<Item = &IndexEntry>> = if backward {
            Box::new(range.rev())
        } else {
            Box::new(range)
        };
        for entry in iter {
            *keys += 1;
            if (*keys).is_multiple_of(512) {
                guard.check()?;
            }
            if !key_in_bounds(&entry.key, intervals) {
                continue;
            }
            if let Some(seen) = seen.as_deref_mut()
                && !seen.insert(entry.record)
            {
                continue;
            }
            stats.index_returned += 1;
            let Some(doc) = coll.records.document(entry.record) else {
                continue;
            };
            if visit(entry.record, &doc, None, stats) {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The key-space ranges to walk: one per combination of the points of the
/// leading equality fields and the intervals of the next field; the other
/// fields span everything (and are checked per key).
pub(crate) fn scan_ranges(
    fields: &[(String, bool)],
    intervals: &[Vec<Interval>],
    backward: bool,
) -> Vec<(IndexEntry, IndexEntry)> {
    const MAX_RANGES: usize = 4096;
    let mut prefixes: Vec<(Vec<KeyPart>, Vec<KeyPart>)> = vec![(Vec::new(), Vec::new())];
    let mut depth = 0;
    for ((_, desc), ivs) in fields.iter().zip(intervals) {
        let all_points = ivs.iter().all(Interval::is_point);
        if prefixes.len() * ivs.len() > MAX_RANGES {
            break;
        }
        let mut next = Vec::with_capacity(prefixes.len() * ivs.len());
        for (lo, hi) in &prefixes {
            for iv in ivs {
                let (a, b) = if *desc {
                    (
                        KeyPart::new(iv.high.clone(), true),
                        KeyPart::new(iv.low.clone(), true),
                    )
                } else {
                    (
                        KeyPart::new(iv.low.clone(), false),
                        KeyPart::new(iv.high.clone(), false),
                    )
                };
                let mut l = lo.clone();
                l.push(a);
                let mut h = hi.clone();
                h.push(b);
                next.push((l, h));
            }
        }
        prefixes = next;
        depth += 1;
        if !all_points {
            break;
        }
    }
    let mut ranges: Vec<(IndexEntry, IndexEntry)> = prefixes
        .into_iter()
        .map(|(mut lo, mut hi)| {
            for _ in depth..fields.len() {
                lo.push(KeyPart::Min);
                hi.push(KeyPart::Max);
            }
            (IndexEntry::new(lo, 0), IndexEntry::new(hi, u64::MAX))
        })
        .collect();
    ranges.sort_by(|a, b| a.0.cmp(&b.0));
    if backward {
        ranges.reverse();
    }
    ranges
}

/// True when every field of `key` lies in one of its intervals (as `Interval::contains`
/// decides, without rebuilding each stored value as a `Bson`).
pub(crate) fn key_in_bounds(key: &[KeyPart], intervals: &[Vec<Interval>]) -> bool {
    key.iter().zip(intervals).all(|(part, ivs)| {
        !matches!(part, KeyPart::Min | KeyPart::Max)
            && ivs.iter().any(|iv| {
                let lo = part.compare_value(&iv.low);
                let hi = part.compare_value(&iv.high);
                (lo == Ordering::Greater || (lo == Ordering::Equal && iv.low_inclusive))
                    && (hi == Ordering::Less || (hi == Ordering::Equal && iv.high_inclusive))
            })
    })
}

/// Counts an operation on each index its plan scans (`$indexStats` accesses).
fn record_index_use(coll: &Collection, access: &Access) {
    let mut used: Vec<usize> = match access {
        Access::CollScan => Vec::new(),
        Access::IndexScan { index, .. } | Access::Text { index } | Access::GeoNear { index } => {
            vec![*index]
        }
        Access::Or { branches } => branches.iter().map(|(index, _)| *index).collect(),
    };
    // One operation counts once per index, however many `$or` branches scan it.
    used.sort_unstable();
    used.dedup();
    for index in used {
        if let Some(i) = coll.indexes.get(index) {
            i.accesses.record();
        }
    }
}
