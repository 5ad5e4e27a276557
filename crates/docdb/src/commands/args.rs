//! Reading command arguments with MongoDB's error messages.
//!
//! Every handler reads its fields through these helpers, so a wrong type is
//! always reported the same way ("BSON field 'find.limit' is the wrong type
//! 'string', expected type 'long'") and never reaches a panic.

use bson::{Bson, Document};
use docdb_query::value::type_alias;

use crate::engine::Ctx;
use crate::error::{CommandError, Result, codes};

fn wrong_type(cmd: &str, field: &str, v: &Bson, expected: &str) -> CommandError {
    CommandError::type_mismatch(format!(
        "BSON field '{cmd}.{field}' is the wrong type '{}', expected type '{expected}'",
        type_alias(v)
    ))
}

/// The command's name (its first field).
pub fn command_name(ctx: &Ctx) -> String {
    ctx.cmd.keys().next().cloned().unwrap_or_default()
}

/// The collection a command targets (the value of its first field).
pub fn collection(ctx: &Ctx) -> Result<String> {
    let name = command_name(ctx);
    match ctx.cmd.get(&name) {
        Some(Bson::String(s)) if !s.is_empty() => {
            crate::catalog::check_coll_name(ctx.db, s)?;
            Ok(s.clone())
        }
        Some(Bson::String(_)) => Err(CommandError::new(
            codes::INVALID_NAMESPACE,
            format!("Invalid namespace specified '{}.'", ctx.db),
        )),
        Some(v) => Err(CommandError::new(
            codes::INVALID_NAMESPACE,
            format!("collection name has invalid type {}", type_alias(v)),
        )),
        None => Err(CommandError::failed_to_parse(format!(
            "command '{name}' lacks its collection name"
        ))),
    }
}

/// An optional sub-document (`null` counts as absent).
pub fn opt_doc<'a>(ctx: &'a Ctx, field: &str) -> Result<Option<&'a Document>> {
    match ctx.cmd.get(field) {
        None | Some(Bson::Null) => Ok(None),
        Some(Bson::Document(d)) => Ok(Some(d)),
        Some(v) => Err(wrong_type(&command_name(ctx), field, v, "object")),
    }
}

/// An optional sub-document of any document (for nested specs).
pub fn doc_field<'a>(d: &'a Document, owner: &str, field: &str) -> Result<Option<&'a Document>> {
    match d.get(field) {
        None | Some(Bson::Null) => Ok(None),
        Some(Bson::Document(x)) => Ok(Some(x)),
        Some(v) => Err(wrong_type(owner, field, v, "object")),
    }
}

/// An optional integer (any numeric type with an integral value).
pub fn opt_i64(ctx: &Ctx, field: &str) -> Result<Option<i64>> {
    int_field(ctx.cmd, &command_name(ctx), field)
}

pub fn int_field(d: &Document, owner: &str, field: &str) -> Result<Option<i64>> {
    match d.get(field) {
        None | Some(Bson::Null) => Ok(None),
        Some(Bson::Int32(i)) => Ok(Some(i64::from(*i))),
        Some(Bson::Int64(i)) => Ok(Some(*i)),
        Some(Bson::Double(f)) if f.fract() == 0.0 && f.is_finite() => Ok(Some(*f as i64)),
        Some(v @ Bson::Double(_)) => Err(CommandError::bad_value(format!(
            "BSON field '{owner}.{field}' must be a whole number, found {v}"
        ))),
        Some(v) => Err(wrong_type(owner, field, v, "long")),
    }
}

/// An optional boolean (numbers count as their truthiness, as in MongoDB).
pub fn opt_bool(ctx: &Ctx, field: &str) -> Result<Option<bool>> {
    bool_field(ctx.cmd, &command_name(ctx), field)
}

pub fn bool_field(d: &Document, owner: &str, field: &str) -> Result<Option<bool>> {
    match d.get(field) {
        None | Some(Bson::Null) => Ok(None),
        Some(Bson::Boolean(b)) => Ok(Some(*b)),
        Some(Bson::Int32(i)) => Ok(Some(*i != 0)),
        Some(Bson::Int64(i)) => Ok(Some(*i != 0)),
        Some(Bson::Double(f)) => Ok(Some(*f != 0.0)),
        Some(v) => Err(wrong_type(owner, field, v, "bool")),
    }
}

/// An array of documents (`documents`, `updates`, `deletes`, `pipeline`).
pub fn doc_array(ctx: &Ctx, field: &str) -> Result<Vec<Document>> {
    match ctx.cmd.get(field) {
        None => Err(CommandError {
            code: 40414,
            code_name: "Location40414",
            message: format!(
                "BSON field '{}.{field}' is missing but a required field",
                command_name(ctx)
            ),
            extra: None,
        }),
        Some(Bson::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| match v {
                Bson::Document(d) => Ok(d.clone()),
                other => Err(wrong_type(
                    &command_name(ctx),
                    &format!("{field}.{i}"),
                    other,
                    "object",
                )),
            })
            .collect(),
        Some(v) => Err(wrong_type(&command_name(ctx), field, v, "array")),
    }
}

/// `let` variables of the command, if any.
pub fn let_vars<'a>(ctx: &'a Ctx) -> Result<Option<&'a Document>> {
    opt_doc(ctx, "let")
}

/// The batch size of a cursor command (`cursor.batchSize` or `batchSize`).
pub fn batch_size(value: Option<i64>) -> Result<Option<usize>> {
    match value {
        None => Ok(None),
        Some(n) if n < 0 => Err(CommandError::bad_value(format!(
            "batchSize must be non-negative, found {n}"
        ))),
        Some(n) => Ok(Some(n as usize)),
    }
}

/// A `collation` option as given: `None` when absent, `Some(None)` for `{locale: "simple"}`,
/// `Some(Some(c))` otherwise. Malformed specs fail with mongod's codes before any work.
pub fn requested_collation(
    d: &Document,
    owner: &str,
) -> Result<Option<Option<std::sync::Arc<docdb_query::collation::Collation>>>> {
    match d.get("collation") {
        // mongod reads an empty collation as none given (it checks `isEmpty()`).
        None => Ok(None),
        Some(Bson::Document(spec)) if spec.is_empty() => Ok(None),
        Some(Bson::Document(spec)) => Ok(Some(docdb_query::collation::Collation::parse(spec)?)),
        Some(v) => Err(wrong_type(owner, "collation", v, "object")),
    }
}

/// The collation an operation runs with: its own (even "simple"), else the collection's default.
pub fn effective_collation(
    requested: &Option<Option<std::sync::Arc<docdb_query::collation::Collation>>>,
    default: Option<&std::sync::Arc<docdb_query::collation::Collation>>,
) -> Option<std::sync::Arc<docdb_query::collation::Collation>> {
    match requested {
        Some(own) => own.clone(),
        None => default.cloned(),
    }
}
