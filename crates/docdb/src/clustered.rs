//! Clustered collections (`create` with `clusteredIndex: {key: {_id: 1}, unique: true}`).
//!
//! In mongod a clustered collection stores its documents ordered by `_id`, with no
//! separate `_id` index. Here the documents stay in the record map and the `_id_`
//! index orders them: a natural-order scan of a clustered collection walks that
//! index (so documents come back in `_id` order, as mongod returns them), the
//! listings show the clustered index as mongod 7.0 does (no `idIndex` in
//! `listCollections`, `clustered: true` in `listIndexes`), and
//! `expireAfterSeconds` deletes documents whose `_id` is a date older than the
//! limit, through the engine's TTL pass.
//!
//! This module also decides which of `create`'s storage options apply: the
//! clustered ones, or the capped ones (`capped.rs`), with mongod's errors for
//! the combinations it refuses.

use bson::{Bson, Document, doc};

use crate::collection::Collection;
use crate::error::{CommandError, Result, codes};

/// Whether a collection is clustered.
pub fn is_clustered(c: &Collection) -> bool {
    c.options.contains_key("clusteredIndex")
}

/// The clustered index's name (mongod's default is `_id_`).
pub fn index_name(c: &Collection) -> Option<&str> {
    match c.options.get("clusteredIndex") {
        Some(Bson::Document(d)) => d.get_str("name").ok(),
        _ => None,
    }
}

/// The collection's `expireAfterSeconds` (clustered TTL), when set.
pub fn expire_after_seconds(c: &Collection) -> Option<i64> {
    match c.options.get("expireAfterSeconds") {
        Some(Bson::Int64(s)) => Some(*s),
        Some(Bson::Int32(s)) => Some(i64::from(*s)),
        _ => None,
    }
}

fn unknown_field(field: &str) -> CommandError {
    crate::capped::error(
        40415,
        format!("BSON field 'create.clusteredIndex.{field}' is an unknown field."),
    )
}

fn missing_field(field: &str) -> CommandError {
    crate::capped::error(
        40414,
        format!("BSON field 'create.clusteredIndex.{field}' is missing but a required field"),
    )
}

/// Validates a `clusteredIndex` spec and returns it as mongod stores it:
/// `{v: 2, key: {_id: 1}, name, unique: true}`.
fn parse_spec(spec: &Bson) -> Result<Document> {
    let Bson::Document(spec) = spec else {
        return Err(CommandError::type_mismatch(format!(
            "BSON field 'create.clusteredIndex' is the wrong type '{}', expected types '[object]'",
            docdb_query::value::type_alias(spec)
        )));
    };
    for k in spec.keys() {
        if !matches!(k.as_str(), "key" | "unique" | "name" | "v") {
            return Err(unknown_field(k));
        }
    }
    let key = match spec.get("key") {
        Some(Bson::Document(k)) => k,
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'create.clusteredIndex.key' is the wrong type '{}', expected type 'object'",
                docdb_query::value::type_alias(other)
            )));
        }
        None => return Err(missing_field("key")),
    };
    let unique = match spec.get("unique") {
        Some(Bson::Boolean(b)) => *b,
        Some(v @ (Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_))) => {
            crate::index::spec::number(v).unwrap_or(0.0) != 0.0
        }
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'create.clusteredIndex.unique' is the wrong type '{}', expected types '[bool, long, int, decimal, double]'",
                docdb_query::value::type_alias(other)
            )));
        }
        None => return Err(missing_field("unique")),
    };
    let name = match spec.get("name") {
        None => "_id_".to_string(),
        Some(Bson::String(s)) => s.clone(),
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'create.clusteredIndex.name' is the wrong type '{}', expected type 'string'",
                docdb_query::value::type_alias(other)
            )));
        }
    };
    if let Some(v) = spec.get("v")
        && crate::index::spec::number(v) != Some(2.0)
    {
        return Err(CommandError::new(
            codes::INVALID_INDEX_SPEC_OPTION,
            format!("Invalid clustered index version {v}: only version 2 is supported"),
        ));
    }
    if !unique {
        return Err(crate::capped::error(
            5979700,
            "The clusteredIndex option requires unique: true to be specified",
        ));
    }
    let on_id = key.len() == 1
        && key
            .get("_id")
            .and_then(crate::index::spec::number)
            .is_some_and(|n| n == 1.0);
    if !on_id {
        return Err(CommandError::new(
            codes::INVALID_INDEX_SPEC_OPTION,
            "The clusteredIndex option is only supported for key: {_id: 1}",
        ));
    }
    Ok(doc! {"v": 2, "key": {"_id": 1}, "name": name, "unique": true})
}

/// `expireAfterSeconds` as mongod's create parses it (a non-negative whole number).
fn parse_expire(v: &Bson) -> Result<i64> {
    let n = match v {
        Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_) | Bson::Decimal128(_) => {
            crate::index::spec::number(v).unwrap_or(-1.0)
        }
        other => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'create.expireAfterSeconds' is the wrong type '{}', expected types '[long, int, decimal, double]'",
                docdb_query::value::type_alias(other)
            )));
        }
    };
    if n < 0.0 {
        return Err(CommandError::new(
            codes::INVALID_OPTIONS,
            "TTL index 'expireAfterSeconds' option must be within an acceptable range, try a non-negative value",
        ));
    }
    Ok(n as i64)
}

/// The storage options of a `create` that is neither a view nor a time-series
/// collection: `{capped, size, max?}`, or `{clusteredIndex, expireAfterSeconds?}`, or
/// nothing. mongod 7.0's errors for what it refuses.
pub fn storage_options(cmd: &Document) -> Result<Document> {
    let Some(spec) = cmd.get("clusteredIndex") else {
        if cmd.contains_key("expireAfterSeconds") {
            return Err(CommandError::new(
                codes::INVALID_OPTIONS,
                "'expireAfterSeconds' is only supported on time-series collections or when the 'clusteredIndex' option is specified",
            ));
        }
        return crate::capped::create_options(cmd);
    };
    if matches!(cmd.get("capped"), Some(Bson::Boolean(true))) {
        return Err(crate::capped::error(
            6127800,
            "Clustered capped collection only available with 'enableTestCommands' server parameter",
        ));
    }
    if cmd.contains_key("size") {
        return Err(crate::capped::error(
            6049200,
            "'size' field for capped collections is not allowed on clustered collections. Did you mean 'capped: true' with 'expireAfterSeconds'?",
        ));
    }
    if cmd.contains_key("max") {
        return Err(crate::capped::error(
            6049204,
            "'max' field for capped collections is not allowed on clustered collections. Did you mean 'capped: true' with 'expireAfterSeconds'?",
        ));
    }
    let mut out = doc! {"clusteredIndex": parse_spec(spec)?};
    if let Some(v) = cmd.get("expireAfterSeconds") {
        out.insert("expireAfterSeconds", parse_expire(v)?);
    }
    Ok(out)
}

/// The records of a clustered collection in `_id` order (the `_id_` index's order),
/// forwards or backwards.
pub fn natural_order(c: &Collection, reverse: bool) -> Vec<u64> {
    let Some(id_index) = c.indexes.first() else {
        return Vec::new();
    };
    let records = id_index.entries.iter().map(|e| e.record);
    if reverse {
        records.rev().collect()
    } else {
        records.collect()
    }
}

/// `listIndexes`' entry for the clustered index (mongod 7.0's shape).
pub fn list_indexes_entry(c: &Collection) -> Option<Document> {
    let name = index_name(c)?;
    Some(doc! {"v": 2, "key": {"_id": 1}, "name": name, "unique": true, "clustered": true})
}

/// Records of clustered collections with `expireAfterSeconds` whose `_id` is a date at or
/// before `now - expireAfterSeconds` (mongod's clustered TTL).
pub fn expired(c: &Collection, now: bson::DateTime) -> Vec<u64> {
    let Some(secs) = expire_after_seconds(c).filter(|_| is_clustered(c)) else {
        return Vec::new();
    };
    let cutoff = now
        .timestamp_millis()
        .saturating_sub(secs.saturating_mul(1000));
    c.records
        .iter()
        .filter(|(_, d)| {
            matches!(d.get("_id"), Ok(Some(bson::RawBsonRef::DateTime(t))) if t.timestamp_millis() <= cutoff)
        })
        .map(|(r, _)| r)
        .collect()
}

/// Rewrites an explain tree of a clustered collection as mongod 7.0 shows it: there is no
/// `_id_` index to scan, so a FETCH over an IXSCAN of `_id_` is a `CLUSTERED_IXSCAN` (a
/// collection scan bounded by `minRecord`/`maxRecord`) for one `_id` range, and a plain
/// COLLSCAN with the filter otherwise.
pub fn explain_tree(c: &Collection, sel: &crate::exec::Selection, mut tree: Document) -> Document {
    if !is_clustered(c) {
        return tree;
    }
    let over_id_index = tree.get_str("stage").ok() == Some("FETCH")
        && tree.get_document("inputStage").is_ok_and(|i| {
            i.get_str("stage").ok() == Some("IXSCAN") && i.get_str("indexName").ok() == Some("_id_")
        });
    if !over_id_index {
        if let Ok(input) = tree.get_document("inputStage") {
            let rewritten = explain_tree(c, sel, input.clone());
            tree.insert("inputStage", rewritten);
        }
        return tree;
    }
    let mut out = Document::new();
    let range = match &sel.plan.access {
        crate::planner::Access::IndexScan {
            intervals,
            backward,
            ..
        } if intervals.len() == 1 && intervals[0].len() == 1 => Some((&intervals[0][0], *backward)),
        _ => None,
    };
    let backward = range.is_some_and(|(_, b)| b);
    out.insert(
        "stage",
        if range.is_some() {
            "CLUSTERED_IXSCAN"
        } else {
            "COLLSCAN"
        },
    );
    if let Some(filter) = tree.get("filter") {
        out.insert("filter", filter.clone());
    }
    out.insert("direction", if backward { "backward" } else { "forward" });
    if let Some((interval, _)) = range {
        if !matches!(interval.low, Bson::MinKey) {
            out.insert("minRecord", interval.low.clone());
        }
        if !matches!(interval.high, Bson::MaxKey) {
            out.insert("maxRecord", interval.high.clone());
        }
    }
    // The execution counters stay those of the documents read.
    for (k, v) in &tree {
        if !matches!(
            k.as_str(),
            "stage" | "filter" | "inputStage" | "alreadyHasObj"
        ) {
            out.insert(k.clone(), v.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clustered_spec_is_normalised_and_checked() {
        let o = storage_options(
            &doc! {"create": "c", "clusteredIndex": {"key": {"_id": 1}, "unique": true}},
        )
        .unwrap();
        assert_eq!(
            o,
            doc! {"clusteredIndex": {"v": 2, "key": {"_id": 1}, "name": "_id_", "unique": true}}
        );
        let code = |cmd: Document| storage_options(&cmd).unwrap_err().code;
        assert_eq!(
            code(doc! {"create": "c", "clusteredIndex": {"key": {"_id": 1}, "unique": false}}),
            5979700
        );
        assert_eq!(
            code(doc! {"create": "c", "clusteredIndex": {"key": {"a": 1}, "unique": true}}),
            197
        );
        assert_eq!(
            code(doc! {"create": "c", "clusteredIndex": {"key": {"_id": 1}}}),
            40414
        );
        assert_eq!(code(doc! {"create": "c", "expireAfterSeconds": 5}), 72);
        assert_eq!(
            code(
                doc! {"create": "c", "clusteredIndex": {"key": {"_id": 1}, "unique": true}, "size": 10}
            ),
            6049200
        );
    }
}
