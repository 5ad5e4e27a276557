//! Type inspection and conversion: `$type`, `$isNumber`, `$convert` and its shorthands
//! (`$toString`, `$toInt`, `$toLong`, `$toDouble`, `$toDecimal`, `$toBool`, `$toDate`,
//! `$toObjectId`).
//!
//! Conversion failures are error 241 (ConversionFailure) unless `$convert` supplies `onError`;
//! null or missing input gives null unless `onNull` says otherwise.

use super::Ctx;
use super::args::{eval_exact, eval_named, is_nullish, named};
use super::arith::decimal_from_f64;
use crate::error::{QueryError, Result};
use crate::number::{integral_i64, to_f64};
use bson::Bson;

/// A string form for `$concat`-like operators and `$toString` (None if not convertible).
pub fn to_string_value(v: &Bson) -> Option<String> {
    Some(match v {
        Bson::String(s) | Bson::Symbol(s) => s.clone(),
        Bson::Int32(i) => i.to_string(),
        Bson::Int64(i) => i.to_string(),
        Bson::Double(d) => format_double(*d),
        Bson::Decimal128(d) => d.to_string(),
        Bson::Boolean(b) => b.to_string(),
        Bson::ObjectId(o) => o.to_hex(),
        Bson::DateTime(d) => {
            super::calendar::format_date(d.timestamp_millis(), "%Y-%m-%dT%H:%M:%S.%LZ", 0)
        }
        _ => return None,
    })
}

fn format_double(d: f64) -> String {
    if d.is_nan() {
        "NaN".into()
    } else if d.is_infinite() {
        if d > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else if d.fract() == 0.0 && d.abs() < 1e15 {
        format!("{}", d as i64)
    } else {
        format!("{d}")
    }
}

fn failure(from: &Bson, to: &str, detail: &str) -> QueryError {
    QueryError::new(
        241,
        "ConversionFailure",
        format!(
            "Failed to parse {} to {to}{}{detail}",
            crate::value::type_alias(from),
            if detail.is_empty() { "" } else { ": " }
        ),
    )
}

/// Converts `v` to the named type.
pub fn convert(v: &Bson, to: &str) -> Result<Bson> {
    let unsupported = || {
        QueryError::new(
            241,
            "ConversionFailure",
            format!(
                "Unsupported conversion from {} to {to} in $convert with no onError value",
                crate::value::type_alias(v)
            ),
        )
    };
    Ok(match to {
        "double" => match v {
            Bson::Boolean(b) => Bson::Double(if *b { 1.0 } else { 0.0 }),
            Bson::DateTime(d) => Bson::Double(d.timestamp_millis() as f64),
            Bson::String(s) => Bson::Double(
                s.trim()
                    .parse::<f64>()
                    .map_err(|_| failure(v, "double", s))?,
            ),
            _ => Bson::Double(to_f64(v).ok_or_else(unsupported)?),
        },
        "int" | "long" => {
            let n: i64 = match v {
                Bson::Boolean(b) => i64::from(*b),
                Bson::DateTime(d) if to == "long" => d.timestamp_millis(),
                Bson::String(s) => s.trim().parse::<i64>().map_err(|_| failure(v, to, s))?,
                Bson::Int32(_) | Bson::Int64(_) => integral_i64(v).unwrap_or(0),
                Bson::Double(_) | Bson::Decimal128(_) => {
                    let d = to_f64(v).unwrap_or(f64::NAN);
                    if !d.is_finite() || d.abs() >= 9.2e18 {
                        return Err(failure(v, to, "value is out of range"));
                    }
                    d.trunc() as i64
                }
                _ => return Err(unsupported()),
            };
            if to == "int" {
                Bson::Int32(
                    i32::try_from(n).map_err(|_| failure(v, "int", "value is out of range"))?,
                )
            } else {
                Bson::Int64(n)
            }
        }
        "decimal" => match v {
            Bson::Decimal128(_) => v.clone(),
            Bson::Boolean(b) => decimal_from_f64(if *b { 1.0 } else { 0.0 }),
            Bson::Int32(i) => decimal_from_f64(f64::from(*i)),
            Bson::Int64(i) => i
                .to_string()
                .parse()
                .map(Bson::Decimal128)
                .map_err(|_| unsupported())?,
            Bson::Double(d) => decimal_from_f64(*d),
            Bson::String(s) => s
                .trim()
                .parse()
                .map(Bson::Decimal128)
                .map_err(|_| failure(v, "decimal", s))?,
            Bson::DateTime(d) => decimal_from_f64(d.timestamp_millis() as f64),
            _ => return Err(unsupported()),
        },
        "bool" => match v {
            Bson::Boolean(_) => v.clone(),
            Bson::String(_)
            | Bson::Document(_)
            | Bson::Array(_)
            | Bson::ObjectId(_)
            | Bson::DateTime(_)
            | Bson::Binary(_)
            | Bson::RegularExpression(_)
            | Bson::Timestamp(_)
            | Bson::MinKey
            | Bson::MaxKey => Bson::Boolean(true),
            _ if crate::number::is_number(v) => Bson::Boolean(to_f64(v).is_some_and(|d| d != 0.0)),
            _ => return Err(unsupported()),
        },
        "string" => Bson::String(to_string_value(v).ok_or_else(unsupported)?),
        "objectId" => match v {
            Bson::ObjectId(_) => v.clone(),
            Bson::String(s) => Bson::ObjectId(
                bson::oid::ObjectId::parse_str(s).map_err(|_| failure(v, "objectId", s))?,
            ),
            _ => return Err(unsupported()),
        },
        "date" => match v {
            Bson::DateTime(_) => v.clone(),
            Bson::Int64(i) => Bson::DateTime(bson::DateTime::from_millis(*i)),
            Bson::Double(_) | Bson::Decimal128(_) => {
                let d = to_f64(v).unwrap_or(f64::NAN);
                if !d.is_finite() {
                    return Err(failure(v, "date", "value is not finite"));
                }
                Bson::DateTime(bson::DateTime::from_millis(d.trunc() as i64))
            }
            Bson::String(s) => Bson::DateTime(bson::DateTime::from_millis(
                super::calendar::parse_date_string(s, None).map_err(|_| failure(v, "date", s))?,
            )),
            Bson::ObjectId(o) => Bson::DateTime(bson::DateTime::from_millis(
                o.timestamp().timestamp_millis(),
            )),
            Bson::Timestamp(t) => {
                Bson::DateTime(bson::DateTime::from_millis(i64::from(t.time) * 1000))
            }
            _ => return Err(unsupported()),
        },
        _ => {
            return Err(QueryError::bad_value(format!(
                "Unknown type name in $convert: {to}; use double, string, objectId, bool, date, int, long or decimal"
            )));
        }
    })
}

fn type_name_from(v: &Bson) -> Result<String> {
    Ok(match v {
        Bson::String(s) => s.clone(),
        _ => match integral_i64(v) {
            Some(1) => "double".into(),
            Some(2) => "string".into(),
            Some(7) => "objectId".into(),
            Some(8) => "bool".into(),
            Some(9) => "date".into(),
            Some(16) => "int".into(),
            Some(18) => "long".into(),
            Some(19) => "decimal".into(),
            _ => {
                return Err(QueryError::bad_value(format!(
                    "$convert: invalid 'to' type {}",
                    crate::fmt::short(v)
                )));
            }
        },
    })
}

pub(super) fn dispatch(name: &str, arg: &Bson, ctx: &Ctx) -> Result<Option<Option<Bson>>> {
    let target = match name {
        "$type" => {
            let v = eval_exact(name, arg, 1, ctx)?.pop().flatten();
            return Ok(Some(Some(Bson::String(
                v.as_ref()
                    .map_or("missing", crate::value::type_alias)
                    .to_string(),
            ))));
        }
        "$isNumber" => {
            let v = eval_exact(name, arg, 1, ctx)?.pop().flatten();
            return Ok(Some(Some(Bson::Boolean(
                v.as_ref().is_some_and(crate::number::is_number),
            ))));
        }
        "$convert" => return convert_op(arg, ctx).map(Some),
        "$toString" => "string",
        "$toInt" => "int",
        "$toLong" => "long",
        "$toDouble" => "double",
        "$toDecimal" => "decimal",
        "$toBool" => "bool",
        "$toDate" => "date",
        "$toObjectId" => "objectId",
        _ => return Ok(None),
    };
    let v = eval_exact(name, arg, 1, ctx)?.pop().flatten();
    if is_nullish(&v) {
        return Ok(Some(Some(Bson::Null)));
    }
    Ok(Some(Some(convert(
        v.as_ref().unwrap_or(&Bson::Null),
        target,
    )?)))
}

fn convert_op(arg: &Bson, ctx: &Ctx) -> Result<Option<Bson>> {
    let d = named(
        "$convert",
        arg,
        &[
            "input",
            "to",
            "onError",
            "onNull",
            "format",
            "base",
            "byteOrder",
        ],
    )?;
    let input = eval_named(d, "input", ctx)?;
    let to = eval_named(d, "to", ctx)?;
    let Some(to) = to else {
        return Err(QueryError::failed_to_parse(
            "Missing 'to' parameter to $convert",
        ));
    };
    let to = match &to {
        Bson::Document(t) => t.get("type").cloned().unwrap_or(Bson::Null),
        other => other.clone(),
    };
    if is_nullish(&input) {
        return match d.get("onNull") {
            Some(e) => super::eval(e, ctx),
            None => Ok(Some(Bson::Null)),
        };
    }
    let name = type_name_from(&to)?;
    match convert(input.as_ref().unwrap_or(&Bson::Null), &name) {
        Ok(v) => Ok(Some(v)),
        Err(e) => match d.get("onError") {
            Some(handler) if e.code == 241 => super::eval(handler, ctx),
            _ => Err(e),
        },
    }
}
