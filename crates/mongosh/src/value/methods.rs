//! Property access and method calls on plain values, plus a few globals.
//!
//! This is what lets `const r = db.c.insertOne(...)` be followed by
//! `r.insertedId`, `docs[0].name`, `id.getTimestamp()` or
//! `Math.floor(x / 2)`: the small part of the JavaScript standard library
//! that tutorials lean on between database calls.

use bson::Bson;

use super::{as_f64, dates, number, to_js_string, type_name};
use crate::error::PlanError;
use crate::span::Span;

/// `value.property`.
pub fn member(value: &Bson, property: &str, span: Span, owner: &str) -> Result<Bson, PlanError> {
    if let Some(name) = super::builtin::function_name(value)
        && property == "name"
    {
        return Ok(Bson::String(name.to_string()));
    }
    match (value, property) {
        (Bson::Document(doc), _) => Ok(doc.get(property).cloned().unwrap_or(Bson::Null)),
        (Bson::Array(items), "length") => Ok(number(items.len() as f64)),
        (Bson::String(s), "length") => Ok(number(s.encode_utf16().count() as f64)),
        (Bson::ObjectId(oid), "str") => Ok(Bson::String(oid.to_hex())),
        (Bson::Timestamp(ts), "t") => Ok(number(ts.time as f64)),
        (Bson::Timestamp(ts), "i") => Ok(number(ts.increment as f64)),
        (Bson::Array(items), _) => match property.parse::<usize>() {
            Ok(i) => Ok(items.get(i).cloned().unwrap_or(Bson::Null)),
            Err(_) => Err(no_property(value, property, span, owner)),
        },
        (Bson::Null | Bson::Undefined, _) => Err(PlanError::type_error(
            format!("cannot read properties of null (reading '{property}'): {owner} is null"),
            span,
        )),
        _ => Err(no_property(value, property, span, owner)),
    }
}

fn no_property(value: &Bson, property: &str, span: Span, owner: &str) -> PlanError {
    PlanError::type_error(
        format!(
            "{owner}.{property} is not supported on a {} value",
            type_name(value)
        ),
        span,
    )
}

/// `value[index]`.
pub fn index(value: &Bson, index: &Bson, span: Span) -> Result<Bson, PlanError> {
    match (value, index) {
        (Bson::Array(items), i) if as_f64(i).is_some() => {
            let n = as_f64(i).unwrap_or(-1.0);
            if n < 0.0 || n.fract() != 0.0 {
                return Ok(Bson::Null);
            }
            Ok(items.get(n as usize).cloned().unwrap_or(Bson::Null))
        }
        (Bson::String(s), i) if as_f64(i).is_some() => {
            let n = as_f64(i).unwrap_or(-1.0);
            if n < 0.0 || n.fract() != 0.0 {
                return Ok(Bson::Null);
            }
            Ok(s.chars()
                .nth(n as usize)
                .map_or(Bson::Null, |c| Bson::String(c.to_string())))
        }
        (_, key) => member(value, &to_js_string(key), span, "value"),
    }
}

/// `value.method(args)`.
pub fn call_method(
    value: &Bson,
    method: &str,
    args: &[Bson],
    span: Span,
    owner: &str,
) -> Result<Bson, PlanError> {
    let text = |s: String| Ok(Bson::String(s));
    match (value, method) {
        (Bson::ObjectId(oid), "toString" | "toHexString" | "valueOf") => text(oid.to_hex()),
        (Bson::ObjectId(oid), "getTimestamp") => Ok(Bson::DateTime(oid.timestamp())),
        (Bson::ObjectId(oid), "equals") => Ok(Bson::Boolean(match args.first() {
            Some(Bson::ObjectId(other)) => oid == other,
            Some(Bson::String(s)) => oid.to_hex() == *s,
            _ => false,
        })),
        (Bson::DateTime(dt), "getTime" | "valueOf") => Ok(number(dt.timestamp_millis() as f64)),
        (Bson::DateTime(dt), "toISOString" | "toJSON") => {
            dates::to_iso_string(dt.timestamp_millis())
                .map(Bson::String)
                .ok_or_else(|| PlanError::invalid("Invalid time value", span))
        }
        (Bson::DateTime(dt), "toString") => text(dates::to_date_string(dt.timestamp_millis())),
        (Bson::DateTime(dt), "getFullYear" | "getUTCFullYear") => Ok(number(
            dates::civil_from_days(dt.timestamp_millis().div_euclid(86_400_000)).0 as f64,
        )),
        (Bson::String(s), "toUpperCase") => text(s.to_uppercase()),
        (Bson::String(s), "toLowerCase") => text(s.to_lowercase()),
        (Bson::String(s), "trim") => text(s.trim().to_string()),
        (Bson::Array(items), "includes") => Ok(Bson::Boolean(
            args.first().is_some_and(|a| items.contains(a)),
        )),
        (Bson::Array(items), "join") => {
            let sep = args.first().map_or(",".to_string(), to_js_string);
            text(
                items
                    .iter()
                    .map(to_js_string)
                    .collect::<Vec<_>>()
                    .join(&sep),
            )
        }
        (Bson::Int64(i), "toNumber") => Ok(Bson::Double(*i as f64)),
        (_, "toString") => text(to_js_string(value)),
        (_, "valueOf") => Ok(value.clone()),
        (Bson::Array(_), "forEach" | "map" | "filter" | "reduce" | "find" | "some" | "every") => {
            Err(PlanError::unsupported(
                format!(
                    "{owner}.{method}(...) needs a callback, and {}: results print by themselves; reshape documents with an aggregate pipeline",
                    crate::error::NO_JS_ENGINE
                ),
                span,
            ))
        }
        _ => {
            let mut message = format!("{owner}.{method} is not a function");
            if let Bson::Document(_) = value {
                message.push_str(" (it is a plain document here)");
            }
            Err(PlanError::type_error(message, span))
        }
    }
}

/// Global functions other than BSON constructors: `Math.*` is handled in
/// [`super::constructors::static_call`]'s caller, these are bare names.
pub fn global_function(name: &str, args: &[Bson], span: Span) -> Option<Result<Bson, PlanError>> {
    let first = args.first();
    Some(match name {
        "String" => Ok(Bson::String(first.map(to_js_string).unwrap_or_default())),
        "Number" => Ok(number(first.map_or(0.0, |v| match v {
            Bson::String(s) => s.trim().parse().unwrap_or(f64::NAN),
            Bson::Boolean(b) => f64::from(u8::from(*b)),
            Bson::DateTime(dt) => dt.timestamp_millis() as f64,
            Bson::Null => 0.0,
            other => as_f64(other).unwrap_or(f64::NAN),
        }))),
        "Boolean" => Ok(Bson::Boolean(first.is_some_and(super::truthy))),
        "parseInt" => Ok(number({
            let s = first.map(to_js_string).unwrap_or_default();
            let t = s.trim();
            let neg = t.starts_with('-');
            let digits: String = t
                .trim_start_matches(['-', '+'])
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            match digits.parse::<f64>() {
                Ok(n) if neg => -n,
                Ok(n) => n,
                Err(_) => f64::NAN,
            }
        })),
        "parseFloat" => Ok(number(
            first
                .map(to_js_string)
                .unwrap_or_default()
                .trim()
                .parse()
                .unwrap_or(f64::NAN),
        )),
        "isNaN" => Ok(Bson::Boolean(
            first.and_then(as_f64).is_none_or(f64::is_nan),
        )),
        "print" | "printjson" => Err(PlanError::unsupported(
            format!(
                "{name}(...) only works as a statement on its own: write {name}(value) on its own line"
            ),
            span,
        )),
        _ => return None,
    })
}

/// `Math.name(args)`; `None` when unknown.
pub fn math(name: &str, args: &[Bson], span: Span) -> Option<Result<Bson, PlanError>> {
    let nums: Result<Vec<f64>, PlanError> = args
        .iter()
        .map(|a| {
            as_f64(a).ok_or_else(|| {
                PlanError::type_error(
                    format!("Math.{name}: expected numbers, got a {}", type_name(a)),
                    span,
                )
            })
        })
        .collect();
    let nums = match nums {
        Ok(n) => n,
        Err(e) => return Some(Err(e)),
    };
    let x = nums.first().copied().unwrap_or(f64::NAN);
    let value = match name {
        "floor" => x.floor(),
        "ceil" => x.ceil(),
        "round" => (x + 0.5).floor(),
        "trunc" => x.trunc(),
        "abs" => x.abs(),
        "sqrt" => x.sqrt(),
        "pow" => x.powf(nums.get(1).copied().unwrap_or(f64::NAN)),
        "min" => nums.iter().copied().fold(f64::INFINITY, f64::min),
        "max" => nums.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        "random" => {
            // A dependency-free random source: a fresh random (v4) UUID.
            let bytes = bson::Uuid::new().bytes();
            let mut n = 0u64;
            for b in &bytes[..8] {
                n = (n << 8) | u64::from(*b);
            }
            (n % 1_000_000_007) as f64 / 1_000_000_007.0
        }
        _ => return None,
    };
    Some(Ok(number(value)))
}
