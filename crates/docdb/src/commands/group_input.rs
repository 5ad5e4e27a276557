//! Narrowed input for a pipeline that starts (after its leading `$match`) with a `$group`
//! reading only plain field paths: the group is fed documents holding just those top-level
//! fields, read one at a time from the stored BSON (`crate::records`) and dropped once grouped,
//! instead of whole decoded documents. A `$group` sees nothing of its input but what its `_id`
//! and accumulator expressions read, so the result is the same, and no document is decoded
//! (profiled: building whole documents was most of a `$match` + `$group`).
//!
//! The simplest shape, a key and arguments that are each one top-level field or a constant, skips
//! even the narrowed documents: `feed_fields` hands the group the field values themselves
//! (docdb_query's `FieldGroup`).
//!
//! Only the shapes whose reads are certain qualify: `_id` and accumulator arguments built from
//! `"$field.path"` strings, constants, and objects/arrays of those (no operators, no `$$`
//! variables), with the accumulators that read only their argument (`$sum`, `$avg`, `$min`,
//! `$max`, `$first`, `$last`, `$push`, `$addToSet`, `$count`). Anything else gets the decoded
//! documents.

use bson::{Bson, Document};

use crate::collection::Collection;
use crate::exec::Selection;

const PLAIN_ACCUMULATORS: &[&str] = &[
    "$sum",
    "$avg",
    "$min",
    "$max",
    "$first",
    "$last",
    "$push",
    "$addToSet",
    "$count",
];

/// Adds the top-level fields `expr` reads to `out`; false when it is not a plain expression.
fn plain_reads(expr: &Bson, out: &mut Vec<String>) -> bool {
    match expr {
        Bson::String(s) if s.starts_with("$$") => false,
        Bson::String(s) => {
            if let Some(path) = s.strip_prefix('$') {
                let top = path.split('.').next().unwrap_or_default();
                if top.is_empty() {
                    return false;
                }
                if !out.iter().any(|f| f == top) {
                    out.push(top.to_string());
                }
            }
            true
        }
        Bson::Document(d) => d
            .iter()
            .all(|(k, v)| !k.starts_with('$') && plain_reads(v, out)),
        Bson::Array(items) => items.iter().all(|v| plain_reads(v, out)),
        _ => true,
    }
}

/// The top-level fields a leading `$group` stage reads, when it is plain (see the module note).
pub fn group_reads(stages: &[Document]) -> Option<Vec<String>> {
    let first = stages.first()?;
    if first.len() != 1 {
        return None;
    }
    let Some(Bson::Document(spec)) = first.get("$group") else {
        return None;
    };
    let mut reads = Vec::new();
    for (field, value) in spec {
        if field == "_id" {
            if !plain_reads(value, &mut reads) {
                return None;
            }
            continue;
        }
        let Bson::Document(acc) = value else {
            return None;
        };
        if acc.len() != 1 {
            return None;
        }
        let (op, arg) = acc.iter().next()?;
        if !PLAIN_ACCUMULATORS.contains(&op.as_str()) || !plain_reads(arg, &mut reads) {
            return None;
        }
    }
    Some(reads)
}

/// The selected documents cut down to `fields`, one at a time in the selection's order, from
/// the stored bytes; `None` for a clustered collection (whose selection is in `_id` order, not
/// record order: the caller then decodes the documents). Fields the walk cannot read (never
/// expected) are taken from a decoded copy (`read_fields`).
pub fn narrowed_iter<'c>(
    coll: &'c Collection,
    selection: &'c Selection,
    fields: &'c [String],
) -> Option<impl Iterator<Item = docdb_query::Result<Document>> + 'c> {
    if crate::clustered::is_clustered(coll) {
        return None;
    }
    let names: Vec<&str> = fields.iter().map(String::as_str).collect();
    let mut values = Vec::with_capacity(names.len());
    let mut cursor = 0;
    Some(selection.rows.iter().filter_map(move |row| {
        let raw = coll.records.get_after(row.record, &mut cursor)?;
        if !read_fields(raw, &names, &mut values) {
            return None;
        }
        let mut doc = Document::new();
        for (name, value) in names.iter().zip(values.drain(..)) {
            if let Some(v) = value {
                doc.insert(*name, v);
            }
        }
        Some(Ok(doc))
    }))
}

/// Hands `add` the values of `fields` for each selected document, in the selection's order,
/// read from the stored bytes (a field-only `$group`, docdb_query's `FieldGroup`). Not for a
/// clustered collection (its selection is in `_id` order, not record order: see
/// `narrowed_iter`). Fields the walk cannot read (never expected) are taken from a decoded copy
/// (`read_fields`).
pub fn feed_fields(
    coll: &Collection,
    selection: &Selection,
    fields: &[String],
    add: &mut dyn FnMut(&mut [Option<Bson>]) -> docdb_query::Result<()>,
) -> docdb_query::Result<()> {
    let names: Vec<&str> = fields.iter().map(String::as_str).collect();
    let mut values = Vec::with_capacity(names.len());
    let mut cursor = 0;
    for row in &selection.rows {
        let Some(raw) = coll.records.get_after(row.record, &mut cursor) else {
            continue;
        };
        if read_fields(raw, &names, &mut values) {
            add(&mut values)?;
        }
    }
    Ok(())
}

/// The values of the top-level fields `names` in a stored document, walked from its bytes, or
/// taken from a decoded copy when the walk cannot read them (never expected); false when the
/// record cannot be read at all (skipped, as a deleted one would be).
fn read_fields(raw: &bson::RawDocument, names: &[&str], values: &mut Vec<Option<Bson>>) -> bool {
    if crate::records::top_level_values(raw, names, values) {
        return true;
    }
    let Some(doc) = crate::records::decode(raw) else {
        return false;
    };
    values.clear();
    values.extend(names.iter().map(|n| doc.get(*n).cloned()));
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn plain_groups_name_their_fields() {
        let stages = vec![
            doc! {"$group": {"_id": "$country", "total": {"$sum": "$amount"}, "count": {"$sum": 1}}},
        ];
        assert_eq!(
            group_reads(&stages),
            Some(vec!["country".to_string(), "amount".to_string()])
        );
        let nested = vec![doc! {"$group": {"_id": {"c": "$a.b", "d": "$d"}, "n": {"$count": {}}}}];
        assert_eq!(
            group_reads(&nested),
            Some(vec!["a".to_string(), "d".to_string()])
        );
    }

    #[test]
    fn operators_variables_and_document_accumulators_are_not_narrowed() {
        for stage in [
            doc! {"$group": {"_id": {"$toUpper": "$a"}}},
            doc! {"$group": {"_id": "$$ROOT"}},
            doc! {"$group": {"_id": null, "t": {"$top": {"output": "$a", "sortBy": {"b": 1}}}}},
            doc! {"$group": {"_id": null, "t": {"$sum": {"$multiply": ["$a", 2]}}}},
            doc! {"$project": {"a": 1}},
        ] {
            assert_eq!(group_reads(std::slice::from_ref(&stage)), None, "{stage}");
        }
    }
}
