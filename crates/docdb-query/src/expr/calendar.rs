//! Calendar arithmetic, time zones, and `%`-format printing and parsing of dates.
//!
//! BSON dates are milliseconds since the epoch in UTC. Calendar fields come from the proleptic
//! Gregorian day-number algorithm (so year 0 and years before 1970 work) after shifting by a
//! fixed UTC offset. Time zones (fixed offsets and Olson names, with DST) live in
//! `zone`; here a date is shifted by the offset that zone gives for it. The date
//! operators (`date`) and `$toString`/`$toDate` (`convert`) build on these functions.

use super::zone::Zone;
use crate::error::{QueryError, Result};

pub const MS_PER_DAY: i64 = 86_400_000;

/// Calendar fields of an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub millis: u32,
    /// 1 = Sunday ... 7 = Saturday (MongoDB's `$dayOfWeek`).
    pub day_of_week: u32,
    /// 1-based.
    pub day_of_year: u32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Calendar fields of `ms` (UTC) shifted by `offset_ms`.
pub fn civil_from_millis(ms: i64, offset_ms: i64) -> Civil {
    let local = ms.saturating_add(offset_ms);
    let days = local.div_euclid(MS_PER_DAY);
    let rem = local.rem_euclid(MS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let day_of_year = (days - days_from_civil(year, 1, 1) + 1) as u32;
    Civil {
        year,
        month,
        day,
        hour: (rem / 3_600_000) as u32,
        minute: (rem / 60_000 % 60) as u32,
        second: (rem / 1000 % 60) as u32,
        millis: (rem % 1000) as u32,
        day_of_week: ((days + 4).rem_euclid(7) + 1) as u32,
        day_of_year,
    }
}

/// Week of the year with weeks starting on Sunday (0-53), as `%U` and `$week`.
pub fn sunday_week(c: &Civil) -> u32 {
    (c.day_of_year + 6 - (c.day_of_week - 1)) / 7
}

/// ISO 8601 (week-year, week, weekday 1=Monday).
pub fn iso_week(c: &Civil) -> (i64, u32, u32) {
    let wd = if c.day_of_week == 1 {
        7
    } else {
        c.day_of_week - 1
    };
    let week = (c.day_of_year as i64 - wd as i64 + 10) / 7;
    let weeks_in = |y: i64| {
        let jan1 = (days_from_civil(y, 1, 1) + 4).rem_euclid(7); // 0 = Sunday
        if jan1 == 4 || (jan1 == 3 && is_leap(y)) {
            53
        } else {
            52
        }
    };
    if week < 1 {
        (c.year - 1, weeks_in(c.year - 1), wd)
    } else if week > i64::from(weeks_in(c.year)) {
        (c.year + 1, 1, wd)
    } else {
        (c.year, week as u32, wd)
    }
}

/// Parses an offset written inside a date string ("Z", "+05:30", "-0800") into milliseconds.
pub fn parse_timezone(tz: &str) -> Result<i64> {
    match tz {
        "UTC" | "GMT" | "Z" | "Etc/UTC" | "Etc/GMT" => return Ok(0),
        _ => {}
    }
    let bad = || {
        QueryError::location(
            40485,
            format!("unrecognized time zone identifier: \"{tz}\""),
        )
    };
    let (sign, rest) = match tz.as_bytes().first() {
        Some(b'+') => (1, &tz[1..]),
        Some(b'-') => (-1, &tz[1..]),
        _ => return Err(bad()),
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.bytes().all(|b| b.is_ascii_digit()) || !(digits.len() == 2 || digits.len() == 4) {
        return Err(bad());
    }
    let hours: i64 = digits[..2].parse().map_err(|_| bad())?;
    let minutes: i64 = if digits.len() == 4 {
        digits[2..].parse().map_err(|_| bad())?
    } else {
        0
    };
    Ok(sign * (hours * 3_600_000 + minutes * 60_000))
}

fn format_offset(offset_ms: i64, colon: bool) -> String {
    let sign = if offset_ms < 0 { '-' } else { '+' };
    let m = offset_ms.abs() / 60_000;
    if colon {
        format!("{sign}{:02}:{:02}", m / 60, m % 60)
    } else {
        format!("{sign}{:02}{:02}", m / 60, m % 60)
    }
}

/// Formats `ms` with MongoDB's `%` specifiers.
pub fn format_date(ms: i64, format: &str, offset_ms: i64) -> String {
    let c = civil_from_millis(ms, offset_ms);
    let mut out = String::new();
    let mut chars = format.chars();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some('Y') => out.push_str(&format!("{:04}", c.year)),
            Some('m') => out.push_str(&format!("{:02}", c.month)),
            Some('d') => out.push_str(&format!("{:02}", c.day)),
            Some('H') => out.push_str(&format!("{:02}", c.hour)),
            Some('M') => out.push_str(&format!("{:02}", c.minute)),
            Some('S') => out.push_str(&format!("{:02}", c.second)),
            Some('L') => out.push_str(&format!("{:03}", c.millis)),
            Some('j') => out.push_str(&format!("{:03}", c.day_of_year)),
            Some('w') => out.push_str(&c.day_of_week.to_string()),
            Some('u') => out.push_str(&iso_week(&c).2.to_string()),
            Some('U') => out.push_str(&format!("{:02}", sunday_week(&c))),
            Some('V') => out.push_str(&format!("{:02}", iso_week(&c).1)),
            Some('G') => out.push_str(&format!("{:04}", iso_week(&c).0)),
            Some('Z') => out.push_str(&(offset_ms / 60_000).to_string()),
            Some('z') => out.push_str(&format_offset(offset_ms, false)),
            Some('b') => out.push_str(MONTHS[(c.month as usize).saturating_sub(1) % 12]),
            Some('B') => out.push_str(MONTHS_LONG[(c.month as usize).saturating_sub(1) % 12]),
            Some('%') => out.push('%'),
            Some(other) => {
                out.push('%');
                out.push(other);
            }
            None => out.push('%'),
        }
    }
    out
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_LONG: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub fn check_format(format: &str) -> Result<()> {
    let mut chars = format.chars();
    while let Some(ch) = chars.next() {
        if ch == '%' {
            match chars.next() {
                Some(
                    'Y' | 'm' | 'd' | 'H' | 'M' | 'S' | 'L' | 'j' | 'w' | 'u' | 'U' | 'V' | 'G'
                    | 'Z' | 'z' | 'b' | 'B' | '%',
                ) => {}
                Some(other) => {
                    return Err(QueryError::location(
                        18536,
                        format!("Invalid format character '%{other}' in format string"),
                    ));
                }
                None => {
                    return Err(QueryError::location(
                        18535,
                        "Unmatched '%' at end of format string",
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Parses a date string (ISO-8601 forms, or the given `%` format) into UTC milliseconds.
pub fn parse_date_string(s: &str, format: Option<&str>) -> Result<i64> {
    parse_with_zone(s, format, None)
}

/// Parses `s`; a time without its own offset is wall-clock time in `zone` (UTC when no
/// `timezone` argument was given). A string with its own offset *and* a `timezone` argument is
/// mongod's ConversionFailure (241): the two would disagree.
pub fn parse_with_zone(s: &str, format: Option<&str>, zone: Option<&Zone>) -> Result<i64> {
    let bad = || QueryError::location(241, format!("Error parsing date string '{s}'"));
    let fmt = format.unwrap_or("");
    let (mut y, mut mo, mut d, mut h, mut mi, mut se, mut ms) =
        (1970i64, 1u32, 1u32, 0u32, 0u32, 0u32, 0u32);
    let mut offset: Option<i64> = None;
    let bytes = s.trim().as_bytes();
    let mut pos = 0usize;
    let num = |pos: &mut usize, max: usize| -> Option<i64> {
        let start = *pos;
        let neg = bytes.get(*pos) == Some(&b'-') && max > 4;
        if neg {
            *pos += 1;
        }
        while *pos < bytes.len() && *pos - start < max && bytes[*pos].is_ascii_digit() {
            *pos += 1;
        }
        let text = std::str::from_utf8(&bytes[start..*pos]).ok()?;
        if text.is_empty() || text == "-" {
            None
        } else {
            text.parse().ok()
        }
    };
    if format.is_some() {
        let mut f = fmt.chars();
        while let Some(ch) = f.next() {
            if ch == '%' {
                match f.next() {
                    Some('Y') => y = num(&mut pos, 4).ok_or_else(bad)?,
                    Some('m') => mo = num(&mut pos, 2).ok_or_else(bad)? as u32,
                    Some('d') => d = num(&mut pos, 2).ok_or_else(bad)? as u32,
                    Some('H') => h = num(&mut pos, 2).ok_or_else(bad)? as u32,
                    Some('M') => mi = num(&mut pos, 2).ok_or_else(bad)? as u32,
                    Some('S') => se = num(&mut pos, 2).ok_or_else(bad)? as u32,
                    Some('L') => ms = num(&mut pos, 3).ok_or_else(bad)? as u32,
                    Some('j') => {
                        let doy = num(&mut pos, 3).ok_or_else(bad)?;
                        let (yy, mm, dd) = civil_from_days(days_from_civil(y, 1, 1) + doy - 1);
                        y = yy;
                        mo = mm;
                        d = dd;
                    }
                    Some('z') | Some('Z') => {
                        let rest = std::str::from_utf8(&bytes[pos..]).map_err(|_| bad())?;
                        let len = rest
                            .find(|c: char| {
                                !(c.is_ascii_digit() || c == '+' || c == '-' || c == ':')
                            })
                            .unwrap_or(rest.len());
                        offset = Some(parse_timezone(&rest[..len]).map_err(|_| bad())?);
                        pos += len;
                    }
                    Some('%') => {
                        if bytes.get(pos) != Some(&b'%') {
                            return Err(bad());
                        }
                        pos += 1;
                    }
                    _ => return Err(bad()),
                }
            } else {
                if bytes.get(pos).map(|b| *b as char) != Some(ch) {
                    return Err(bad());
                }
                pos += 1;
            }
        }
        if pos != bytes.len() {
            return Err(bad());
        }
    } else {
        y = num(&mut pos, 4).ok_or_else(bad)?;
        let expect = |pos: &mut usize, c: u8| -> bool {
            if bytes.get(*pos) == Some(&c) {
                *pos += 1;
                true
            } else {
                false
            }
        };
        if !expect(&mut pos, b'-') && !expect(&mut pos, b'/') {
            return Err(bad());
        }
        mo = num(&mut pos, 2).ok_or_else(bad)? as u32;
        if !expect(&mut pos, b'-') && !expect(&mut pos, b'/') {
            return Err(bad());
        }
        d = num(&mut pos, 2).ok_or_else(bad)? as u32;
        if expect(&mut pos, b'T') || expect(&mut pos, b' ') {
            h = num(&mut pos, 2).ok_or_else(bad)? as u32;
            if expect(&mut pos, b':') {
                mi = num(&mut pos, 2).ok_or_else(bad)? as u32;
                if expect(&mut pos, b':') {
                    se = num(&mut pos, 2).ok_or_else(bad)? as u32;
                    if expect(&mut pos, b'.') {
                        let start = pos;
                        while pos < bytes.len() && bytes[pos].is_ascii_digit() {
                            pos += 1;
                        }
                        let frac = std::str::from_utf8(&bytes[start..pos]).map_err(|_| bad())?;
                        let padded = format!("{frac:0<3}");
                        ms = padded[..3].parse().map_err(|_| bad())?;
                    }
                }
            }
            if pos < bytes.len() {
                let rest = std::str::from_utf8(&bytes[pos..]).map_err(|_| bad())?;
                offset = Some(parse_timezone(rest.trim()).map_err(|_| bad())?);
                pos = bytes.len();
            }
        }
        if pos != bytes.len() {
            return Err(bad());
        }
    }
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || se > 59
    {
        return Err(bad());
    }
    let days = days_from_civil(y, mo, d);
    let local = days * MS_PER_DAY
        + i64::from(h) * 3_600_000
        + i64::from(mi) * 60_000
        + i64::from(se) * 1000
        + i64::from(ms);
    Ok(match (offset, zone) {
        (Some(_), Some(_)) => {
            return Err(QueryError::new(
                241,
                "ConversionFailure",
                format!(
                    "you cannot pass in a date/time string with GMT offset together with a timezone argument: '{s}'"
                ),
            ));
        }
        (Some(fixed), None) => local - fixed,
        (None, Some(zone)) => zone.to_utc(local),
        (None, None) => local,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip_including_year_zero() {
        for &(y, m, d) in &[
            (1970, 1, 1),
            (2000, 2, 29),
            (0, 1, 1),
            (1969, 12, 31),
            (9999, 12, 31),
        ] {
            let days = days_from_civil(y, m, d);
            assert_eq!(civil_from_days(days), (y, m, d));
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
    }

    #[test]
    fn fields_of_a_known_instant() {
        // 2022-07-14T18:34:28.937Z was a Thursday.
        let c = civil_from_millis(1_657_823_668_937, 0);
        assert_eq!(
            (c.year, c.month, c.day, c.hour, c.minute, c.second, c.millis),
            (2022, 7, 14, 18, 34, 28, 937)
        );
        assert_eq!(c.day_of_week, 5);
        assert_eq!(c.day_of_year, 195);
    }

    #[test]
    fn format_and_parse() {
        let ms = 1_657_823_668_937;
        assert_eq!(
            format_date(ms, "%Y-%m-%dT%H:%M:%S.%LZ", 0),
            "2022-07-14T18:34:28.937Z"
        );
        assert_eq!(
            parse_date_string("2022-07-14T18:34:28.937Z", None).expect("parse"),
            ms
        );
        assert_eq!(
            parse_date_string("2022-07-14", None).expect("parse"),
            1_657_756_800_000
        );
        assert_eq!(
            parse_date_string("14/07/2022", Some("%d/%m/%Y")).expect("parse"),
            1_657_756_800_000
        );
        assert!(parse_date_string("2022-13-01", None).is_err());
        assert_eq!(
            format_date(0, "%H:%M %z", 5 * 3_600_000 + 1_800_000),
            "05:30 +0530"
        );
    }

    #[test]
    fn timezones() {
        assert_eq!(parse_timezone("+05:30").expect("tz"), 19_800_000);
        assert_eq!(parse_timezone("-0100").expect("tz"), -3_600_000);
        assert!(parse_timezone("America/New_York").is_err());
    }
}
