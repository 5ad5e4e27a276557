//! Wildcard index candidates: for each field path of the filter that a wildcard index
//! covers, a scan of `$_path = path` with that field's bounds (always multikey-safe: any path
//! may hold arrays in some document).
//!
//! mongod 7.0 cannot answer from a wildcard index what needs the documents where the path is
//! missing or whole objects/arrays, since those have no entry: bounds that include null
//! (`{$exists: false}`, `{a: null}`, `$ne`, `$nin`), open bounds from MinKey (`$ne: null`),
//! and equality to a document or an array. A sort alone never picks one.

use std::sync::Arc;

use bson::{Bson, Document};
use docdb_query::collation::Collation;

use crate::collection::Collection;
use crate::index::special::Special;
use crate::index::wildcard::covers;
use crate::planner::{Access, Interval, bounds};

/// `(score, access, provides_sort)` candidates, scored like the planner's other candidates.
pub fn candidates(
    coll: &Collection,
    filter: &Document,
    collation: Option<&Arc<Collation>>,
) -> Vec<(i64, Access, bool)> {
    let mut out = Vec::new();
    let paths = filter_paths(filter);
    for (i, index) in coll.indexes.iter().enumerate() {
        let Some(special @ Special::Wildcard { .. }) = &index.spec.special else {
            continue;
        };
        if index.spec.hidden || index.spec.collation.as_deref() != collation.map(|c| &**c) {
            continue;
        }
        if let Some(partial) = &index.spec.partial_filter
            && partial != filter
        {
            continue;
        }
        for path in &paths {
            if !covers(special, path) {
                continue;
            }
            let Some(intervals) = bounds::field_intervals(filter, path, true) else {
                continue;
            };
            if !usable(&intervals) {
                continue;
            }
            // An unbounded field is only worth (and only correct for) `$exists: true`.
            let exists_only = matches!(filter.get(path), Some(Bson::Document(d)) if d.len() == 1 && d.get("$exists").is_some_and(docdb_query::value::is_truthy));
            if intervals.len() == 1 && intervals[0].is_full() && !exists_only {
                continue;
            }
            let intervals = match &index.spec.collation {
                Some(c) => super::collated_intervals(c, intervals),
                None => intervals,
            };
            let score = if intervals.len() == 1 && intervals[0].is_point() {
                10
            } else {
                5
            };
            out.push((
                score,
                Access::IndexScan {
                    index: i,
                    intervals: vec![vec![Interval::point(Bson::String(path.clone()))], intervals],
                    backward: false,
                },
                false,
            ));
        }
    }
    out
}

/// The field paths the filter constrains at top level or in a top-level `$and`.
fn filter_paths(filter: &Document) -> Vec<String> {
    let mut out = Vec::new();
    for (k, v) in filter {
        if k == "$and" {
            if let Bson::Array(items) = v {
                for item in items {
                    if let Bson::Document(d) = item {
                        out.extend(filter_paths(d));
                    }
                }
            }
        } else if !k.starts_with('$') && !out.contains(k) {
            out.push(k.clone());
        }
    }
    out
}

fn usable(intervals: &[Interval]) -> bool {
    if intervals.is_empty() {
        return false;
    }
    let full = intervals.len() == 1 && intervals[0].is_full();
    intervals.iter().all(|iv| {
        let needs_missing = iv.contains(&Bson::Null);
        let open_below = !full && matches!(iv.low, Bson::MinKey);
        let whole_value = iv.is_point() && matches!(iv.low, Bson::Document(_) | Bson::Array(_));
        !(needs_missing || open_below || whole_value)
    })
}
