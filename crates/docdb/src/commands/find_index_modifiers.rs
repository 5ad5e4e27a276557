//! The find options that read the index a find uses: `min`/`max` (key bounds on the hinted
//! index), `returnKey` (the index key instead of the document) and `showRecordId`
//! (`$recordId` added to each document).
//!
//! Why apart from `find.rs`: these options change what a row *is* (a key, or a document with
//! its record id) and which rows a hinted index scan yields, so a find that uses them is run
//! whole here and its documents handed to a cursor; the ordinary find keeps its lazy rows.
//! Errors are mongod's (src/mongo/db/query/query_planner.cpp): min/max need a hint (51173),
//! their fields must be the hinted index's key pattern in order (51174), and min must come
//! before max in the index's order (51175).

use std::cmp::Ordering;

use bson::{Bson, Document};
use docdb_query::collation::Collation;

use super::args;
use crate::collection::Collection;
use crate::engine::Ctx;
use crate::error::{CommandError, Result};
use crate::exec::{Row, SelectRequest, Selection, select};
use crate::planner::Access;

/// `returnKey`, `showRecordId`, `min` and `max` of one find.
#[derive(Default)]
pub struct IndexModifiers {
    pub return_key: bool,
    pub show_record_id: bool,
    pub min: Option<Document>,
    pub max: Option<Document>,
}

impl IndexModifiers {
    /// Reads the options; `hinted` says whether the find has a hint.
    pub fn parse(ctx: &Ctx, hinted: bool) -> Result<IndexModifiers> {
        let non_empty = |name: &str| -> Result<Option<Document>> {
            Ok(args::opt_doc(ctx, name)?.filter(|d| !d.is_empty()).cloned())
        };
        let m = IndexModifiers {
            return_key: args::opt_bool(ctx, "returnKey")?.unwrap_or(false),
            show_record_id: args::opt_bool(ctx, "showRecordId")?.unwrap_or(false),
            min: non_empty("min")?,
            max: non_empty("max")?,
        };
        if m.has_bounds() && !hinted {
            return Err(error(
                51173,
                "When using min()/max() a hint of which index to use must be provided",
            ));
        }
        Ok(m)
    }

    /// True when none of the options is set (the ordinary find path applies).
    pub fn is_none(&self) -> bool {
        !self.return_key && !self.show_record_id && !self.has_bounds()
    }

    pub fn has_bounds(&self) -> bool {
        self.min.is_some() || self.max.is_some()
    }

    /// The index the plan scans, if it scans exactly one.
    fn scanned_index<'c>(
        coll: &'c Collection,
        selection: &Selection,
    ) -> Option<&'c crate::index::Index> {
        match &selection.plan.access {
            Access::IndexScan { index, .. } | Access::Text { index } => coll.indexes.get(*index),
            _ => None,
        }
    }

    /// Keeps the rows whose key on the hinted index lies in `[min, max)`, in the index's
    /// order unless the find sorts. Call with the selection made without skip and limit.
    pub fn bound(
        &self,
        coll: &Collection,
        selection: &Selection,
        sorted: bool,
    ) -> Result<Vec<Row>> {
        if !self.has_bounds() {
            return Ok(selection.rows.clone());
        }
        let index = Self::scanned_index(coll, selection)
            .filter(|i| i.spec.text.is_none())
            .ok_or_else(|| error(51174, "The index chosen is not compatible with min/max"))?;
        let pattern = &index.spec.key;
        let directions: Vec<bool> = pattern
            .values()
            .map(|d| crate::index::spec::number(d).is_some_and(|n| n < 0.0))
            .collect();
        let collation = index.spec.collation.as_deref();
        let bound_values = |b: &Option<Document>| -> Result<Option<Vec<Bson>>> {
            let Some(b) = b else { return Ok(None) };
            if b.keys().ne(pattern.keys()) {
                return Err(error(
                    51174,
                    "The index chosen is not compatible with min/max",
                ));
            }
            Ok(Some(b.values().cloned().collect()))
        };
        let min = bound_values(&self.min)?;
        let max = bound_values(&self.max)?;
        if let (Some(lo), Some(hi)) = (&min, &max)
            && compare_keys(lo, hi, &directions, collation) != Ordering::Less
        {
            return Err(error(
                51175,
                "The value provided for min() does not come before the value provided for max() in the hint's index order.",
            ));
        }
        let mut kept: Vec<(Vec<Bson>, Row)> = Vec::new();
        for row in &selection.rows {
            let Some(doc) = coll.records.document(row.record) else {
                continue;
            };
            let keys = docdb_query::index_keys::index_keys(&doc, pattern)?;
            let in_range = keys.into_iter().filter(|k| {
                min.as_ref()
                    .is_none_or(|lo| compare_keys(k, lo, &directions, collation) != Ordering::Less)
                    && max.as_ref().is_none_or(|hi| {
                        compare_keys(k, hi, &directions, collation) == Ordering::Less
                    })
            });
            // A multikey document appears once, at its first key in the index's order.
            if let Some(first) = in_range.min_by(|a, b| compare_keys(a, b, &directions, collation))
            {
                kept.push((first, *row));
            }
        }
        if !sorted {
            kept.sort_by(|(a, _), (b, _)| compare_keys(a, b, &directions, collation));
        }
        Ok(kept.into_iter().map(|(_, row)| row).collect())
    }

    /// The document a row returns: its index key (`returnKey`; `{}` when the plan scans no
    /// single index, as mongod's is for a collection scan) or the document plus `$recordId`.
    pub fn shape(
        &self,
        coll: &Collection,
        selection: &Selection,
        row: &Row,
        doc: Document,
    ) -> Result<Document> {
        let mut out = if self.return_key {
            match Self::scanned_index(coll, selection).filter(|i| i.spec.text.is_none()) {
                Some(index) => {
                    let keys = docdb_query::index_keys::index_keys(&doc, &index.spec.key)?;
                    let mut key = Document::new();
                    if let Some(first) = keys.into_iter().next() {
                        for (name, value) in index.spec.key.keys().zip(first) {
                            key.insert(name.clone(), value);
                        }
                    }
                    key
                }
                None => Document::new(),
            }
        } else {
            doc
        };
        // With returnKey the key is the whole answer: the command-monitoring spec's find.json
        // expects `[{_id: 1}, ...]` from mongod for showRecordId and returnKey together.
        if self.show_record_id && !self.return_key {
            out.insert("$recordId", row.record as i64);
        }
        Ok(out)
    }
}

/// Runs a find that has index modifiers, whole: its documents, skip and limit applied.
pub fn run(
    ctx: &Ctx,
    coll: &str,
    o: &super::find::FindOptions,
    m: &IndexModifiers,
) -> Result<Vec<Document>> {
    let projection = match &o.projection {
        Some(p) if !p.is_empty() && !m.return_key => {
            Some(docdb_query::projection::Projection::parse(p)?)
        }
        _ => None,
    };
    let vars = args::let_vars(ctx)?;
    ctx.engine.read(|cat| {
        let Some(c) = cat.get(ctx.db, coll) else {
            if let Some(filter) = &o.filter {
                docdb_query::matcher::Filter::parse(filter)?;
            }
            return Ok(Vec::new());
        };
        let collation = args::effective_collation(&o.collation, c.collation.as_ref());
        let bounded = m.has_bounds();
        let req = SelectRequest {
            filter: o.filter.as_ref(),
            sort: o.sort.as_ref(),
            // Bounds are applied to the scan, before skip and limit.
            skip: if bounded { 0 } else { o.skip },
            limit: if bounded { None } else { o.limit },
            hint: o.hint.as_ref(),
            vars,
            memory: o.memory,
            collation: collation.as_ref(),
        };
        let selection = select(c, &req, &ctx.guard)?;
        let sorted = o.sort.as_ref().is_some_and(|s| !s.is_empty());
        let mut rows = m.bound(c, &selection, sorted)?;
        if bounded {
            rows = rows
                .into_iter()
                .skip(o.skip as usize)
                .take(o.limit.map_or(usize::MAX, |l| l as usize))
                .collect();
        }
        let mut docs = Vec::with_capacity(rows.len());
        for (i, row) in rows.iter().enumerate() {
            if i % 1024 == 0 {
                ctx.guard.check()?;
            }
            let Some(doc) = c.records.document(row.record) else {
                continue;
            };
            let doc = match &projection {
                Some(p) if !m.return_key => p.apply(&doc, row.positional, row.score)?,
                _ => doc,
            };
            docs.push(m.shape(c, &selection, row, doc)?);
        }
        Ok(docs)
    })
}

/// mongod runs a find on a view as an aggregation, which has none of these options
/// (query_request_helper.cpp `asAggregationCommand`: InvalidPipelineOperator, 168).
pub fn refuse_on_view(ctx: &Ctx) -> Result<()> {
    for name in ["min", "max", "returnKey", "showRecordId"] {
        let set = match ctx.cmd.get(name) {
            None | Some(Bson::Null) => false,
            Some(Bson::Boolean(b)) => *b,
            Some(Bson::Document(d)) => !d.is_empty(),
            Some(_) => true,
        };
        if set {
            return Err(CommandError {
                code: 168,
                code_name: "InvalidPipelineOperator",
                message: format!("Option {name} not supported in aggregation."),
                extra: None,
            });
        }
    }
    Ok(())
}

/// Compares two index keys field by field, a descending field reversed.
fn compare_keys(
    a: &[Bson],
    b: &[Bson],
    descending: &[bool],
    collation: Option<&Collation>,
) -> Ordering {
    for ((x, y), desc) in a.iter().zip(b).zip(descending) {
        let o = docdb_query::value::compare_with(x, y, collation);
        let o = if *desc { o.reverse() } else { o };
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

fn error(code: i32, message: &str) -> CommandError {
    CommandError {
        code,
        code_name: match code {
            51173 => "Location51173",
            51174 => "Location51174",
            _ => "Location51175",
        },
        message: message.to_string(),
        extra: None,
    }
}
