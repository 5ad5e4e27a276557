//! Object operators: `$mergeObjects`, `$getField`, `$setField`/`$unsetField`, and `$rand`.

use super::Ctx;
use super::args::{eval_list, eval_named, is_nullish, named};
use crate::error::{QueryError, Result};
use bson::{Bson, Document};

pub(super) fn dispatch(name: &str, arg: &Bson, ctx: &Ctx) -> Result<Option<Option<Bson>>> {
    let r = match name {
        "$mergeObjects" => {
            let mut out = Document::new();
            for v in eval_list(arg, ctx)? {
                match v {
                    None | Some(Bson::Null) | Some(Bson::Undefined) => {}
                    Some(Bson::Document(d)) => out.extend(d),
                    Some(other) => {
                        return Err(QueryError::location(
                            40400,
                            format!(
                                "$mergeObjects requires object inputs, but input {} is of type {}",
                                crate::fmt::short(&other),
                                crate::value::type_alias(&other)
                            ),
                        ));
                    }
                }
            }
            Some(Bson::Document(out))
        }
        "$getField" => {
            let (field, input) = match arg {
                Bson::Document(d) if d.contains_key("field") => {
                    let d = named(name, arg, &["field", "input"])?;
                    let input = match d.get("input") {
                        Some(e) => super::eval(e, ctx)?,
                        None => Some(Bson::Document(ctx.root.clone())),
                    };
                    (field_name(name, d.get("field"))?, input)
                }
                other => (
                    field_name(name, Some(other))?,
                    Some(Bson::Document(ctx.root.clone())),
                ),
            };
            match input {
                Some(Bson::Document(d)) => d.get(&field).cloned(),
                None => None,
                Some(Bson::Null) | Some(Bson::Undefined) => Some(Bson::Null),
                Some(_) => None,
            }
        }
        "$setField" | "$unsetField" => {
            let allowed: &[&str] = if name == "$setField" {
                &["field", "input", "value"]
            } else {
                &["field", "input"]
            };
            let d = named(name, arg, allowed)?;
            let field = field_name(name, d.get("field"))?;
            let input = eval_named(d, "input", ctx)?;
            if is_nullish(&input) {
                return Ok(Some(Some(Bson::Null)));
            }
            let Some(Bson::Document(mut doc)) = input else {
                return Err(QueryError::location(
                    4161105,
                    format!("{name} requires 'input' to evaluate to an object"),
                ));
            };
            let value = if name == "$setField" {
                eval_named(d, "value", ctx)?
            } else {
                None
            };
            match value {
                Some(v) => {
                    doc.insert(field, v);
                }
                None => {
                    doc.remove(&field);
                }
            }
            Some(Bson::Document(doc))
        }
        "$rand" => Some(Bson::Double(next_random())),
        "$bsonSize" => match super::args::eval_exact(name, arg, 1, ctx)?.pop().flatten() {
            None | Some(Bson::Null) | Some(Bson::Undefined) => Some(Bson::Null),
            Some(Bson::Document(d)) => {
                let bytes = d.to_vec().map_err(|e| {
                    QueryError::location(
                        31393,
                        format!("$bsonSize could not encode the document: {e}"),
                    )
                })?;
                Some(
                    i32::try_from(bytes.len()).map_or(Bson::Int64(bytes.len() as i64), Bson::Int32),
                )
            }
            Some(other) => {
                return Err(QueryError::location(
                    31393,
                    format!(
                        "$bsonSize requires a document input, found: {}",
                        crate::value::type_alias(&other)
                    ),
                ));
            }
        },
        "$binarySize" => match super::args::eval_exact(name, arg, 1, ctx)?.pop().flatten() {
            None | Some(Bson::Null) | Some(Bson::Undefined) => Some(Bson::Null),
            Some(Bson::String(s)) => Some(Bson::Int32(s.len() as i32)),
            Some(Bson::Binary(b)) => Some(Bson::Int32(b.bytes.len() as i32)),
            Some(other) => {
                return Err(QueryError::location(
                    51276,
                    format!(
                        "$binarySize requires a string or BinData argument, found: {}",
                        crate::value::type_alias(&other)
                    ),
                ));
            }
        },
        "$tsSecond" | "$tsIncrement" => {
            match super::args::eval_exact(name, arg, 1, ctx)?.pop().flatten() {
                None | Some(Bson::Null) | Some(Bson::Undefined) => Some(Bson::Null),
                Some(Bson::Timestamp(t)) => Some(Bson::Int64(i64::from(if name == "$tsSecond" {
                    t.time
                } else {
                    t.increment
                }))),
                Some(other) => {
                    return Err(QueryError::location(
                        5687301,
                        format!(
                            "{name} requires a timestamp argument, found: {}",
                            crate::value::type_alias(&other)
                        ),
                    ));
                }
            }
        }
        "$meta" => match arg {
            Bson::String(m) if m == "textScore" || m == "searchScore" => {
                ctx.root.get(crate::aggregate::TEXT_SCORE_FIELD).cloned()
            }
            Bson::String(m)
                if m == "indexKey"
                    || m == "recordId"
                    || m == "sortKey"
                    || m == "searchHighlights" =>
            {
                None
            }
            _ => {
                return Err(QueryError::location(
                    17308,
                    format!("Unsupported argument to $meta: {}", crate::fmt::short(arg)),
                ));
            }
        },
        _ => return Ok(None),
    };
    Ok(Some(r))
}

fn field_name(op: &str, v: Option<&Bson>) -> Result<String> {
    match v {
        Some(Bson::String(s)) if !s.starts_with('$') => Ok(s.clone()),
        Some(Bson::Document(d)) => match d.get("$literal") {
            Some(Bson::String(s)) => Ok(s.clone()),
            _ => Err(QueryError::location(
                3041704,
                format!("{op} requires 'field' to be a string or $literal string"),
            )),
        },
        _ => Err(QueryError::location(
            3041704,
            format!("{op} requires 'field' to evaluate to a constant string"),
        )),
    }
}

/// A uniform double in [0, 1) from a per-thread xorshift generator seeded from the clock and a
/// stack address; `$rand` and `$sample` need unpredictability, not cryptographic strength.
pub fn next_random() -> f64 {
    use std::cell::Cell;
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0x9E37_79B9_7F4A_7C15, |d| d.as_nanos() as u64);
            let local = 0u8;
            (t ^ (&local as *const u8 as u64)) | 1
        });
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}
