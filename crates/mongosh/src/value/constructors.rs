//! mongosh's BSON constructors: `ObjectId`, `ISODate`, `NumberLong`, ...
//!
//! Each one follows mongosh's `shell-bson` semantics (argument forms,
//! warnings, error texts such as `"x" is not a valid ISODate`), and every
//! form mongosh *prints* (`Long('5')`, `Binary.createFromBase64(...)`,
//! `Timestamp({ t, i })`) is accepted back, so printed output can be pasted
//! into a new cell.

use bson::oid::ObjectId;
use bson::spec::BinarySubtype;
use bson::{Binary, Bson, DateTime, Regex, Timestamp, doc};

use super::{as_f64, dates, number, to_js_string, type_name};
use crate::error::PlanError;
use crate::span::Span;

fn arg(args: &[Bson], i: usize) -> Option<&Bson> {
    args.get(i)
        .filter(|v| !matches!(v, Bson::Null | Bson::Undefined))
}

fn string_arg(name: &str, args: &[Bson], i: usize, span: Span) -> Result<String, PlanError> {
    match arg(args, i) {
        Some(Bson::String(s)) => Ok(s.clone()),
        Some(other) => Err(PlanError::invalid(
            format!(
                "{name}: argument {} must be a string, got a {}",
                i + 1,
                type_name(other)
            ),
            span,
        )),
        None => Err(PlanError::invalid(
            format!("{name}: argument {} (a string) is missing", i + 1),
            span,
        )),
    }
}

fn number_arg(name: &str, args: &[Bson], i: usize, span: Span) -> Result<f64, PlanError> {
    match arg(args, i) {
        Some(v) => as_f64(v).ok_or_else(|| {
            PlanError::invalid(
                format!(
                    "{name}: argument {} must be a number, got a {}",
                    i + 1,
                    type_name(v)
                ),
                span,
            )
        }),
        None => Err(PlanError::invalid(
            format!("{name}: argument {} (a number) is missing", i + 1),
            span,
        )),
    }
}

/// JavaScript's ToInt32 (`x | 0`): wraps modulo 2^32, NaN becomes 0.
fn to_int32(n: f64) -> i32 {
    if !n.is_finite() {
        return 0;
    }
    let wrapped = n.trunc().rem_euclid(4_294_967_296.0);
    (wrapped as u32) as i32
}

/// JavaScript's `parseInt(text, 10)`: leading digits after optional sign, NaN if none.
fn parse_int(text: &str) -> f64 {
    let t = text.trim_start();
    let (sign, rest) = match t.strip_prefix('-') {
        Some(r) => (-1.0, r),
        None => (1.0, t.strip_prefix('+').unwrap_or(t)),
    };
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return f64::NAN;
    }
    sign * digits.parse::<f64>().unwrap_or(f64::NAN)
}

fn binary(bytes: Vec<u8>, subtype: u8) -> Bson {
    Bson::Binary(Binary {
        subtype: BinarySubtype::from(subtype),
        bytes,
    })
}

fn subtype_arg(name: &str, args: &[Bson], i: usize, span: Span) -> Result<u8, PlanError> {
    let n = number_arg(name, args, i, span)?;
    if !(0.0..=255.0).contains(&n) || n.fract() != 0.0 {
        return Err(PlanError::invalid(
            format!("{name}: the subtype must be an integer from 0 to 255"),
            span,
        ));
    }
    Ok(n as u8)
}

fn decode_base64(name: &str, text: &str, span: Span) -> Result<Vec<u8>, PlanError> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| {
            PlanError::invalid(format!("{name}: '{text}' is not valid base64 ({e})"), span)
        })
}

fn decode_hex(name: &str, text: &str, span: Span) -> Result<Vec<u8>, PlanError> {
    hex::decode(text).map_err(|_| {
        PlanError::invalid(
            format!("{name}: '{text}' is not a valid hexadecimal string"),
            span,
        )
    })
}

fn object_id(args: &[Bson], span: Span) -> Result<Bson, PlanError> {
    match arg(args, 0) {
        None => Ok(Bson::ObjectId(ObjectId::new())),
        Some(Bson::String(s)) => ObjectId::parse_str(s).map(Bson::ObjectId).map_err(|_| {
            PlanError::invalid(
                format!("ObjectId('{s}'): an ObjectId is 24 hexadecimal characters, e.g. ObjectId('65a1b2c3d4e5f60718293a4b')"),
                span,
            )
        }),
        Some(Bson::ObjectId(oid)) => Ok(Bson::ObjectId(*oid)),
        Some(v @ (Bson::Int32(_) | Bson::Double(_) | Bson::Int64(_))) => {
            let seconds = as_f64(v).unwrap_or(0.0);
            Ok(Bson::ObjectId(object_id_from_seconds(seconds as u32)))
        }
        Some(other) => Err(PlanError::invalid(format!("ObjectId: cannot make an ObjectId from a {}", type_name(other)), span)),
    }
}

/// A fresh ObjectId whose timestamp part is `seconds`.
fn object_id_from_seconds(seconds: u32) -> ObjectId {
    let mut bytes = ObjectId::new().bytes();
    bytes[..4].copy_from_slice(&seconds.to_be_bytes());
    ObjectId::from_bytes(bytes)
}

fn date_value(ms: i64) -> Bson {
    Bson::DateTime(DateTime::from_millis(ms))
}

fn iso_date(args: &[Bson], span: Span) -> Result<Bson, PlanError> {
    match arg(args, 0) {
        None => Ok(date_value(dates::now_ms())),
        Some(Bson::String(s)) => dates::parse_iso_date(s)
            .map(date_value)
            .ok_or_else(|| PlanError::invalid(format!("\"{s}\" is not a valid ISODate"), span)),
        Some(Bson::DateTime(dt)) => Ok(Bson::DateTime(*dt)),
        Some(v) => match as_f64(v) {
            Some(ms) if ms.is_finite() => Ok(date_value(ms as i64)),
            _ => Err(PlanError::invalid(
                format!("ISODate: cannot make a date from a {}", type_name(v)),
                span,
            )),
        },
    }
}

fn new_date(args: &[Bson], span: Span) -> Result<Bson, PlanError> {
    if args.len() >= 2 {
        let parts: Vec<f64> = args
            .iter()
            .enumerate()
            .map(|(i, _)| number_arg("Date", args, i, span))
            .collect::<Result<_, _>>()?;
        return dates::from_components(&parts)
            .map(date_value)
            .ok_or_else(|| {
                PlanError::invalid(
                    "new Date(...): the date is out of range (Invalid Date)",
                    span,
                )
            });
    }
    match arg(args, 0) {
        None => Ok(date_value(dates::now_ms())),
        Some(Bson::String(s)) => dates::parse_js_date(s).map(date_value).ok_or_else(|| {
            PlanError::invalid(
                format!("new Date(\"{s}\") is an Invalid Date: use ISO format, e.g. new Date('2024-01-31') or ISODate('2024-01-31T10:00:00Z')"),
                span,
            )
        }),
        Some(Bson::DateTime(dt)) => Ok(Bson::DateTime(*dt)),
        Some(v) => match as_f64(v) {
            Some(ms) if ms.is_finite() && ms.abs() <= 8.64e15 => Ok(date_value(ms as i64)),
            _ => Err(PlanError::invalid(format!("new Date(...): cannot make a date from a {}", type_name(v)), span)),
        },
    }
}

fn long(
    name: &str,
    args: &[Bson],
    span: Span,
    warnings: &mut Vec<String>,
) -> Result<Bson, PlanError> {
    match arg(args, 0) {
        None => Ok(Bson::Int64(0)),
        Some(Bson::String(s)) => s.trim().parse::<i64>().map(Bson::Int64).map_err(|_| {
            PlanError::invalid(
                format!("{name}('{s}'): not a 64-bit integer, e.g. {name}('9007199254740993')"),
                span,
            )
        }),
        Some(Bson::Int64(i)) => Ok(Bson::Int64(*i)),
        Some(v) => {
            let n = as_f64(v).ok_or_else(|| {
                PlanError::invalid(
                    format!("{name}: cannot make a Long from a {}", type_name(v)),
                    span,
                )
            })?;
            if name == "NumberLong" && matches!(v, Bson::Double(_) | Bson::Int32(_)) {
                warnings.push(
                    "NumberLong: specifying a number as argument is deprecated and may lead to loss of precision, pass a string instead"
                        .to_string(),
                );
            }
            // Long.fromNumber: truncates, NaN is 0, saturates at the ends.
            Ok(Bson::Int64(if n.is_nan() { 0 } else { n.trunc() as i64 }))
        }
    }
}

fn decimal(
    name: &str,
    args: &[Bson],
    span: Span,
    warnings: &mut Vec<String>,
) -> Result<Bson, PlanError> {
    let text = match arg(args, 0) {
        None => "0".to_string(),
        Some(Bson::String(s)) => s.clone(),
        Some(Bson::Decimal128(d)) => return Ok(Bson::Decimal128(*d)),
        Some(v @ (Bson::Int32(_) | Bson::Double(_) | Bson::Int64(_))) => {
            if name == "NumberDecimal" {
                warnings.push(
                    "NumberDecimal: specifying a number as argument is deprecated and may lead to loss of precision, pass a string instead"
                        .to_string(),
                );
            }
            to_js_string(v)
        }
        Some(other) => {
            return Err(PlanError::invalid(
                format!(
                    "{name}: cannot make a Decimal128 from a {}",
                    type_name(other)
                ),
                span,
            ));
        }
    };
    text.trim().parse().map(Bson::Decimal128).map_err(|_| {
        PlanError::invalid(
            format!("{name}('{text}'): not a valid decimal number, e.g. {name}('9.99')"),
            span,
        )
    })
}

fn uuid(args: &[Bson], span: Span) -> Result<Bson, PlanError> {
    let text = match arg(args, 0) {
        None => bson::Uuid::new().to_string(),
        Some(Bson::String(s)) => s.clone(),
        Some(other) => {
            return Err(PlanError::invalid(
                format!(
                    "UUID: argument must be a string, got a {}",
                    type_name(other)
                ),
                span,
            ));
        }
    };
    let hex_text = text.replace('-', "");
    let bytes = decode_hex("UUID", &hex_text, span)?;
    if bytes.len() != 16 {
        return Err(PlanError::invalid(
            format!(
                "UUID('{text}'): a UUID is 32 hexadecimal digits, e.g. UUID('01234567-89ab-cdef-0123-456789abcdef')"
            ),
            span,
        ));
    }
    Ok(binary(bytes, 4))
}

fn timestamp(args: &[Bson], span: Span) -> Result<Bson, PlanError> {
    let (t, i) = match arg(args, 0) {
        None => (0.0, 0.0),
        Some(Bson::Document(d)) => {
            let t = d.get("t").and_then(as_f64);
            let i = d.get("i").and_then(as_f64);
            match (t, i) {
                (Some(t), Some(i)) => (t, i),
                _ => {
                    return Err(PlanError::invalid(
                        "Timestamp({ t, i }): both t (seconds) and i (increment) are needed",
                        span,
                    ));
                }
            }
        }
        Some(Bson::Timestamp(ts)) => return Ok(Bson::Timestamp(*ts)),
        Some(_) => (
            number_arg("Timestamp", args, 0, span)?,
            arg(args, 1).and_then(as_f64).unwrap_or(0.0),
        ),
    };
    let valid = |n: f64| (0.0..=u32::MAX as f64).contains(&n) && n.fract() == 0.0;
    if !valid(t) || !valid(i) {
        return Err(PlanError::invalid(
            "Timestamp: t and i must be integers from 0 to 4294967295",
            span,
        ));
    }
    Ok(Bson::Timestamp(Timestamp {
        time: t as u32,
        increment: i as u32,
    }))
}

/// Build a BSON regex from a pattern and JavaScript or BSON flags.
fn make_regex(pattern: &str, options: &str, span: Span) -> Result<Bson, PlanError> {
    let mut chars: Vec<char> = options.chars().collect();
    chars.sort_unstable();
    chars.dedup();
    let options: String = chars.into_iter().collect();
    let pattern = bson::raw::CString::try_from(pattern.to_string()).map_err(|_| {
        PlanError::invalid("a regular expression cannot contain a NUL character", span)
    })?;
    let options = bson::raw::CString::try_from(options).map_err(|_| {
        PlanError::invalid(
            "regular expression flags cannot contain a NUL character",
            span,
        )
    })?;
    Ok(Bson::RegularExpression(Regex { pattern, options }))
}

/// `/pattern/flags` as js-bson serializes a JavaScript RegExp: `i`, `m` kept,
/// `g` stored as `s` (js-bson's historical mapping), other flags dropped.
pub fn regex_literal(pattern: &str, flags: &str, span: Span) -> Result<Bson, PlanError> {
    let mut options = String::new();
    for (js, bson) in [('i', 'i'), ('m', 'm'), ('g', 's')] {
        if flags.contains(js) {
            options.push(bson);
        }
    }
    make_regex(pattern, &options, span)
}

/// Call a global constructor; `None` when `name` is not one.
pub fn construct(
    name: &str,
    args: &[Bson],
    is_new: bool,
    span: Span,
    warnings: &mut Vec<String>,
) -> Option<Result<Bson, PlanError>> {
    Some(match name {
        "ObjectId" | "ObjectID" => object_id(args, span),
        "ISODate" => iso_date(args, span),
        "Date" if is_new => new_date(args, span),
        // Called without `new`, Date() ignores its arguments and returns a string.
        "Date" => Ok(Bson::String(dates::to_date_string(dates::now_ms()))),
        "NumberInt" | "Int32" => match arg(args, 0) {
            None => Ok(Bson::Int32(0)),
            Some(v) => Ok(Bson::Int32(to_int32(if name == "NumberInt" {
                parse_int(&to_js_string(v))
            } else {
                as_f64(v).unwrap_or_else(|| to_js_string(v).trim().parse().unwrap_or(f64::NAN))
            }))),
        },
        "Double" => number_arg(name, args, 0, span).map(Bson::Double),
        "NumberLong" | "Long" => long(name, args, span, warnings),
        "NumberDecimal" | "Decimal128" => decimal(name, args, span, warnings),
        "UUID" => uuid(args, span),
        "MD5" => string_arg(name, args, 0, span)
            .and_then(|h| decode_hex(name, &h, span))
            .map(|b| binary(b, 5)),
        "BinData" => subtype_arg(name, args, 0, span)
            .and_then(|sub| {
                Ok((
                    sub,
                    decode_base64(name, &string_arg(name, args, 1, span)?, span)?,
                ))
            })
            .map(|(sub, bytes)| binary(bytes, sub)),
        "HexData" => subtype_arg(name, args, 0, span)
            .and_then(|sub| {
                Ok((
                    sub,
                    decode_hex(name, &string_arg(name, args, 1, span)?, span)?,
                ))
            })
            .map(|(sub, bytes)| binary(bytes, sub)),
        "Timestamp" => timestamp(args, span),
        "MinKey" => Ok(Bson::MinKey),
        "MaxKey" => Ok(Bson::MaxKey),
        "Code" => match arg(args, 1) {
            Some(Bson::Document(scope)) => string_arg(name, args, 0, span).map(|code| {
                Bson::JavaScriptCodeWithScope(bson::JavaScriptCodeWithScope {
                    code,
                    scope: scope.clone(),
                })
            }),
            _ => Ok(Bson::JavaScriptCode(
                arg(args, 0).map(to_js_string).unwrap_or_default(),
            )),
        },
        "BSONSymbol" => string_arg(name, args, 0, span).map(Bson::Symbol),
        "BSONRegExp" => string_arg(name, args, 0, span).and_then(|p| {
            make_regex(
                &p,
                &arg(args, 1).map(to_js_string).unwrap_or_default(),
                span,
            )
        }),
        "RegExp" => match arg(args, 0) {
            Some(Bson::RegularExpression(re)) => Ok(Bson::RegularExpression(re.clone())),
            _ => string_arg(name, args, 0, span).and_then(|p| {
                regex_literal(
                    &p,
                    &arg(args, 1).map(to_js_string).unwrap_or_default(),
                    span,
                )
            }),
        },
        "DBRef" => string_arg(name, args, 0, span).and_then(|collection| {
            let id = args
                .get(1)
                .cloned()
                .ok_or_else(|| PlanError::invalid("DBRef: the id (argument 2) is missing", span))?;
            let mut d = doc! { "$ref": collection, "$id": id };
            if let Some(Bson::String(db)) = arg(args, 2) {
                d.insert("$db", db.clone());
            }
            Ok(Bson::Document(d))
        }),
        _ => return None,
    })
}

/// `Namespace.method(...)` constructors such as `Binary.createFromBase64`; `None` when unknown.
pub fn static_call(
    namespace: &str,
    method: &str,
    args: &[Bson],
    span: Span,
) -> Option<Result<Bson, PlanError>> {
    if namespace == "Math" {
        return super::methods::math(method, args, span);
    }
    let name = format!("{namespace}.{method}");
    Some(match (namespace, method) {
        ("Date", "now") => Ok(number(dates::now_ms() as f64)),
        ("Date", "UTC") => (0..args.len().max(1))
            .map(|i| number_arg(&name, args, i, span))
            .collect::<Result<Vec<_>, _>>()
            .and_then(|parts| {
                let mut parts = parts;
                if parts.len() == 1 {
                    parts.push(0.0);
                }
                dates::from_components(&parts)
                    .map(|ms| number(ms as f64))
                    .ok_or_else(|| PlanError::invalid("Date.UTC(...): out of range", span))
            }),
        ("Date", "parse") => string_arg(&name, args, 0, span)
            .map(|s| number(dates::parse_js_date(&s).map_or(f64::NAN, |ms| ms as f64))),
        ("ObjectId", "createFromTime") => number_arg(&name, args, 0, span).map(|s| {
            Bson::ObjectId(ObjectId::from_bytes({
                let mut bytes = [0u8; 12];
                bytes[..4].copy_from_slice(&(s as u32).to_be_bytes());
                bytes
            }))
        }),
        ("ObjectId", "createFromHexString") => object_id(args, span),
        ("ObjectId", "isValid") => Ok(Bson::Boolean(match arg(args, 0) {
            Some(Bson::String(s)) => ObjectId::parse_str(s).is_ok(),
            Some(Bson::ObjectId(_)) => true,
            _ => false,
        })),
        ("Binary", "createFromBase64") => string_arg(&name, args, 0, span).and_then(|b64| {
            let sub = if arg(args, 1).is_some() {
                subtype_arg(&name, args, 1, span)?
            } else {
                0
            };
            Ok(binary(decode_base64(&name, &b64, span)?, sub))
        }),
        ("Binary", "createFromHexString") => string_arg(&name, args, 0, span).and_then(|h| {
            let sub = if arg(args, 1).is_some() {
                subtype_arg(&name, args, 1, span)?
            } else {
                0
            };
            Ok(binary(decode_hex(&name, &h, span)?, sub))
        }),
        ("Long", "fromString") | ("Long", "fromNumber") => {
            long("Long", args, span, &mut Vec::new())
        }
        ("Decimal128", "fromString") => decimal("Decimal128", args, span, &mut Vec::new()),
        ("UUID", "generate") => uuid(&[], span),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int32_conversion_wraps_like_javascript() {
        assert_eq!(to_int32(4_294_967_297.0), 1);
        assert_eq!(to_int32(-1.5), -1);
        assert_eq!(to_int32(f64::NAN), 0);
        assert_eq!(parse_int("  42abc"), 42.0);
        assert!(parse_int("abc").is_nan());
    }

    #[test]
    fn regex_flags_map_like_js_bson() {
        let Bson::RegularExpression(re) = regex_literal("a", "gim", Span::default()).unwrap()
        else {
            panic!()
        };
        assert_eq!(re.options.as_str(), "ims");
    }
}
