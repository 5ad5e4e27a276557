//! What every write does to a document before storing it: `_id` first (an
//! ObjectId when absent), `_id` checks, size limit, and the collection's
//! validator. Shared by insert, update/upsert, findAndModify and `$out`.

use bson::{Bson, Document, oid::ObjectId};

use crate::collection::Collection;
use crate::error::{CommandError, Result, codes};

/// Fails with 166 CommandNotSupportedOnView when `coll` is a view.
pub fn reject_view(ctx: &crate::engine::Ctx, coll: &str) -> Result<()> {
    if ctx.engine.read(|cat| cat.is_view(ctx.db, coll)) {
        return Err(crate::catalog::view_error(ctx.db, coll));
    }
    Ok(())
}

/// Returns `doc` with `_id` as its first field, generating an ObjectId when
/// the document has none.
pub fn with_id_first(doc: Document) -> Document {
    if doc.keys().next().map(String::as_str) == Some("_id") {
        return doc;
    }
    let mut out = Document::new();
    let id = doc
        .get("_id")
        .cloned()
        .unwrap_or_else(|| Bson::ObjectId(ObjectId::new()));
    out.insert("_id", id);
    for (k, v) in doc {
        if k != "_id" {
            out.insert(k, v);
        }
    }
    out
}

/// Byte-level sameness: same fields in the same order with the same typed
/// values (`Document`'s `==` ignores field order, but a write that reorders
/// fields does modify the stored document).
pub fn identical(a: &Document, b: &Document) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b.iter())
            .all(|((ka, va), (kb, vb))| ka == kb && identical_value(va, vb))
}

fn identical_value(a: &Bson, b: &Bson) -> bool {
    match (a, b) {
        (Bson::Document(x), Bson::Document(y)) => identical(x, y),
        (Bson::Array(x), Bson::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| identical_value(p, q))
        }
        (Bson::Double(x), Bson::Double(y)) => x.to_bits() == y.to_bits(),
        _ => a == b,
    }
}

/// The encoded size of a document in bytes, computed without encoding it
/// (every write checks the 16 MiB limit, so this must be cheap).
pub fn bson_size(doc: &Document) -> usize {
    5 + doc
        .iter()
        .map(|(k, v)| 2 + k.len() + value_size(v))
        .sum::<usize>()
}

fn value_size(v: &Bson) -> usize {
    match v {
        Bson::Double(_) | Bson::Int64(_) | Bson::DateTime(_) | Bson::Timestamp(_) => 8,
        Bson::Int32(_) => 4,
        Bson::Boolean(_) => 1,
        Bson::Null | Bson::Undefined | Bson::MinKey | Bson::MaxKey => 0,
        Bson::String(s) | Bson::JavaScriptCode(s) | Bson::Symbol(s) => 5 + s.len(),
        Bson::ObjectId(_) => 12,
        Bson::Decimal128(_) => 16,
        Bson::Document(d) => bson_size(d),
        Bson::Array(items) => {
            5 + items
                .iter()
                .enumerate()
                .map(|(i, x)| 2 + decimal_digits(i) + value_size(x))
                .sum::<usize>()
        }
        Bson::Binary(b) => {
            let old = matches!(b.subtype, bson::spec::BinarySubtype::BinaryOld);
            5 + b.bytes.len() + if old { 4 } else { 0 }
        }
        Bson::RegularExpression(r) => r.pattern.as_str().len() + r.options.as_str().len() + 2,
        Bson::JavaScriptCodeWithScope(c) => 4 + 5 + c.code.len() + bson_size(&c.scope),
        Bson::DbPointer(_) => 12 + 5 + 64,
    }
}

fn decimal_digits(mut i: usize) -> usize {
    let mut n = 1;
    while i >= 10 {
        i /= 10;
        n += 1;
    }
    n
}

/// Checks what MongoDB checks on every stored document.
pub fn check_storable(doc: &Document) -> Result<()> {
    match doc.get("_id") {
        Some(Bson::Array(_)) => {
            return Err(CommandError::new(
                codes::INVALID_ID_FIELD,
                "The '_id' value cannot be of type array",
            ));
        }
        Some(Bson::RegularExpression(_)) => {
            return Err(CommandError::new(
                codes::INVALID_ID_FIELD,
                "The '_id' value cannot be of type regex",
            ));
        }
        Some(Bson::Undefined) => {
            return Err(CommandError::new(
                codes::INVALID_ID_FIELD,
                "The '_id' value cannot be of type undefined",
            ));
        }
        Some(Bson::Document(id)) => {
            if let Some(k) = id.keys().find(|k| k.starts_with('$')) {
                return Err(CommandError::new(
                    52,
                    format!(
                        "_id fields may not contain '$'-prefixed fields: {k} is not valid for storage."
                    ),
                ));
            }
        }
        _ => {}
    }
    let size = bson_size(doc);
    if size > crate::commands::handshake::MAX_BSON_OBJECT_SIZE as usize {
        return Err(CommandError::new(
            codes::BSON_OBJECT_TOO_LARGE,
            format!("object to insert too large. size in bytes: {size}, max size: 16777216"),
        ));
    }
    Ok(())
}

/// Runs the collection validator unless bypassed. `old` is the document
/// before an update (for `validationLevel: moderate`).
pub fn validate(
    coll: Option<&Collection>,
    doc: &Document,
    old: Option<&Document>,
    bypass: bool,
) -> Result<()> {
    if bypass {
        return Ok(());
    }
    let Some(v) = coll.and_then(|c| c.validator.as_ref()) else {
        return Ok(());
    };
    v.check(doc, old.map(|o| v.matches(o)))
}

/// A write command's reply: `n`, then `writeErrors` when any statement failed, then `ok`, in
/// mongod's field order.
pub fn write_reply(n: impl Into<Bson>, errors: Vec<Bson>) -> Document {
    let mut reply = Document::new();
    reply.insert("n", n.into());
    if !errors.is_empty() {
        reply.insert("writeErrors", errors);
    }
    reply.insert("ok", 1.0);
    reply
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    #[test]
    fn id_is_generated_and_moved_first() {
        let d = with_id_first(doc! {"a": 1});
        assert_eq!(d.keys().next().unwrap(), "_id");
        assert!(matches!(d.get("_id"), Some(Bson::ObjectId(_))));
        let d = with_id_first(doc! {"a": 1, "_id": 5});
        assert_eq!(d, doc! {"_id": 5, "a": 1});
        assert_eq!(d.keys().collect::<Vec<_>>(), vec!["_id", "a"]);
    }

    #[test]
    fn identical_sees_field_order_and_types() {
        assert!(identical(
            &doc! {"a": 1, "b": {"c": 2}},
            &doc! {"a": 1, "b": {"c": 2}}
        ));
        assert!(!identical(&doc! {"a": 1, "b": 2}, &doc! {"b": 2, "a": 1}));
        assert!(!identical(
            &doc! {"a": {"x": 1, "y": 2}},
            &doc! {"a": {"y": 2, "x": 1}}
        ));
        assert!(!identical(&doc! {"a": 1}, &doc! {"a": 1.0}));
    }

    #[test]
    fn computed_size_matches_the_encoding() {
        let d = doc! {"_id": bson::oid::ObjectId::new(), "a": 1, "b": 2.5, "s": "text", "n": null, "t": true,
        "arr": [1, "x", {"k": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]}], "d": bson::DateTime::now(), "l": 5_i64,
        "bin": bson::Binary { subtype: bson::spec::BinarySubtype::Generic, bytes: vec![1, 2, 3] },
        "re": Bson::try_from(serde_json::json!({"$regularExpression": {"pattern": "ab+", "options": "i"}})).unwrap()};
        assert_eq!(bson_size(&d), d.to_vec().unwrap().len());
    }

    #[test]
    fn bad_ids_are_refused() {
        assert_eq!(check_storable(&doc! {"_id": [1]}).unwrap_err().code, 53);
        assert_eq!(
            check_storable(&doc! {"_id": {"$a": 1}}).unwrap_err().code,
            52
        );
        assert!(check_storable(&doc! {"_id": {"a": 1}}).is_ok());
    }
}
