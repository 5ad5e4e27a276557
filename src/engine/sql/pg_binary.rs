//! Decoding PostgreSQL's binary result format, used only for bound statements that `PREPARE`
//! does not take (`CALL p(:x)`): they keep sqlx's extended protocol, which always asks for
//! binary results. Every other bound statement comes back as text (see `super::literal`).
//!
//! Each type family is decoded with sqlx's own decoders (integers, floats, bool, text, bytea,
//! uuid, json, interval, money) plus a small NUMERIC formatter that keeps every digit; dates and
//! times are read from their raw integers (chrono would panic on `infinity`). Anything else is
//! shown as text when its binary form is UTF-8 (enums, domains over text) and as bytes
//! otherwise; never an error.

use std::fmt::Write;

use sqlx::postgres::types::{PgInterval, PgMoney};
use sqlx::postgres::{PgRow, PgTypeInfo, PgTypeKind, PgValueRef};
use sqlx::{Decode, Postgres, Row, TypeInfo, ValueRef};

use super::floats::postgres_float_text;
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
        "FLOAT4" => {
            get::<f32>(value.clone()).map(|v| Datum::Text(postgres_float_text(f64::from(v), true)))
        }
        "FLOAT8" => get::<f64>(value.clone()).map(|v| Datum::Text(postgres_float_text(v, false))),
        "BOOL" => get::<bool>(value.clone()).map(Datum::Bool),
        "BYTEA" => get::<Vec<u8>>(value.clone()).map(Datum::Bytes),
        "UUID" => get::<sqlx::types::Uuid>(value.clone()).map(|v| Datum::Text(v.to_string())),
        "JSON" | "JSONB" => {
            get::<sqlx::types::JsonValue>(value.clone()).map(|v| Datum::Text(v.to_string()))
        }
        // Date and time values are read from their raw integers rather than through chrono:
        // chrono panics on `infinity` (sqlx adds i64::MAX microseconds to 2000-01-01) and has no
        // BC years or 24:00:00.
        "DATE" => raw_int::<4>(&value).map(|days| Datum::Text(date_text(days))),
        "TIME" => raw_int::<8>(&value).map(|micros| Datum::Text(time_of_day_text(micros))),
        "TIMETZ" => value.as_bytes().ok().and_then(timetz_text).map(Datum::Text),
        "TIMESTAMP" => raw_int::<8>(&value).map(|micros| Datum::Text(timestamp_text(micros, ""))),
        // The binary form is UTC; the session's TimeZone is not known here, so UTC is said and
        // `postgres::as_session_shows` has the server write the value as the session shows it.
        "TIMESTAMPTZ" => {
            raw_int::<8>(&value).map(|micros| Datum::Text(timestamp_text(micros, "+00")))
        }
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

/// A big-endian signed integer of exactly `N` bytes (4: DATE, 8: TIME, TIMESTAMP).
fn raw_int<const N: usize>(value: &PgValueRef<'_>) -> Option<i64> {
    let bytes: [u8; N] = value.as_bytes().ok()?.try_into().ok()?;
    Some(match N {
        4 => i64::from(i32::from_be_bytes(bytes[..4].try_into().ok()?)),
        8 => i64::from_be_bytes(bytes[..8].try_into().ok()?),
        _ => return None,
    })
}

/// Days between the Julian day 0 (4714-11-24 BC) and 2000-01-01, PostgreSQL's epoch.
const POSTGRES_EPOCH_JULIAN_DAY: i64 = 2_451_545;
const MICROS_PER_DAY: i64 = 86_400_000_000;

/// A Julian day number → (year, month, day), year 0 being 1 BC: PostgreSQL's own `j2date`.
fn julian_to_date(julian_day: i64) -> (i64, i64, i64) {
    let mut julian = julian_day + 32044;
    let mut quad = julian.div_euclid(146_097);
    let extra = (julian - quad * 146_097) * 4 + 3;
    julian += 60 + quad * 3 + extra / 146_097;
    quad = julian / 1461;
    julian -= quad * 1461;
    let mut year = julian * 4 / 1461;
    julian = if year != 0 {
        (julian + 305) % 365
    } else {
        (julian + 306) % 366
    } + 123;
    year += quad * 4;
    let quad = julian * 2141 / 65536;
    let day = julian - 7834 * quad / 256;
    let month = (quad + 10) % 12 + 1;
    (year - 4800, month, day)
}

/// `2024-02-29`, `0044-03-15 BC`, `infinity` (DateStyle ISO).
fn date_text(days: i64) -> String {
    match days {
        d if d == i64::from(i32::MAX) => "infinity".into(),
        d if d == i64::from(i32::MIN) => "-infinity".into(),
        _ => {
            let (year, month, day) = julian_to_date(days + POSTGRES_EPOCH_JULIAN_DAY);
            let (shown, era) = if year > 0 {
                (year, "")
            } else {
                (1 - year, " BC")
            };
            format!("{shown:04}-{month:02}-{day:02}{era}")
        }
    }
}

/// `04:05:06`, `04:05:06.5`, `24:00:00`: microseconds since midnight.
fn time_of_day_text(micros: i64) -> String {
    let (secs, frac) = (micros.div_euclid(1_000_000), micros.rem_euclid(1_000_000));
    let mut out = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if frac != 0 {
        let digits = format!("{frac:06}");
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
    out
}

/// `2024-01-02 03:04:05.5`, `infinity`; the era goes after the zone as PostgreSQL prints it.
fn timestamp_text(micros: i64, zone: &str) -> String {
    match micros {
        i64::MAX => "infinity".into(),
        i64::MIN => "-infinity".into(),
        _ => {
            let days = micros.div_euclid(MICROS_PER_DAY);
            let time = time_of_day_text(micros.rem_euclid(MICROS_PER_DAY));
            let date = date_text(days);
            match date.strip_suffix(" BC") {
                Some(date) => format!("{date} {time}{zone} BC"),
                None => format!("{date} {time}{zone}"),
            }
        }
    }
}

/// TIMETZ: microseconds since midnight, then the zone in seconds *west* of UTC.
fn timetz_text(bytes: &[u8]) -> Option<String> {
    let micros = i64::from_be_bytes(bytes.get(..8)?.try_into().ok()?);
    let west = i32::from_be_bytes(bytes.get(8..12)?.try_into().ok()?);
    let east = -i64::from(west);
    let sign = if east < 0 { '-' } else { '+' };
    let abs = east.abs();
    let mut zone = format!("{sign}{:02}", abs / 3600);
    if abs % 3600 != 0 {
        zone.push_str(&format!(":{:02}", abs / 60 % 60));
        if abs % 60 != 0 {
            zone.push_str(&format!(":{:02}", abs % 60));
        }
    }
    Some(format!("{}{zone}", time_of_day_text(micros)))
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

    #[test]
    fn dates_and_timestamps_print_like_postgres() {
        // Expected texts from psql: SELECT '…'::date, '…'::timestamp.
        assert_eq!(date_text(0), "2000-01-01");
        assert_eq!(date_text(8825), "2024-02-29");
        assert_eq!(date_text(-749_039), "0052-03-15 BC");
        assert_eq!(date_text(i64::from(i32::MAX)), "infinity");
        assert_eq!(date_text(i64::from(i32::MIN)), "-infinity");
        assert_eq!(timestamp_text(i64::MAX, ""), "infinity");
        assert_eq!(timestamp_text(i64::MIN, "+00"), "-infinity");
        assert_eq!(timestamp_text(-1_000_000, ""), "1999-12-31 23:59:59");
        assert_eq!(time_of_day_text(MICROS_PER_DAY), "24:00:00");
        assert_eq!(time_of_day_text(36_000_500_000), "10:00:00.5");
    }
}
