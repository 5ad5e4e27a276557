//! Dates: mongosh's `ISODate(...)`, JavaScript's `new Date(...)`, and
//! `Date.prototype.toISOString` for printing.
//!
//! Calendar arithmetic is done by hand (days-from-civil) rather than through
//! a date crate, because the rules are JavaScript's, not a library's: years
//! 0–99 in `new Date(y, m, d)` mean 19xx, months overflow into years, and the
//! printable range is ±8.64e15 ms.
//!
//! One deliberate difference: JavaScript reads a date-time without a zone
//! (`new Date('2024-01-01T10:00')`) as *local* time. A kernel often runs on a
//! server whose zone is not the reader's, so we read it as UTC, which is what
//! `ISODate` does anyway and keeps notebooks reproducible.

/// The largest absolute time value JavaScript dates can hold.
const MAX_MS: i64 = 8_640_000_000_000_000;

/// Days since 1970-01-01 of a proleptic Gregorian date (month 1–12).
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month 1–12, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// `Date.prototype.toISOString`, or `None` outside JavaScript's date range.
pub fn to_iso_string(ms: i64) -> Option<String> {
    if !(-MAX_MS..=MAX_MS).contains(&ms) {
        return None;
    }
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let year_text = if (0..=9999).contains(&year) {
        format!("{year:04}")
    } else if year < 0 {
        format!("-{:06}", -year)
    } else {
        format!("+{year:06}")
    };
    Some(format!(
        "{year_text}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60,
        in_day % 1000
    ))
}

/// JavaScript's `Date()` string (`Mon Jan 01 2024 00:00:00 GMT+0000 (Coordinated Universal Time)`), in UTC.
pub fn to_date_string(ms: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = ms.div_euclid(86_400_000);
    let in_day = ms.rem_euclid(86_400_000);
    let (year, month, day) = civil_from_days(days);
    let weekday = DAYS
        .get(days.rem_euclid(7) as usize)
        .copied()
        .unwrap_or("Thu");
    let month_name = MONTHS.get((month - 1) as usize).copied().unwrap_or("Jan");
    format!(
        "{weekday} {month_name} {day:02} {year:04} {:02}:{:02}:{:02} GMT+0000 (Coordinated Universal Time)",
        in_day / 3_600_000,
        in_day / 60_000 % 60,
        in_day / 1000 % 60
    )
}

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_millis() as i64,
        Err(e) => -(e.duration().as_millis() as i64),
    }
}

/// Parsed pieces of a date-time before conversion.
struct Parts {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    millis: i64,
    /// Offset east of UTC in minutes.
    offset_minutes: i64,
}

impl Parts {
    fn to_ms(&self) -> Option<i64> {
        if !(1..=12).contains(&self.month)
            || self.day < 1
            || self.day > days_in_month(self.year, self.month)
            || self.hour > 24
            || (self.hour == 24 && (self.minute, self.second, self.millis) != (0, 0, 0))
            || self.minute > 59
            || self.second > 59
        {
            return None;
        }
        let days = days_from_civil(self.year, self.month, self.day);
        let ms = days * 86_400_000
            + self.hour * 3_600_000
            + self.minute * 60_000
            + self.second * 1000
            + self.millis
            - self.offset_minutes * 60_000;
        (-MAX_MS..=MAX_MS).contains(&ms).then_some(ms)
    }
}

/// A tiny cursor over ASCII digits.
struct Scan<'a> {
    s: &'a [u8],
    i: usize,
}

impl Scan<'_> {
    fn digits(&mut self, n: usize) -> Option<i64> {
        let part = self.s.get(self.i..self.i + n)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.i += n;
        std::str::from_utf8(part).ok()?.parse().ok()
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
    /// Fractional seconds: any number of digits, truncated to milliseconds.
    fn fraction(&mut self) -> Option<i64> {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        let digits = std::str::from_utf8(self.s.get(start..self.i)?).ok()?;
        if digits.is_empty() {
            return None;
        }
        let padded: String = digits.chars().chain("000".chars()).take(3).collect();
        padded.parse().ok()
    }
    /// `Z`, `±HH`, `±HHMM` or `±HH:MM`; `None` when absent, `Some(None)` when malformed.
    fn zone(&mut self) -> Option<Option<i64>> {
        match self.peek()? {
            b'Z' | b'z' => {
                self.i += 1;
                Some(Some(0))
            }
            sign @ (b'+' | b'-') => {
                self.i += 1;
                let Some(h) = self.digits(2) else {
                    return Some(None);
                };
                self.eat(b':');
                let m = if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.digits(2)
                } else {
                    Some(0)
                };
                let Some(m) = m else { return Some(None) };
                let total = h * 60 + m;
                Some(Some(if sign == b'-' { -total } else { total }))
            }
            _ => None,
        }
    }
}

/// mongosh's `ISODate(text)`: `YYYY[-]MM[-]DD[(T| )HH[[:]MM[[:]SS[.fff]]]][Z|±HH[[:]MM]]`,
/// UTC when no zone is given, limited to years 0000–9999.
pub fn parse_iso_date(text: &str) -> Option<i64> {
    let mut scan = Scan {
        s: text.as_bytes(),
        i: 0,
    };
    let year = scan.digits(4)?;
    scan.eat(b'-');
    let month = scan.digits(2)?;
    scan.eat(b'-');
    let day = scan.digits(2)?;
    let mut parts = Parts {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        millis: 0,
        offset_minutes: 0,
    };
    if !scan.done() {
        if !(scan.eat(b'T') || scan.eat(b' ')) {
            return None;
        }
        parts.hour = scan.digits(2)?;
        if scan.eat(b':') || scan.peek().is_some_and(|c| c.is_ascii_digit()) {
            parts.minute = scan.digits(2)?;
            if scan.eat(b':') || scan.peek().is_some_and(|c| c.is_ascii_digit()) {
                parts.second = scan.digits(2)?;
                if scan.eat(b'.') {
                    parts.millis = scan.fraction()?;
                }
            }
        }
        if let Some(zone) = scan.zone() {
            parts.offset_minutes = zone?;
        }
    }
    if !scan.done() {
        return None;
    }
    let ms = parts.to_ms()?;
    (-62_167_219_200_000..=253_402_300_799_999)
        .contains(&ms)
        .then_some(ms)
}

/// `new Date(text)`: the ECMAScript date-time format (`YYYY`, `YYYY-MM`,
/// `YYYY-MM-DD`, optional `THH:mm[:ss[.sss]]`, optional zone, `±YYYYYY` years),
/// plus the common informal forms `YYYY/MM/DD [HH:mm[:ss]]` and
/// `Month D, YYYY [HH:mm[:ss]]` / `D Month YYYY`.
pub fn parse_js_date(text: &str) -> Option<i64> {
    let text = text.trim();
    parse_ecma_date(text).or_else(|| parse_informal_date(text))
}

fn parse_ecma_date(text: &str) -> Option<i64> {
    let mut scan = Scan {
        s: text.as_bytes(),
        i: 0,
    };
    let year = match scan.peek()? {
        sign @ (b'+' | b'-') => {
            scan.i += 1;
            let y = scan.digits(6)?;
            if sign == b'-' { -y } else { y }
        }
        _ => scan.digits(4)?,
    };
    let mut parts = Parts {
        year,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
        millis: 0,
        offset_minutes: 0,
    };
    if scan.eat(b'-') {
        parts.month = scan.digits(2)?;
        if scan.eat(b'-') {
            parts.day = scan.digits(2)?;
        }
    }
    if scan.eat(b'T') || scan.eat(b't') || scan.eat(b' ') {
        parts.hour = scan.digits(2)?;
        if !scan.eat(b':') {
            return None;
        }
        parts.minute = scan.digits(2)?;
        if scan.eat(b':') {
            parts.second = scan.digits(2)?;
            if scan.eat(b'.') {
                parts.millis = scan.fraction()?;
            }
        }
        if let Some(zone) = scan.zone() {
            parts.offset_minutes = zone?;
        }
    }
    if !scan.done() {
        return None;
    }
    parts.to_ms()
}

fn month_number(word: &str) -> Option<i64> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = word.to_ascii_lowercase();
    let prefix = lower.get(..3)?;
    NAMES
        .iter()
        .position(|m| *m == prefix)
        .map(|i| i as i64 + 1)
}

fn parse_clock(word: &str) -> Option<(i64, i64, i64)> {
    let mut pieces = word.split(':');
    let h = pieces.next()?.parse().ok()?;
    let m = pieces.next()?.parse().ok()?;
    let s = match pieces.next() {
        Some(s) => s.parse().ok()?,
        None => 0,
    };
    if pieces.next().is_some() {
        return None;
    }
    Some((h, m, s))
}

fn parse_informal_date(text: &str) -> Option<i64> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let (mut year, mut month, mut day) = (None, None, None);
    let mut clock = (0, 0, 0);
    let mut offset = 0;
    for word in words {
        if let Some(m) =
            month_number(word).filter(|_| word.chars().all(|c| c.is_ascii_alphabetic()))
        {
            month = Some(m);
        } else if word.contains('/') {
            let nums: Vec<i64> = word
                .split('/')
                .map(|p| p.parse().ok())
                .collect::<Option<_>>()?;
            match nums.as_slice() {
                [y, m, d] if *y > 31 => (year, month, day) = (Some(*y), Some(*m), Some(*d)),
                [m, d, y] => (year, month, day) = (Some(*y), Some(*m), Some(*d)),
                _ => return None,
            }
        } else if word.contains(':') {
            clock = parse_clock(word)?;
        } else if let Some(zone) = word
            .strip_prefix("GMT")
            .or_else(|| word.strip_prefix("UTC"))
        {
            if !zone.is_empty() {
                let mut scan = Scan {
                    s: zone.as_bytes(),
                    i: 0,
                };
                offset = scan.zone()??;
            }
        } else if word.eq_ignore_ascii_case("Z") {
            offset = 0;
        } else if let Ok(n) = word.parse::<i64>() {
            if day.is_none() && n <= 31 && year.is_none() || (day.is_none() && year.is_some()) {
                day = Some(n);
            } else {
                year = Some(n);
            }
        } else if month_number(word).is_none()
            && !matches!(
                word.to_ascii_lowercase().as_str(),
                "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun"
            )
        {
            return None;
        }
    }
    let parts = Parts {
        year: year?,
        month: month?,
        day: day.unwrap_or(1),
        hour: clock.0,
        minute: clock.1,
        second: clock.2,
        millis: 0,
        offset_minutes: offset,
    };
    parts.to_ms()
}

/// `new Date(y, m0, d, h, mi, s, ms)`: months are 0-based and every part may
/// overflow into the next (JavaScript's `MakeDay`); years 0–99 mean 1900–1999.
pub fn from_components(parts: &[f64]) -> Option<i64> {
    if parts.iter().any(|p| !p.is_finite()) {
        return None;
    }
    let get = |i: usize, default: f64| parts.get(i).copied().unwrap_or(default).trunc() as i64;
    let mut year = get(0, 1970.0);
    if (0..=99).contains(&year) {
        year += 1900;
    }
    let month0 = get(1, 0.0);
    let year = year + month0.div_euclid(12);
    let month = month0.rem_euclid(12) + 1;
    let days = days_from_civil(year, month, 1) + get(2, 1.0) - 1;
    let ms = days.checked_mul(86_400_000)?
        + get(3, 0.0) * 3_600_000
        + get(4, 0.0) * 60_000
        + get(5, 0.0) * 1000
        + get(6, 0.0);
    (-MAX_MS..=MAX_MS).contains(&ms).then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-719_468, -1, 0, 1, 10_957, 19_723, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(2000, 1, 1), 10_957);
    }

    #[test]
    fn iso_strings() {
        assert_eq!(
            to_iso_string(1_234_567_890_000).unwrap(),
            "2009-02-13T23:31:30.000Z"
        );
        assert_eq!(to_iso_string(-1).unwrap(), "1969-12-31T23:59:59.999Z");
        assert_eq!(
            to_iso_string(253_402_300_800_000).unwrap(),
            "+010000-01-01T00:00:00.000Z"
        );
        assert!(to_iso_string(MAX_MS + 1).is_none());
    }

    #[test]
    fn isodate_forms_from_mongosh_tests() {
        // Values from mongosh's own shell-bson tests.
        let d = 1_601_596_800_000;
        assert_eq!(parse_iso_date("2020-10-02"), Some(d));
        assert_eq!(
            parse_iso_date("2020-10-02T10:29:50+00:00"),
            Some(1_601_634_590_000)
        );
        assert_eq!(
            parse_iso_date("2020-10-02T10:29:50+02:00"),
            Some(1_601_627_390_000)
        );
        assert_eq!(
            parse_iso_date("2020-10-02T10:29:50-02:00"),
            Some(1_601_641_790_000)
        );
        assert_eq!(
            parse_iso_date("2020-10-02T10:29:50Z"),
            Some(1_601_634_590_000)
        );
        assert_eq!(
            parse_iso_date("2020-10-02T10:29:50"),
            Some(1_601_634_590_000)
        );
        assert_eq!(
            parse_iso_date("2020-10-02T10:29:50.124Z"),
            Some(1_601_634_590_124)
        );
        assert_eq!(parse_iso_date("20201002T102950Z"), Some(1_601_634_590_000));
        assert_eq!(
            parse_iso_date("20201002T102950+0200"),
            Some(1_601_627_390_000)
        );
        assert_eq!(parse_iso_date("20201002 102950Z"), Some(1_601_634_590_000));
        assert_eq!(parse_iso_date("2020-10-02T10"), Some(d + 36_000_000));
        assert_eq!(parse_iso_date("2020-13-02"), None);
        assert_eq!(parse_iso_date("yesterday"), None);
        assert_eq!(parse_iso_date("2020-10-02T10:29:50Zjunk"), None);
    }

    #[test]
    fn javascript_date_strings() {
        assert_eq!(parse_js_date("2024-01-01"), Some(1_704_067_200_000));
        assert_eq!(parse_js_date("2024-01"), Some(1_704_067_200_000));
        assert_eq!(
            parse_js_date("2024-01-01T10:00:00Z"),
            Some(1_704_103_200_000)
        );
        assert_eq!(
            parse_js_date("2024-01-01T12:00:00+02:00"),
            Some(1_704_103_200_000)
        );
        assert_eq!(parse_js_date("2024/01/01"), Some(1_704_067_200_000));
        assert_eq!(parse_js_date("January 1, 2024"), Some(1_704_067_200_000));
        assert_eq!(parse_js_date("1 Jan 2024 10:00"), Some(1_704_103_200_000));
        assert_eq!(parse_js_date("not a date"), None);
    }

    #[test]
    fn components_overflow_like_javascript() {
        assert_eq!(
            from_components(&[2024.0, 0.0, 1.0]),
            Some(1_704_067_200_000)
        );
        assert_eq!(
            from_components(&[2023.0, 12.0, 1.0]),
            Some(1_704_067_200_000)
        );
        assert_eq!(
            from_components(&[99.0, 0.0]),
            from_components(&[1999.0, 0.0])
        );
    }
}
