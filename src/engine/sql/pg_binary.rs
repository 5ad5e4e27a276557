//! Decoding PostgreSQL's binary result format, used only for statements with `:name` binds
//! (sqlx's extended protocol always asks for binary results).
//!
//! Each type family is decoded with sqlx's own decoders (integers, floats, bool, text, bytea,
//! uuid, json, date/time via chrono, interval, money) plus a small NUMERIC formatter that keeps
//! every digit. Anything else is shown as text when its binary form is UTF-8 (enums, domains over
//! text) and as bytes otherwise; never an error.

use std::fmt::Write;

use sqlx::postgres::types::{PgInterval, PgMoney};
use sqlx::postgres::{PgRow, PgTypeInfo, PgTypeKind, PgValueRef};
use sqlx::types::chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use sqlx::{Decode, Postgres, Row, TypeInfo, ValueRef};

use super::types::postgres_kind;
use crate::result::{Datum, ValueKind};

pub fn kind_of(info: &PgTypeInfo) -> ValueKind {
    match info.kind() {
        PgTypeKind::Domain(base) => kind_of(base),
        PgTypeKind::Enum(_)
        | PgTypeKind::Array(_)
        | PgTypeKind::Range(_)
        | PgTypeKind::Composite(_) => ValueKind::Other,
        _ => postgres_kind(info.name().trim_matches('"')),
    }
}

fn get<'r, T: Decode<'r, Postgres>>(value: PgValueRef<'r>) -> Option<T> {
    T::decode(value).ok()
}

/// One binary value as a datum.
pub fn decode(row: &PgRow, index: usize) -> Datum {
    let Ok(value) = row.try_get_raw(index) else {
        return Datum::Null;
    };
    if value.is_null() {
        return Datum::Null;
    }
    let info = value.type_info().into_owned();
    let base = match info.kind() {
        PgTypeKind::Domain(base) => base.clone(),
        _ => info.clone(),
    };
    let name = base.name().trim_matches('"').to_ascii_uppercase();
    let decoded = match name.as_str() {
        "INT2" => get::<i16>(value.clone()).map(|v| Datum::Int(v.into())),
        "INT4" => get::<i32>(value.clone()).map(|v| Datum::Int(v.into())),
        "INT8" => get::<i64>(value.clone()).map(Datum::Int),
        "OID" => get::<sqlx::postgres::types::Oid>(value.clone()).map(|v| Datum::Int(v.0.into())),
        "FLOAT4" => get::<f32>(value.clone()).map(|v| Datum::Float(v.into())),
        "FLOAT8" => get::<f64>(value.clone()).map(Datum::Float),
        "BOOL" => get::<bool>(value.clone()).map(Datum::Bool),
        "BYTEA" => get::<Vec<u8>>(value.clone()).map(Datum::Bytes),
        "UUID" => get::<sqlx::types::Uuid>(value.clone()).map(|v| Datum::Text(v.to_string())),
        "JSON" | "JSONB" => {
            get::<sqlx::types::JsonValue>(value.clone()).map(|v| Datum::Text(v.to_string()))
        }
        "DATE" => get::<NaiveDate>(value.clone()).map(|v| Datum::Text(v.to_string())),
        "TIME" => get::<NaiveTime>(value.clone()).map(|v| Datum::Text(v.to_string())),
        "TIMESTAMP" => get::<NaiveDateTime>(value.clone())
            .map(|v| Datum::Text(v.format("%Y-%m-%d %H:%M:%S%.f").to_string())),
        "TIMESTAMPTZ" => get::<DateTime<Utc>>(value.clone())
            .map(|v| Datum::Text(v.format("%Y-%m-%d %H:%M:%S%.f+00").to_string())),
        "INTERVAL" => get::<PgInterval>(value.clone()).map(|v| Datum::Text(interval_text(&v))),
        "MONEY" => get::<PgMoney>(value.clone()).map(|v| Datum::Text(money_text(v.0))),
        "NUMERIC" => value
            .as_bytes()
            .ok()
            .and_then(numeric_text)
            .map(Datum::Text),
        _ => None,
    };
    decoded.unwrap_or_else(|| match value.as_bytes() {
        Ok(bytes) => match std::str::from_utf8(bytes) {
            Ok(text) => Datum::Text(text.to_string()),
            Err(_) => Datum::Bytes(bytes.to_vec()),
        },
        Err(_) => Datum::Null,
    })
}

/// NUMERIC's binary form: ndigits, weight, sign, dscale, then base-10000 digits.
pub fn numeric_text(bytes: &[u8]) -> Option<String> {
    let word = |i: usize| {
        bytes
            .get(i..i + 2)
            .map(|s| u16::from_be_bytes([s[0], s[1]]))
    };
    let ndigits = usize::from(word(0)?);
    let weight = i32::from(word(2)? as i16);
    let sign = word(4)?;
    let dscale = usize::from(word(6)?);
    match sign {
        0xC000 => return Some("NaN".into()),
        0xD000 => return Some("Infinity".into()),
        0xF000 => return Some("-Infinity".into()),
        _ => {}
    }
    let digits: Vec<u16> = (0..ndigits)
        .map(|k| word(8 + 2 * k))
        .collect::<Option<_>>()?;
    let digit = |k: i32| {
        if k < 0 {
            0
        } else {
            digits.get(k as usize).copied().unwrap_or(0)
        }
    };
    let mut out = String::new();
    if sign == 0x4000 {
        out.push('-');
    }
    if weight < 0 {
        out.push('0');
    } else {
        for k in 0..=weight {
            let _ = if k == 0 {
                write!(out, "{}", digit(k))
            } else {
                write!(out, "{:04}", digit(k))
            };
        }
    }
    if dscale > 0 {
        let mut fraction = String::new();
        let mut k = weight + 1;
        while fraction.len() < dscale {
            let _ = write!(fraction, "{:04}", digit(k));
            k += 1;
        }
        fraction.truncate(dscale);
        out.push('.');
        out.push_str(&fraction);
    }
    Some(out)
}

fn money_text(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// PostgreSQL's default interval style: `1 year 2 mons 3 days 04:05:06.5`.
fn interval_text(interval: &PgInterval) -> String {
    let mut parts = Vec::new();
    let (years, months) = (interval.months / 12, interval.months % 12);
    let unit = |n: i32, one: &str, many: &str| {
        format!("{n} {}", if n == 1 || n == -1 { one } else { many })
    };
    if years != 0 {
        parts.push(unit(years, "year", "years"));
    }
    if months != 0 {
        parts.push(unit(months, "mon", "mons"));
    }
    if interval.days != 0 {
        parts.push(unit(interval.days, "day", "days"));
    }
    let micros = interval.microseconds;
    if micros != 0 || parts.is_empty() {
        let sign = if micros < 0 { "-" } else { "" };
        let abs = micros.unsigned_abs();
        let (secs, frac) = (abs / 1_000_000, abs % 1_000_000);
        let mut time = format!(
            "{sign}{:02}:{:02}:{:02}",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        );
        if frac != 0 {
            let digits = format!("{frac:06}");
            time.push('.');
            time.push_str(digits.trim_end_matches('0'));
        }
        parts.push(time);
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(ndigits: u16, weight: i16, sign: u16, dscale: u16, digits: &[u16]) -> Vec<u8> {
        let mut b = Vec::new();
        for w in [ndigits, weight as u16, sign, dscale] {
            b.extend_from_slice(&w.to_be_bytes());
        }
        for d in digits {
            b.extend_from_slice(&d.to_be_bytes());
        }
        b
    }

    #[test]
    fn numeric_keeps_every_digit() {
        // 12345.678 = [1, 2345, 6780], weight 1, dscale 3
        assert_eq!(
            numeric_text(&numeric(3, 1, 0, 3, &[1, 2345, 6780])).as_deref(),
            Some("12345.678")
        );
        // -0.0005 = [5], weight -1, dscale 4
        assert_eq!(
            numeric_text(&numeric(1, -1, 0x4000, 4, &[5])).as_deref(),
            Some("-0.0005")
        );
        // 0.00001 = [1000], weight -2, dscale 5
        assert_eq!(
            numeric_text(&numeric(1, -2, 0, 5, &[1000])).as_deref(),
            Some("0.00001")
        );
        // 10000 = [1], weight 1, dscale 0
        assert_eq!(
            numeric_text(&numeric(1, 1, 0, 0, &[1])).as_deref(),
            Some("10000")
        );
        assert_eq!(
            numeric_text(&numeric(0, 0, 0xC000, 0, &[])).as_deref(),
            Some("NaN")
        );
        assert_eq!(numeric_text(&[0, 1]), None);
    }

    #[test]
    fn intervals_and_money_print_like_postgres() {
        assert_eq!(
            interval_text(&PgInterval {
                months: 14,
                days: 3,
                microseconds: 4 * 3_600_000_000 + 500_000
            }),
            "1 year 2 mons 3 days 04:00:00.5"
        );
        assert_eq!(
            interval_text(&PgInterval {
                months: 0,
                days: 0,
                microseconds: 0
            }),
            "00:00:00"
        );
        assert_eq!(money_text(-1234), "-12.34");
    }
}
