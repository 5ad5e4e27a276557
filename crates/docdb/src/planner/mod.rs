//! The query planner: picks a collection scan or one index scan for a filter.
//!
//! An index qualifies when the filter bounds its first field (or when it
//! alone provides the requested sort); candidates are ranked (longest
//! equality prefix first, unique point lookups before all), and when more
//! than one qualifies `exec::select` races them for a trial period as
//! mongod's multi-planner does (see `race`): the ranking only breaks ties of
//! the race's scores. The losers are `rejectedPlans`. Whatever plan runs, the
//! full filter is re-applied to each fetched document, so bounds only need to
//! be a superset of the matches.

pub mod bounds;
pub mod geo;
pub mod wildcard;

use std::sync::Arc;

use bson::{Bson, Document};
use docdb_query::collation::{Collation, key_of};

use crate::collection::Collection;
use crate::error::{CommandError, Result, codes};
use crate::index::Index;
pub use bounds::Interval;

/// How documents are reached.
#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    CollScan,
    /// `intervals[i]` are the allowed values of the index's i-th field.
    IndexScan {
        index: usize,
        intervals: Vec<Vec<Interval>>,
        backward: bool,
    },
    /// `$text`: the documents holding a searched term (from the text index's entries) are
    /// scored against its fields.
    Text {
        index: usize,
    },
    /// `$near`/`$nearSphere`: the geo index's documents, nearest first (`planner/geo.rs`).
    GeoNear {
        index: usize,
    },
    /// A top-level `$or` whose every clause has an index: the union of one
    /// index scan per clause (records deduplicated), then the full filter.
    Or {
        branches: Vec<OrBranch>,
    },
}

/// One `$or` clause's index scan: the index and its per-field intervals.
pub type OrBranch = (usize, Vec<Vec<Interval>>);

/// The chosen access path and what it provides.
#[derive(Debug, Clone)]
pub struct Plan {
    pub access: Access,
    /// The index scan returns documents already in the requested sort order.
    pub sort_covered: bool,
    pub rejected: Vec<Access>,
}

/// True when the filter uses `$text` (top level or in a top-level `$and`).
pub fn has_text(filter: &Document) -> bool {
    filter.iter().any(|(k, v)| {
        k == "$text"
            || (k == "$and"
                && matches!(v, Bson::Array(items) if items.iter().any(|i| matches!(i, Bson::Document(d) if has_text(d)))))
    })
}

/// Chooses a plan. `sort` is the list of `(field, direction)` of a plain
/// field sort (empty for none); `hint` forces an index.
pub fn plan(
    coll: &Collection,
    filter: &Document,
    sort: &[(String, i32)],
    hint: Option<&Bson>,
) -> Result<Plan> {
    plan_collated(coll, filter, sort, hint, None)
}

/// `plan` for an operation with a collation: an index orders and compares strings under its
/// own collation, so only indexes whose collation is the operation's are candidates (as in
/// mongod, an index built with another collation cannot answer string predicates or sorts).
pub fn plan_collated(
    coll: &Collection,
    filter: &Document,
    sort: &[(String, i32)],
    hint: Option<&Bson>,
    collation: Option<&Arc<Collation>>,
) -> Result<Plan> {
    if has_text(filter) {
        return match coll.indexes.iter().position(Index::is_text) {
            Some(index) => Ok(Plan {
                access: Access::Text { index },
                sort_covered: false,
                rejected: vec![],
            }),
            None => Err(CommandError::new(
                codes::INDEX_NOT_FOUND,
                "text index required for $text query",
            )),
        };
    }
    if let Some(near) = geo::plan_near(coll, filter)? {
        return Ok(near);
    }
    if let Some(hint) = hint {
        return match coll.index_for_hint(hint)? {
            None => Ok(Plan {
                access: Access::CollScan,
                sort_covered: false,
                rejected: vec![],
            }),
            Some(i) => {
                let Some(index) = coll.indexes.get(i) else {
                    return Ok(Plan {
                        access: Access::CollScan,
                        sort_covered: false,
                        rejected: vec![],
                    });
                };
                if index.is_text() {
                    return Err(CommandError::bad_value(
                        "a text index can only be hinted for a $text query",
                    ));
                }
                // A hinted index built with another collation cannot bound string predicates
                // or give their order: it is scanned whole and the filter decides.
                let same_collation = index.spec.collation.as_deref() == collation.map(|c| &**c);
                let intervals = if same_collation {
                    index_intervals(index, filter)
                } else {
                    index
                        .spec
                        .fields
                        .iter()
                        .map(|_| vec![Interval::full()])
                        .collect()
                };
                let backward = sort_order(index, &intervals, sort).filter(|_| same_collation);
                Ok(Plan {
                    access: Access::IndexScan {
                        index: i,
                        intervals,
                        backward: backward.unwrap_or(false),
                    },
                    sort_covered: backward.is_some(),
                    rejected: vec![],
                })
            }
        };
    }
    let mut candidates: Vec<(i64, Access, bool)> = Vec::new();
    for (i, index) in coll.indexes.iter().enumerate() {
        // Geo and wildcard indexes are planned by `geo.rs` and `wildcard.rs`.
        if index.is_text()
            || index.spec.hidden
            || index
                .spec
                .special
                .as_ref()
                .is_some_and(|s| s.is_geo() || s.position().is_none())
        {
            continue;
        }
        if index.spec.collation.as_deref() != collation.map(|c| &**c) {
            continue;
        }
        let intervals = index_intervals(index, filter);
        let constrained = intervals
            .first()
            .is_some_and(|f| !(f.len() == 1 && f[0].is_full()));
        let sort_backward = sort_order(index, &intervals, sort);
        let usable_for_sort_only = !constrained
            && sort_backward.is_some()
            && !index.spec.sparse
            && index.spec.partial_filter.is_none();
        if !(constrained || usable_for_sort_only) {
            continue;
        }
        if constrained
            && index.spec.sparse
            && intervals
                .iter()
                .flatten()
                .any(|iv| iv.contains(&Bson::Null))
        {
            continue;
        }
        if let Some(partial) = &index.spec.partial_filter
            && !implies(filter, partial)
        {
            continue;
        }
        let points = intervals
            .iter()
            .take_while(|f| f.len() == 1 && f[0].is_point())
            .count() as i64;
        let mut score = points * 10;
        if intervals
            .get(points as usize)
            .is_some_and(|f| !(f.len() == 1 && f[0].is_full()))
        {
            score += 5;
        }
        if sort_backward.is_some() && !sort.is_empty() {
            score += 3;
        }
        if index.spec.unique && points as usize == index.spec.fields.len() {
            score += 100;
        }
        if !constrained {
            score = 1;
        }
        let backward = sort_backward.unwrap_or(false);
        candidates.push((
            score,
            Access::IndexScan {
                index: i,
                intervals,
                backward,
            },
            sort_backward.is_some(),
        ));
    }
    candidates.extend(wildcard::candidates(coll, filter, collation));
    candidates.extend(geo::within_candidates(coll, filter));
    // Stable: among equal scores the index created first wins.
    candidates.sort_by_key(|c| std::cmp::Reverse(c.0));
    if candidates.iter().all(|c| c.0 <= 1)
        && let Some(branches) = or_branches(coll, filter, collation)?
    {
        let rejected = candidates.into_iter().map(|c| c.1).collect();
        return Ok(Plan {
            access: Access::Or { branches },
            sort_covered: false,
            rejected,
        });
    }
    let mut iter = candidates.into_iter();
    match iter.next() {
        None => Ok(Plan {
            access: Access::CollScan,
            sort_covered: false,
            rejected: vec![],
        }),
        Some((_, access, covered)) => Ok(Plan {
            access,
            sort_covered: covered && !sort.is_empty(),
            rejected: iter.map(|(_, a, _)| a).collect(),
        }),
    }
}

/// One index scan per clause of a top-level `$or`, or `None` when some
/// clause has no usable index (then only a collection scan is correct).
fn or_branches(
    coll: &Collection,
    filter: &Document,
    collation: Option<&Arc<Collation>>,
) -> Result<Option<Vec<OrBranch>>> {
    let Some(Bson::Array(clauses)) = filter.get("$or") else {
        return Ok(None);
    };
    if clauses.is_empty() {
        return Ok(None);
    }
    let mut branches = Vec::with_capacity(clauses.len());
    for clause in clauses {
        let Bson::Document(clause) = clause else {
            return Ok(None);
        };
        match plan_collated(coll, clause, &[], None, collation)?.access {
            Access::IndexScan {
                index, intervals, ..
            } if intervals
                .first()
                .is_some_and(|f| !(f.len() == 1 && f[0].is_full())) =>
            {
                branches.push((index, intervals));
            }
            _ => return Ok(None),
        }
    }
    Ok(Some(branches))
}

/// The intervals of every field of `index` under `filter` (full when free).
///
/// On a multikey index, fields that share a path prefix (`a.b`, `a.c`) take
/// their keys from the same element of an array at that prefix, while the
/// filter may be met by two different elements: only the first of them is
/// bounded, as MongoDB does without `$elemMatch`.
fn index_intervals(index: &Index, filter: &Document) -> Vec<Vec<Interval>> {
    let intervals = value_intervals(index, filter);
    let mut intervals: Vec<Vec<Interval>> = match &index.spec.collation {
        None => intervals,
        Some(c) => intervals
            .into_iter()
            .map(|field| collated_intervals(c, field))
            .collect(),
    };
    // A hashed field is bounded by the hashes of its equality points; a geo or wildcard
    // field's entries are not its values, so value bounds do not apply to them.
    match &index.spec.special {
        Some(crate::index::special::Special::Hashed { position }) => {
            if let Some(field) = intervals.get_mut(*position) {
                // A sparse index has no entry for a missing field, which null matches.
                *field = if index.spec.sparse && field.iter().any(|iv| iv.contains(&Bson::Null)) {
                    vec![Interval::full()]
                } else {
                    crate::index::hashed::intervals(std::mem::take(field))
                };
            }
        }
        Some(special) => {
            let positions: Vec<usize> = match special.position() {
                Some(p) => vec![p],
                None => (0..intervals.len()).collect(),
            };
            for p in positions {
                if let Some(field) = intervals.get_mut(p) {
                    *field = vec![Interval::full()];
                }
            }
        }
        None => {}
    }
    intervals
}

/// Bounds of a collated index are in sort-key space: each string bound becomes its sort key
/// (the key order is the collation's order, so ranges stay ranges), and since two strings may
/// share a key ("a" and "A" at strength 2) the intervals are sorted and merged again.
pub(crate) fn collated_intervals(collation: &Collation, field: Vec<Interval>) -> Vec<Interval> {
    let mut mapped: Vec<Interval> = field
        .into_iter()
        .map(|iv| Interval {
            low: key_of(Some(collation), &iv.low),
            low_inclusive: iv.low_inclusive,
            high: key_of(Some(collation), &iv.high),
            high_inclusive: iv.high_inclusive,
        })
        .collect();
    mapped.sort_by(|a, b| docdb_query::value::compare(&a.low, &b.low));
    let mut merged: Vec<Interval> = Vec::with_capacity(mapped.len());
    for iv in mapped {
        match merged.last_mut() {
            Some(last) if iv.within(last) => {}
            Some(last) if last.contains(&iv.low) => {
                last.high = iv.high;
                last.high_inclusive = iv.high_inclusive;
            }
            _ => merged.push(iv),
        }
    }
    merged
}

fn value_intervals(index: &Index, filter: &Document) -> Vec<Vec<Interval>> {
    let mut bounded: Vec<&str> = Vec::new();
    index
        .spec
        .fields
        .iter()
        .map(|(path, _)| {
            if index.multikey && bounded.iter().any(|b| share_prefix(b, path)) {
                return vec![Interval::full()];
            }
            match bounds::field_intervals(filter, path, index.multikey) {
                Some(intervals) => {
                    bounded.push(path);
                    intervals
                }
                None => vec![Interval::full()],
            }
        })
        .collect()
}

/// True when two dotted paths start with the same field (an array there is
/// shared by both).
fn share_prefix(a: &str, b: &str) -> bool {
    a.contains('.') && b.contains('.') && a.split('.').next() == b.split('.').next()
}

/// `Some(backward)` when scanning `index` yields documents in `sort` order.
pub(crate) fn sort_order(
    index: &Index,
    intervals: &[Vec<Interval>],
    sort: &[(String, i32)],
) -> Option<bool> {
    // Hashed, geo and wildcard keys are not in the fields' value order.
    if sort.is_empty() || index.multikey || index.spec.special.is_some() {
        return None;
    }
    let points = intervals
        .iter()
        .take_while(|f| f.len() == 1 && f[0].is_point())
        .count();
    let fields = &index.spec.fields;
    'start: for start in 0..=points.min(fields.len()) {
        let Some(window) = fields.get(start..start + sort.len()) else {
            continue;
        };
        // Fields after the window's first one must not be split by several intervals.
        if intervals.get(start).is_some_and(|f| f.len() > 1) {
            continue;
        }
        let mut direction: Option<bool> = None;
        for ((field, desc), (sort_field, sort_dir)) in window.iter().zip(sort) {
            if field != sort_field {
                continue 'start;
            }
            let same = (*sort_dir < 0) == *desc;
            match direction {
                None => direction = Some(!same),
                Some(d) if d == same => continue 'start,
                Some(_) => {}
            }
        }
        return direction;
    }
    None
}

/// True when every document matching `filter` also matches `partial`, as far
/// as a field-by-field interval check can tell (otherwise `false`: the index
/// is simply not used).
fn implies(filter: &Document, partial: &Document) -> bool {
    partial.iter().all(|(path, cond)| {
        if path.starts_with('$') {
            return filter.get(path) == Some(cond);
        }
        if filter.get(path) == Some(cond) {
            return true;
        }
        let single = {
            let mut d = Document::new();
            d.insert(path.clone(), cond.clone());
            d
        };
        match (
            bounds::field_intervals(filter, path, false),
            bounds::field_intervals(&single, path, false),
        ) {
            (Some(query), Some(allowed)) => {
                query.iter().all(|q| allowed.iter().any(|a| q.within(a)))
            }
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::IndexSpec;
    use bson::doc;

    fn coll_with(specs: &[Document]) -> Collection {
        let mut c = Collection::new(Document::new()).unwrap();
        for i in 0..10 {
            c.insert(
                "d.c",
                doc! {"_id": i, "a": i, "b": i % 3, "s": format!("x{i}")},
            )
            .unwrap();
        }
        for s in specs {
            c.create_index("d.c", IndexSpec::parse(s).unwrap()).unwrap();
        }
        c
    }

    #[test]
    fn equality_on_indexed_field_uses_the_index() {
        let c = coll_with(&[doc! {"key": {"a": 1}}]);
        let p = plan(&c, &doc! {"a": 3}, &[], None).unwrap();
        assert!(matches!(p.access, Access::IndexScan { index: 1, .. }));
        let p = plan(&c, &doc! {"z": 3}, &[], None).unwrap();
        assert_eq!(p.access, Access::CollScan);
    }

    #[test]
    fn id_equality_wins_over_other_indexes() {
        let c = coll_with(&[doc! {"key": {"a": 1}}]);
        let p = plan(&c, &doc! {"_id": 3, "a": 3}, &[], None).unwrap();
        assert!(matches!(p.access, Access::IndexScan { index: 0, .. }));
        assert_eq!(p.rejected.len(), 1);
    }

    #[test]
    fn sort_can_be_provided_by_an_index_in_either_direction() {
        let c = coll_with(&[doc! {"key": {"a": 1}}]);
        let p = plan(&c, &doc! {}, &[("a".into(), -1)], None).unwrap();
        assert!(p.sort_covered);
        assert!(matches!(p.access, Access::IndexScan { backward: true, .. }));
        let c = coll_with(&[doc! {"key": {"b": 1, "a": -1}}]);
        let p = plan(&c, &doc! {"b": 1}, &[("a".into(), -1)], None).unwrap();
        assert!(p.sort_covered, "{p:?}");
    }

    #[test]
    fn partial_index_needs_an_implying_filter() {
        let c = coll_with(&[doc! {"key": {"a": 1}, "partialFilterExpression": {"a": {"$gt": 5}}}]);
        assert!(matches!(
            plan(&c, &doc! {"a": {"$gte": 8}}, &[], None)
                .unwrap()
                .access,
            Access::IndexScan { .. }
        ));
        assert_eq!(
            plan(&c, &doc! {"a": 2}, &[], None).unwrap().access,
            Access::CollScan
        );
    }

    #[test]
    fn sparse_index_is_not_used_for_null() {
        let c = coll_with(&[doc! {"key": {"a": 1}, "sparse": true}]);
        assert_eq!(
            plan(&c, &doc! {"a": null}, &[], None).unwrap().access,
            Access::CollScan
        );
    }

    #[test]
    fn hint_forces_an_index_and_bad_hint_fails() {
        let c = coll_with(&[doc! {"key": {"a": 1}}]);
        let p = plan(&c, &doc! {"b": 1}, &[], Some(&Bson::String("a_1".into()))).unwrap();
        assert!(matches!(p.access, Access::IndexScan { index: 1, .. }));
        assert_eq!(
            plan(&c, &doc! {}, &[], Some(&Bson::String("nope".into())))
                .unwrap_err()
                .code,
            2
        );
    }

    #[test]
    fn or_with_an_index_per_clause_becomes_a_union() {
        let c = coll_with(&[doc! {"key": {"a": 1}}, doc! {"key": {"b": 1}}]);
        let p = plan(&c, &doc! {"$or": [{"a": 1}, {"b": 2}]}, &[], None).unwrap();
        assert!(
            matches!(&p.access, Access::Or { branches } if branches.len() == 2),
            "{p:?}"
        );
        let p = plan(&c, &doc! {"$or": [{"a": 1}, {"z": 2}]}, &[], None).unwrap();
        assert_eq!(p.access, Access::CollScan);
    }

    #[test]
    fn text_query_without_text_index_fails() {
        let c = coll_with(&[]);
        assert_eq!(
            plan(&c, &doc! {"$text": {"$search": "x"}}, &[], None)
                .unwrap_err()
                .code,
            27
        );
    }
}
