//! The update operators, each applied at one concrete path of one document.
//!
//! Every function returns whether it changed the document, so `Update::apply` can report
//! `nModified` correctly, and fails with MongoDB's code when the current value has the wrong
//! type (`$inc` on a string is 14, `$push` on a non-array is 2, ...).

use crate::collation::Collation;
use crate::error::{QueryError, Result};
use crate::expr::Num;
use crate::matcher::Filter;
use crate::path::{get_path, remove_path, set_path};
use crate::value::{compare_with, equal_with};
use bson::{Bson, Document};
use std::sync::Arc;

fn describe_doc(doc: &Document) -> String {
    match doc.get("_id") {
        Some(id) => format!("{{_id: {}}}", crate::fmt::short(id)),
        None => "the document".to_string(),
    }
}

/// `$set`.
pub fn set(doc: &mut Document, path: &str, value: &Bson) -> Result<bool> {
    if get_path(doc, path).is_some_and(|cur| identical(cur, value)) {
        return Ok(false);
    }
    set_path(doc, path, value.clone())?;
    Ok(true)
}

/// Same value and same types (an update from 1 to 1.0 is a modification).
fn identical(a: &Bson, b: &Bson) -> bool {
    a == b
}

/// `$unset`.
pub fn unset(doc: &mut Document, path: &str) -> Result<bool> {
    if get_path(doc, path).is_none() {
        return Ok(false);
    }
    // Unsetting an array element leaves null in its place; a missing parent is a no-op.
    Ok(remove_path(doc, path).is_some())
}

/// `$inc` and `$mul`.
pub fn arithmetic(doc: &mut Document, path: &str, operand: &Bson, multiply: bool) -> Result<bool> {
    let op = if multiply { "$mul" } else { "$inc" };
    let Some(rhs) = Num::from_bson(operand) else {
        return Err(QueryError::type_mismatch(format!(
            "Cannot {} with non-numeric argument: {{{path}: {}}}",
            if multiply { "multiply" } else { "increment" },
            crate::fmt::short(operand)
        )));
    };
    let new = match get_path(doc, path) {
        None => {
            if multiply {
                crate::expr::Num::I32(0).to_bson_like(rhs)
            } else {
                operand.clone()
            }
        }
        Some(cur) => {
            let Some(lhs) = Num::from_bson(cur) else {
                return Err(QueryError::type_mismatch(format!(
                    "Cannot apply {op} to a value of non-numeric type. {} has the field '{}' of non-numeric type {}",
                    describe_doc(doc),
                    path.rsplit('.').next().unwrap_or(path),
                    crate::value::type_alias(cur)
                )));
            };
            if multiply {
                crate::expr::multiply_nums(lhs, rhs)
            } else {
                crate::expr::add_nums(lhs, rhs)
            }
            .to_bson()
        }
    };
    set(doc, path, &new)
}

/// `$min` and `$max`.
pub fn min_max(
    doc: &mut Document,
    path: &str,
    operand: &Bson,
    max: bool,
    collation: Option<&Collation>,
) -> Result<bool> {
    match get_path(doc, path) {
        Some(cur) => {
            let o = compare_with(operand, cur, collation);
            if (max && o.is_gt()) || (!max && o.is_lt()) {
                set(doc, path, operand)
            } else {
                Ok(false)
            }
        }
        None => set(doc, path, operand),
    }
}

/// `$currentDate`.
pub fn current_date(
    doc: &mut Document,
    path: &str,
    spec: &Bson,
    now: bson::DateTime,
) -> Result<bool> {
    let value = match spec {
        Bson::Boolean(true) => Bson::DateTime(now),
        Bson::Document(d) => match d.get("$type") {
            Some(Bson::String(t)) if t == "date" => Bson::DateTime(now),
            Some(Bson::String(t)) if t == "timestamp" => Bson::Timestamp(bson::Timestamp {
                time: (now.timestamp_millis() / 1000).max(0) as u32,
                increment: 1,
            }),
            _ => {
                return Err(QueryError::bad_value(
                    "The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field : {$type: 'date'}}}",
                ));
            }
        },
        Bson::Boolean(false) => Bson::DateTime(now),
        other => {
            return Err(QueryError::bad_value(format!(
                "{} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({{$type: 'timestamp/date'}}).",
                crate::value::type_alias(other)
            )));
        }
    };
    set_path(doc, path, value)?;
    Ok(true)
}

/// `$rename`.
pub fn rename(doc: &mut Document, from: &str, to: &str) -> Result<bool> {
    let Some(value) = get_path(doc, from).cloned() else {
        return Ok(false);
    };
    remove_path(doc, from);
    set_path(doc, to, value)?;
    Ok(true)
}

fn array_at<'a>(doc: &'a Document, path: &str, op: &str) -> Result<Option<&'a Vec<Bson>>> {
    match get_path(doc, path) {
        None => Ok(None),
        Some(Bson::Array(items)) => Ok(Some(items)),
        Some(other) => Err(QueryError::bad_value(format!(
            "The field '{path}' must be an array but is of type {} in document {} ({op})",
            crate::value::type_alias(other),
            describe_doc(doc)
        ))),
    }
}

/// The parsed argument of `$push`.
#[derive(Debug, Clone)]
pub struct PushSpec {
    pub each: Vec<Bson>,
    pub slice: Option<i64>,
    pub sort: Option<Bson>,
    pub position: Option<i64>,
}

impl PushSpec {
    /// Parses `value` or `{$each, $slice, $sort, $position}`.
    pub fn parse(arg: &Bson) -> Result<PushSpec> {
        let Bson::Document(d) = arg else {
            return Ok(PushSpec {
                each: vec![arg.clone()],
                slice: None,
                sort: None,
                position: None,
            });
        };
        if !d.contains_key("$each") {
            return Ok(PushSpec {
                each: vec![arg.clone()],
                slice: None,
                sort: None,
                position: None,
            });
        }
        let mut spec = PushSpec {
            each: Vec::new(),
            slice: None,
            sort: None,
            position: None,
        };
        for (k, v) in d {
            match k.as_str() {
                "$each" => match v {
                    Bson::Array(items) => spec.each = items.clone(),
                    _ => {
                        return Err(QueryError::bad_value(format!(
                            "The argument to $each in $push must be an array but it was of type: {}",
                            crate::value::type_alias(v)
                        )));
                    }
                },
                "$slice" => {
                    spec.slice = Some(crate::number::integral_i64(v).ok_or_else(|| {
                        QueryError::bad_value("The value for $slice must be an integer value")
                    })?)
                }
                "$position" => {
                    spec.position = Some(crate::number::integral_i64(v).ok_or_else(|| {
                        QueryError::bad_value("The value for $position must be an integer value")
                    })?)
                }
                "$sort" => {
                    match v {
                        Bson::Document(s) if !s.is_empty() => {
                            crate::sort::SortSpec::parse(s)?;
                        }
                        _ if matches!(crate::number::to_f64(v), Some(x) if x == 1.0 || x == -1.0) =>
                            {}
                        _ => {
                            return Err(QueryError::bad_value(
                                "The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields",
                            ));
                        }
                    }
                    spec.sort = Some(v.clone());
                }
                other => {
                    return Err(QueryError::bad_value(format!(
                        "Unrecognized clause in $push: {other}"
                    )));
                }
            }
        }
        Ok(spec)
    }
}

/// `$push`.
pub fn push(
    doc: &mut Document,
    path: &str,
    spec: &PushSpec,
    collation: Option<&Arc<Collation>>,
) -> Result<bool> {
    let mut items = array_at(doc, path, "$push")?.cloned().unwrap_or_default();
    let at = match spec.position {
        None => items.len(),
        Some(p) if p >= 0 => (p as usize).min(items.len()),
        Some(p) => items.len().saturating_sub(p.unsigned_abs() as usize),
    };
    for (i, v) in spec.each.iter().enumerate() {
        items.insert(at + i, v.clone());
    }
    if let Some(sort) = &spec.sort {
        match sort {
            Bson::Document(s) => {
                let spec = crate::sort::SortSpec::parse(s)?.with_collation(collation.cloned());
                let empty = Document::new();
                items.sort_by(|a, b| {
                    let da = a.as_document().unwrap_or(&empty);
                    let db = b.as_document().unwrap_or(&empty);
                    spec.compare(da, db)
                });
            }
            dir => {
                let desc = crate::number::to_f64(dir) == Some(-1.0);
                items.sort_by(|a, b| {
                    let collation = collation.map(|c| &**c);
                    if desc {
                        compare_with(b, a, collation)
                    } else {
                        compare_with(a, b, collation)
                    }
                });
            }
        }
    }
    if let Some(n) = spec.slice {
        items = crate::projection::slice_array(&items, n, None);
    }
    set(doc, path, &Bson::Array(items))
}

/// `$addToSet` (with or without `$each`).
pub fn add_to_set(
    doc: &mut Document,
    path: &str,
    arg: &Bson,
    collation: Option<&Collation>,
) -> Result<bool> {
    let values = match arg {
        Bson::Document(d) if d.contains_key("$each") => match d.get("$each") {
            Some(Bson::Array(items)) => items.clone(),
            _ => {
                return Err(QueryError::type_mismatch(
                    "The argument to $each in $addToSet must be an array",
                ));
            }
        },
        other => vec![other.clone()],
    };
    let mut items = array_at(doc, path, "$addToSet")?
        .cloned()
        .unwrap_or_default();
    let existed = get_path(doc, path).is_some();
    let mut changed = false;
    for v in values {
        if !items.iter().any(|x| equal_with(x, &v, collation)) {
            items.push(v);
            changed = true;
        }
    }
    if changed || !existed {
        set_path(doc, path, Bson::Array(items))?;
        return Ok(true);
    }
    Ok(false)
}

/// `$pop`.
pub fn pop(doc: &mut Document, path: &str, arg: &Bson) -> Result<bool> {
    let first = match crate::number::to_f64(arg) {
        Some(1.0) => false,
        Some(-1.0) => true,
        _ => {
            return Err(QueryError::failed_to_parse(format!(
                "$pop expects 1 or -1, found: {}",
                crate::fmt::short(arg)
            )));
        }
    };
    let Some(items) = array_at(doc, path, "$pop")? else {
        return Ok(false);
    };
    if items.is_empty() {
        return Ok(false);
    }
    let mut items = items.clone();
    if first {
        items.remove(0);
    } else {
        items.pop();
    }
    set_path(doc, path, Bson::Array(items))?;
    Ok(true)
}

/// A `$pull` condition: a value, a query on elements, or operators on element values.
#[derive(Debug, Clone)]
pub enum PullCondition {
    Value(Bson),
    Query(Box<Filter>),
    Operators(Box<Filter>),
}

impl PullCondition {
    /// Parses the `$pull` argument.
    pub fn parse(arg: &Bson) -> Result<PullCondition> {
        Ok(match arg {
            Bson::Document(d)
                if d.keys().next().is_some_and(|k| {
                    k.starts_with('$') && !matches!(k.as_str(), "$and" | "$or" | "$nor" | "$expr")
                }) =>
            {
                let mut wrapped = Document::new();
                wrapped.insert("v", arg.clone());
                PullCondition::Operators(Box::new(Filter::parse_without_javascript(&wrapped)?))
            }
            Bson::Document(d) => {
                PullCondition::Query(Box::new(Filter::parse_without_javascript(d)?))
            }
            Bson::RegularExpression(_) => {
                let mut wrapped = Document::new();
                wrapped.insert("v", arg.clone());
                PullCondition::Operators(Box::new(Filter::parse_without_javascript(&wrapped)?))
            }
            other => PullCondition::Value(other.clone()),
        })
    }

    /// Gives the condition's filters the operation's collation.
    pub fn set_collation(&mut self, collation: Option<Arc<Collation>>) {
        if let PullCondition::Query(f) | PullCondition::Operators(f) = self {
            **f = f.as_ref().clone().with_collation(collation);
        }
    }

    fn matches(&self, item: &Bson, collation: Option<&Collation>) -> bool {
        match self {
            PullCondition::Value(v) => equal_with(item, v, collation),
            PullCondition::Query(f) => match item {
                Bson::Document(d) => f.matches(d),
                _ => false,
            },
            PullCondition::Operators(f) => {
                let mut d = Document::new();
                d.insert("v", item.clone());
                f.matches(&d)
            }
        }
    }
}

/// `$pull`.
pub fn pull(
    doc: &mut Document,
    path: &str,
    cond: &PullCondition,
    collation: Option<&Collation>,
) -> Result<bool> {
    let Some(items) = array_at(doc, path, "$pull")? else {
        return Ok(false);
    };
    let kept: Vec<Bson> = items
        .iter()
        .filter(|i| !cond.matches(i, collation))
        .cloned()
        .collect();
    if kept.len() == items.len() {
        return Ok(false);
    }
    set_path(doc, path, Bson::Array(kept))?;
    Ok(true)
}

/// `$pullAll`.
pub fn pull_all(
    doc: &mut Document,
    path: &str,
    arg: &Bson,
    collation: Option<&Collation>,
) -> Result<bool> {
    let Bson::Array(values) = arg else {
        return Err(QueryError::bad_value(format!(
            "$pullAll requires an array argument but was given a {}",
            crate::value::type_alias(arg)
        )));
    };
    let Some(items) = array_at(doc, path, "$pullAll")? else {
        return Ok(false);
    };
    let kept: Vec<Bson> = items
        .iter()
        .filter(|i| !values.iter().any(|v| equal_with(i, v, collation)))
        .cloned()
        .collect();
    if kept.len() == items.len() {
        return Ok(false);
    }
    set_path(doc, path, Bson::Array(kept))?;
    Ok(true)
}

/// `$bit` with `and`/`or`/`xor` on int32/int64 values.
pub fn bit(doc: &mut Document, path: &str, arg: &Bson) -> Result<bool> {
    let Bson::Document(ops) = arg else {
        return Err(QueryError::bad_value(
            "The $bit modifier is not compatible with a non-object argument",
        ));
    };
    let mut cur = get_path(doc, path).cloned().unwrap_or(Bson::Int32(0));
    for (op, v) in ops {
        let (a, b) = match (&cur, v) {
            (Bson::Int32(_) | Bson::Int64(_), Bson::Int32(_) | Bson::Int64(_)) => (
                crate::number::integral_i64(&cur).unwrap_or(0),
                crate::number::integral_i64(v).unwrap_or(0),
            ),
            _ => {
                return Err(QueryError::bad_value(format!(
                    "$bit needs integer values; cannot apply to {} with {}",
                    crate::value::type_alias(&cur),
                    crate::value::type_alias(v)
                )));
            }
        };
        let r = match op.as_str() {
            "and" => a & b,
            "or" => a | b,
            "xor" => a ^ b,
            other => {
                return Err(QueryError::bad_value(format!(
                    "The $bit modifier only supports 'and', 'or', and 'xor', not '{other}'"
                )));
            }
        };
        let wide = matches!(cur, Bson::Int64(_)) || matches!(v, Bson::Int64(_));
        cur = if wide {
            Bson::Int64(r)
        } else {
            Bson::Int32(r as i32)
        };
    }
    set(doc, path, &cur)
}
