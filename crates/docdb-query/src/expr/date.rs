//! Date operators: field extraction (`$year` ... `$millisecond`, `$week`, ISO weeks),
//! `$dateToString`, `$dateFromString`, `$dateFromParts`/`$dateToParts`, `$dateAdd`,
//! `$dateSubtract`, `$dateDiff` and `$dateTrunc`, on top of `calendar`.

use super::Ctx;
use super::args::{eval_named, is_nullish, named};
use super::calendar::{
    Civil, MS_PER_DAY, check_format, civil_from_millis, days_from_civil, days_in_month,
    format_date, iso_week, parse_with_zone, sunday_week,
};
use super::zone::Zone;
use crate::error::{QueryError, Result};
use bson::{Bson, Document};

/// Reads a date-like value (date, timestamp, ObjectId) as milliseconds.
fn to_millis(op: &str, v: &Bson) -> Result<i64> {
    match v {
        Bson::DateTime(d) => Ok(d.timestamp_millis()),
        Bson::Timestamp(t) => Ok(i64::from(t.time) * 1000),
        Bson::ObjectId(o) => Ok(o.timestamp().timestamp_millis()),
        _ => Err(QueryError::location(
            16006,
            format!(
                "{op}: can't convert from BSON type {} to Date",
                crate::value::type_alias(v)
            ),
        )),
    }
}

fn timezone_arg(d: &Document, ctx: &Ctx) -> Result<Option<Zone>> {
    match eval_named(d, "timezone", ctx)? {
        None => Ok(Some(Zone::UTC)),
        Some(Bson::Null) => Ok(None),
        Some(Bson::String(tz)) => Ok(Some(Zone::parse(&tz)?)),
        Some(other) => Err(QueryError::location(
            40517,
            format!(
                "timezone must evaluate to a string, found {}",
                crate::value::type_alias(&other)
            ),
        )),
    }
}

fn extract(name: &str, c: &Civil) -> Bson {
    match name {
        "$year" => Bson::Int32(c.year as i32),
        "$month" => Bson::Int32(c.month as i32),
        "$dayOfMonth" => Bson::Int32(c.day as i32),
        "$hour" => Bson::Int32(c.hour as i32),
        "$minute" => Bson::Int32(c.minute as i32),
        "$second" => Bson::Int32(c.second as i32),
        "$millisecond" => Bson::Int32(c.millis as i32),
        "$dayOfYear" => Bson::Int32(c.day_of_year as i32),
        "$dayOfWeek" => Bson::Int32(c.day_of_week as i32),
        "$week" => Bson::Int32(sunday_week(c) as i32),
        "$isoWeek" => Bson::Int32(iso_week(c).1 as i32),
        "$isoWeekYear" => Bson::Int64(iso_week(c).0),
        _ => Bson::Int32(iso_week(c).2 as i32),
    }
}

pub(super) fn dispatch(name: &str, arg: &Bson, ctx: &Ctx) -> Result<Option<Option<Bson>>> {
    let r = match name {
        "$year" | "$month" | "$dayOfMonth" | "$hour" | "$minute" | "$second" | "$millisecond"
        | "$dayOfYear" | "$dayOfWeek" | "$week" | "$isoWeek" | "$isoWeekYear" | "$isoDayOfWeek" => {
            let (date_expr, offset) = match arg {
                Bson::Document(d) if d.contains_key("date") => {
                    let d = named(name, arg, &["date", "timezone"])?;
                    match timezone_arg(d, ctx)? {
                        Some(o) => (d.get("date").cloned().unwrap_or(Bson::Null), o),
                        None => return Ok(Some(Some(Bson::Null))),
                    }
                }
                Bson::Array(items) if items.len() == 1 => (items[0].clone(), Zone::UTC),
                other => (other.clone(), Zone::UTC),
            };
            let v = super::eval(&date_expr, ctx)?;
            if is_nullish(&v) {
                return Ok(Some(Some(Bson::Null)));
            }
            let ms = to_millis(name, v.as_ref().unwrap_or(&Bson::Null))?;
            Some(extract(name, &civil_from_millis(ms, offset.offset_at(ms))))
        }
        "$dateToString" => {
            let d = named(name, arg, &["date", "format", "timezone", "onNull"])?;
            let date = eval_named(d, "date", ctx)?;
            if is_nullish(&date) {
                return Ok(Some(match d.get("onNull") {
                    Some(e) => super::eval(e, ctx)?,
                    None => Some(Bson::Null),
                }));
            }
            let Some(offset) = timezone_arg(d, ctx)? else {
                return Ok(Some(Some(Bson::Null)));
            };
            let format = match eval_named(d, "format", ctx)? {
                None => "%Y-%m-%dT%H:%M:%S.%LZ".to_string(),
                Some(Bson::String(f)) => f,
                Some(Bson::Null) => return Ok(Some(Some(Bson::Null))),
                Some(_) => {
                    return Err(QueryError::location(
                        18533,
                        "$dateToString requires that 'format' be a string",
                    ));
                }
            };
            check_format(&format)?;
            let ms = to_millis(name, date.as_ref().unwrap_or(&Bson::Null))?;
            Some(Bson::String(format_date(ms, &format, offset.offset_at(ms))))
        }
        "$dateFromString" => {
            let d = named(
                name,
                arg,
                &["dateString", "format", "timezone", "onError", "onNull"],
            )?;
            let s = eval_named(d, "dateString", ctx)?;
            if is_nullish(&s) {
                return Ok(Some(match d.get("onNull") {
                    Some(e) => super::eval(e, ctx)?,
                    None => Some(Bson::Null),
                }));
            }
            let Some(offset) = timezone_arg(d, ctx)? else {
                return Ok(Some(Some(Bson::Null)));
            };
            let format = match eval_named(d, "format", ctx)? {
                Some(Bson::String(f)) => Some(f),
                _ => None,
            };
            let parsed = match &s {
                Some(Bson::String(text)) => {
                    // Only a `timezone` the user gave conflicts with an offset in the string.
                    let given = !matches!(d.get("timezone"), None | Some(Bson::Null));
                    parse_with_zone(text, format.as_deref(), given.then_some(&offset))
                }
                _ => Err(QueryError::location(
                    241,
                    "$dateFromString requires that 'dateString' be a string",
                )),
            };
            match (parsed, d.get("onError")) {
                (Ok(ms), _) => Some(Bson::DateTime(bson::DateTime::from_millis(ms))),
                (Err(_), Some(handler)) => return Ok(Some(super::eval(handler, ctx)?)),
                (Err(e), None) => return Err(e),
            }
        }
        "$dateFromParts" => date_from_parts(arg, ctx)?,
        "$dateToParts" => {
            let d = named(name, arg, &["date", "timezone", "iso8601"])?;
            let date = eval_named(d, "date", ctx)?;
            if is_nullish(&date) {
                return Ok(Some(Some(Bson::Null)));
            }
            let Some(offset) = timezone_arg(d, ctx)? else {
                return Ok(Some(Some(Bson::Null)));
            };
            let ms = to_millis(name, date.as_ref().unwrap_or(&Bson::Null))?;
            let c = civil_from_millis(ms, offset.offset_at(ms));
            let iso = eval_named(d, "iso8601", ctx)?
                .as_ref()
                .is_some_and(crate::value::is_truthy);
            let mut out = Document::new();
            if iso {
                let (wy, w, wd) = iso_week(&c);
                out.insert("isoWeekYear", wy as i32);
                out.insert("isoWeek", w as i32);
                out.insert("isoDayOfWeek", wd as i32);
            } else {
                out.insert("year", c.year as i32);
                out.insert("month", c.month as i32);
                out.insert("day", c.day as i32);
            }
            out.insert("hour", c.hour as i32);
            out.insert("minute", c.minute as i32);
            out.insert("second", c.second as i32);
            out.insert("millisecond", c.millis as i32);
            Some(Bson::Document(out))
        }
        "$dateAdd" | "$dateSubtract" => {
            let d = named(name, arg, &["startDate", "unit", "amount", "timezone"])?;
            let start = eval_named(d, "startDate", ctx)?;
            let unit = eval_named(d, "unit", ctx)?;
            let amount = eval_named(d, "amount", ctx)?;
            if is_nullish(&start) || is_nullish(&unit) || is_nullish(&amount) {
                return Ok(Some(Some(Bson::Null)));
            }
            let Some(offset) = timezone_arg(d, ctx)? else {
                return Ok(Some(Some(Bson::Null)));
            };
            let ms = to_millis(name, start.as_ref().unwrap_or(&Bson::Null))?;
            let amount = amount
                .as_ref()
                .and_then(crate::number::integral_i64)
                .ok_or_else(|| {
                    QueryError::location(5166405, format!("{name} requires an integral 'amount'"))
                })?;
            let amount = if name == "$dateSubtract" {
                -amount
            } else {
                amount
            };
            let unit = unit_name(name, unit.as_ref())?;
            Some(Bson::DateTime(bson::DateTime::from_millis(add_units(
                ms, &unit, amount, &offset,
            )?)))
        }
        "$dateTrunc" => {
            let d = named(
                name,
                arg,
                &["date", "unit", "binSize", "timezone", "startOfWeek"],
            )?;
            let date = eval_named(d, "date", ctx)?;
            let unit = eval_named(d, "unit", ctx)?;
            if is_nullish(&date) || is_nullish(&unit) {
                return Ok(Some(Some(Bson::Null)));
            }
            let Some(offset) = timezone_arg(d, ctx)? else {
                return Ok(Some(Some(Bson::Null)));
            };
            let bin = match eval_named(d, "binSize", ctx)? {
                None => 1,
                Some(v) => match crate::number::integral_i64(&v) {
                    Some(b) if b > 0 => b,
                    _ => {
                        return Err(QueryError::location(
                            5439017,
                            "$dateTrunc requires 'binSize' to be a positive integer",
                        ));
                    }
                },
            };
            let start_of_week = match eval_named(d, "startOfWeek", ctx)? {
                Some(Bson::String(s)) => s.to_lowercase(),
                _ => "sunday".to_string(),
            };
            let ms = to_millis(name, date.as_ref().unwrap_or(&Bson::Null))?;
            let unit = unit_name(name, unit.as_ref())?;
            Some(Bson::DateTime(bson::DateTime::from_millis(date_trunc(
                ms,
                &unit,
                bin,
                &offset,
                &start_of_week,
            )?)))
        }
        "$dateDiff" => {
            let d = named(
                name,
                arg,
                &["startDate", "endDate", "unit", "timezone", "startOfWeek"],
            )?;
            let start = eval_named(d, "startDate", ctx)?;
            let end = eval_named(d, "endDate", ctx)?;
            let unit = eval_named(d, "unit", ctx)?;
            if is_nullish(&start) || is_nullish(&end) || is_nullish(&unit) {
                return Ok(Some(Some(Bson::Null)));
            }
            let Some(offset) = timezone_arg(d, ctx)? else {
                return Ok(Some(Some(Bson::Null)));
            };
            let a = to_millis(name, start.as_ref().unwrap_or(&Bson::Null))?;
            let b = to_millis(name, end.as_ref().unwrap_or(&Bson::Null))?;
            let unit = unit_name(name, unit.as_ref())?;
            Some(Bson::Int64(date_diff(a, b, &unit, &offset)?))
        }
        _ => return Ok(None),
    };
    Ok(Some(r))
}

fn unit_name(op: &str, v: Option<&Bson>) -> Result<String> {
    match v {
        Some(Bson::String(u)) => Ok(u.clone()),
        _ => Err(QueryError::location(
            5166402,
            format!("{op} requires 'unit' to be a string"),
        )),
    }
}

fn add_units(ms: i64, unit: &str, amount: i64, zone: &Zone) -> Result<i64> {
    let fixed = |per: i64| ms.checked_add(amount.checked_mul(per)?);
    let r = match unit {
        "millisecond" => fixed(1),
        "second" => fixed(1000),
        "minute" => fixed(60_000),
        "hour" => fixed(3_600_000),
        // Days and weeks move the wall clock (a day across a DST change is 23 or 25 hours).
        "day" | "week" => {
            let per = if unit == "day" {
                MS_PER_DAY
            } else {
                7 * MS_PER_DAY
            };
            amount
                .checked_mul(per)
                .and_then(|span| ms.checked_add(zone.offset_at(ms))?.checked_add(span))
                .map(|local| zone.to_utc(local))
        }
        "month" | "quarter" | "year" => {
            let months = amount.checked_mul(match unit {
                "month" => 1,
                "quarter" => 3,
                _ => 12,
            });
            let c = civil_from_millis(ms, zone.offset_at(ms));
            // Keep the result within the years a BSON date can show (about ±292 million).
            let Some(total) = months
                .and_then(|m| (c.year * 12 + i64::from(c.month) - 1).checked_add(m))
                .filter(|t| t.abs() < 3_000_000_000)
            else {
                return Err(QueryError::location(5166406, "$dateAdd overflowed"));
            };
            let (y, m) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
            let day = c.day.min(days_in_month(y, m));
            let local = days_from_civil(y, m, day)
                .checked_mul(MS_PER_DAY)
                .ok_or_else(|| QueryError::location(5166406, "$dateAdd overflowed"))?
                + i64::from(c.hour) * 3_600_000
                + i64::from(c.minute) * 60_000
                + i64::from(c.second) * 1000
                + i64::from(c.millis);
            Some(zone.to_utc(local))
        }
        _ => {
            return Err(QueryError::location(
                5166400,
                format!("unknown time unit value: {unit}"),
            ));
        }
    };
    r.ok_or_else(|| QueryError::location(5166406, "$dateAdd overflowed"))
}

/// Truncates to the start of a `bin`-sized unit, bins counted from 2000-01-01 (MongoDB's
/// reference point) in local time.
fn date_trunc(ms: i64, unit: &str, bin: i64, zone: &Zone, start_of_week: &str) -> Result<i64> {
    let reference = days_from_civil(2000, 1, 1) * MS_PER_DAY;
    let local = ms.saturating_add(zone.offset_at(ms));
    let fixed = |per: i64| -> i64 {
        let span = per.saturating_mul(bin);
        let start = reference.saturating_add(
            (local.saturating_sub(reference))
                .div_euclid(span)
                .saturating_mul(span),
        );
        zone.to_utc(start)
    };
    Ok(match unit {
        "millisecond" => fixed(1),
        "second" => fixed(1000),
        "minute" => fixed(60_000),
        "hour" => fixed(3_600_000),
        "day" => fixed(MS_PER_DAY),
        "week" => {
            let first = match start_of_week {
                "monday" | "mon" => 3,
                "tuesday" | "tue" => 4,
                "wednesday" | "wed" => 5,
                "thursday" | "thu" => 6,
                "friday" | "fri" => 0,
                "saturday" | "sat" => 1,
                "sunday" | "sun" => 2,
                other => {
                    return Err(QueryError::location(
                        5439015,
                        format!("unknown startOfWeek: {other}"),
                    ));
                }
            };
            // 2000-01-01 was a Saturday; shift the reference to the chosen first weekday.
            let anchor = reference + ((first - 1i64).rem_euclid(7)) * MS_PER_DAY - 7 * MS_PER_DAY;
            let span = (7 * MS_PER_DAY).saturating_mul(bin);
            let start = anchor.saturating_add(
                local
                    .saturating_sub(anchor)
                    .div_euclid(span)
                    .saturating_mul(span),
            );
            zone.to_utc(start)
        }
        "month" | "quarter" | "year" => {
            let c = civil_from_millis(ms, zone.offset_at(ms));
            let months_per = bin.saturating_mul(match unit {
                "month" => 1,
                "quarter" => 3,
                _ => 12,
            });
            let since = (c.year - 2000) * 12 + i64::from(c.month) - 1;
            let start = since.div_euclid(months_per) * months_per;
            let (y, m) = (
                2000 + start.div_euclid(12),
                (start.rem_euclid(12) + 1) as u32,
            );
            zone.to_utc(days_from_civil(y, m, 1) * MS_PER_DAY)
        }
        other => {
            return Err(QueryError::location(
                5439014,
                format!("unknown time unit value: {other}"),
            ));
        }
    })
}

fn date_diff(a: i64, b: i64, unit: &str, zone: &Zone) -> Result<i64> {
    let floor_div = |x: i64, per: i64| x.saturating_add(zone.offset_at(x)).div_euclid(per);
    Ok(match unit {
        "millisecond" => b.saturating_sub(a),
        "second" => floor_div(b, 1000) - floor_div(a, 1000),
        "minute" => floor_div(b, 60_000) - floor_div(a, 60_000),
        "hour" => floor_div(b, 3_600_000) - floor_div(a, 3_600_000),
        "day" => floor_div(b, MS_PER_DAY) - floor_div(a, MS_PER_DAY),
        // Weeks start on Sunday: shift so that day 0 of a week is a Sunday (1970-01-04).
        "week" => {
            (floor_div(b, MS_PER_DAY) - 3).div_euclid(7)
                - (floor_div(a, MS_PER_DAY) - 3).div_euclid(7)
        }
        "month" | "quarter" | "year" => {
            let ca = civil_from_millis(a, zone.offset_at(a));
            let cb = civil_from_millis(b, zone.offset_at(b));
            let months =
                (cb.year * 12 + i64::from(cb.month)) - (ca.year * 12 + i64::from(ca.month));
            match unit {
                "month" => months,
                "year" => cb.year - ca.year,
                _ => {
                    ((cb.year * 12 + i64::from(cb.month) - 1).div_euclid(3))
                        - ((ca.year * 12 + i64::from(ca.month) - 1).div_euclid(3))
                }
            }
        }
        _ => {
            return Err(QueryError::location(
                5166400,
                format!("unknown time unit value: {unit}"),
            ));
        }
    })
}

fn date_from_parts(arg: &Bson, ctx: &Ctx) -> Result<Option<Bson>> {
    let d = named(
        "$dateFromParts",
        arg,
        &[
            "year",
            "month",
            "day",
            "hour",
            "minute",
            "second",
            "millisecond",
            "timezone",
            "isoWeekYear",
            "isoWeek",
            "isoDayOfWeek",
        ],
    )?;
    let part = |k: &str, default: i64| -> Result<Option<i64>> {
        match eval_named(d, k, ctx)? {
            None => Ok(Some(default)),
            Some(Bson::Null) => Ok(None),
            Some(v) => crate::number::integral_i64(&v).map(Some).ok_or_else(|| {
                QueryError::location(40515, format!("'{k}' must evaluate to an integer"))
            }),
        }
    };
    let Some(offset) = timezone_arg(d, ctx)? else {
        return Ok(Some(Bson::Null));
    };
    let fields = [
        part("year", 1970)?,
        part("month", 1)?,
        part("day", 1)?,
        part("hour", 0)?,
        part("minute", 0)?,
        part("second", 0)?,
        part("millisecond", 0)?,
    ];
    let mut vals = [0i64; 7];
    for (slot, f) in vals.iter_mut().zip(fields) {
        match f {
            Some(v) => *slot = v,
            None => return Ok(Some(Bson::Null)),
        }
    }
    let [y, mo, day, h, mi, s, ms] = vals;
    if !(1..=9999).contains(&y) {
        return Err(QueryError::location(
            40523,
            format!("'year' must evaluate to an integer in the range 1 to 9999, found {y}"),
        ));
    }
    for (name, v) in [
        ("month", mo),
        ("day", day),
        ("hour", h),
        ("minute", mi),
        ("second", s),
        ("millisecond", ms),
    ] {
        if !(-32768..=32767).contains(&v) {
            return Err(QueryError::location(
                31034,
                format!(
                    "'{name}' must evaluate to a value in the range [-32768, 32767]; value {v} is not in range"
                ),
            ));
        }
    }
    // Out-of-range parts carry over (month 13 is January of the next year), as in MongoDB.
    let total_months = y * 12 + mo - 1;
    let (yy, mm) = (
        total_months.div_euclid(12),
        (total_months.rem_euclid(12) + 1) as u32,
    );
    let days = days_from_civil(yy, mm, 1) + day - 1;
    let local = days * MS_PER_DAY + h * 3_600_000 + mi * 60_000 + s * 1000 + ms;
    Ok(Some(Bson::DateTime(bson::DateTime::from_millis(
        offset.to_utc(local),
    ))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::calendar::{format_date, parse_date_string};

    #[test]
    fn truncation() {
        let t = parse_date_string("2024-05-15T13:47:12.345Z", None).expect("parse");
        let show = |ms: i64| format_date(ms, "%Y-%m-%dT%H:%M:%S.%L", 0);
        assert_eq!(
            show(date_trunc(t, "hour", 1, &Zone::UTC, "sunday").expect("trunc")),
            "2024-05-15T13:00:00.000"
        );
        assert_eq!(
            show(date_trunc(t, "minute", 15, &Zone::UTC, "sunday").expect("trunc")),
            "2024-05-15T13:45:00.000"
        );
        assert_eq!(
            show(date_trunc(t, "month", 1, &Zone::UTC, "sunday").expect("trunc")),
            "2024-05-01T00:00:00.000"
        );
        assert_eq!(
            show(date_trunc(t, "quarter", 1, &Zone::UTC, "sunday").expect("trunc")),
            "2024-04-01T00:00:00.000"
        );
        // 2024-05-15 was a Wednesday: the week began on Sunday the 12th, or Monday the 13th.
        assert_eq!(
            show(date_trunc(t, "week", 1, &Zone::UTC, "sunday").expect("trunc")),
            "2024-05-12T00:00:00.000"
        );
        assert_eq!(
            show(date_trunc(t, "week", 1, &Zone::UTC, "monday").expect("trunc")),
            "2024-05-13T00:00:00.000"
        );
    }

    #[test]
    fn month_arithmetic_clamps_the_day() {
        let jan31 = parse_date_string("2021-01-31", None).expect("parse");
        let feb = add_units(jan31, "month", 1, &Zone::UTC).expect("add");
        assert_eq!(format_date(feb, "%Y-%m-%d", 0), "2021-02-28");
        assert_eq!(date_diff(jan31, feb, "month", &Zone::UTC).expect("diff"), 1);
        assert_eq!(date_diff(jan31, feb, "day", &Zone::UTC).expect("diff"), 28);
    }
}
