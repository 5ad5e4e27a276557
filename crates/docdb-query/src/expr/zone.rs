//! Time zones of the date operators: a fixed UTC offset ("+05:30", "-0800", "+03") or an Olson
//! name ("Europe/Amsterdam") looked up in the IANA database that `jiff` compiles into the
//! binary, so daylight saving time shifts exactly as it does on mongod and no file is read.
//!
//! The calendar code works on "local milliseconds" (UTC milliseconds plus the offset in force):
//! `offset_at` gives the offset for an instant, `to_utc` turns a local wall-clock time back into
//! an instant. A wall time that does not exist (the hour skipped in spring) or exists twice (the
//! hour repeated in autumn) is resolved the "compatible" way, as timelib (mongod's library)
//! does: the earlier of two, and the later side of a gap.

use crate::error::{QueryError, Result};
use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// A parsed `timezone` argument.
#[derive(Debug, Clone)]
pub enum Zone {
    /// A constant offset in milliseconds (UTC is `Fixed(0)`).
    Fixed(i64),
    /// A named zone with its transitions.
    Named(TimeZone),
}

impl Zone {
    pub const UTC: Zone = Zone::Fixed(0);

    /// Parses mongod's forms: an Olson identifier (case as in the database), "UTC"/"GMT"/"Z",
    /// or an offset `±hh`, `±hhmm`, `±hh:mm`. Anything else is error 40485.
    pub fn parse(tz: &str) -> Result<Zone> {
        if matches!(tz, "UTC" | "GMT" | "Z") {
            return Ok(Zone::UTC);
        }
        if tz.starts_with(['+', '-']) {
            return parse_offset(tz).map(Zone::Fixed).ok_or_else(|| unknown(tz));
        }
        match TimeZone::get(tz) {
            // The database lookup ignores case; mongod's does not.
            Ok(zone) if zone.iana_name() == Some(tz) => Ok(Zone::Named(zone)),
            _ => Err(unknown(tz)),
        }
    }

    /// The offset (milliseconds east of UTC) in force at the instant `utc_ms`.
    pub fn offset_at(&self, utc_ms: i64) -> i64 {
        match self {
            Zone::Fixed(ms) => *ms,
            Zone::Named(zone) => {
                let at = Timestamp::from_millisecond(utc_ms).unwrap_or(if utc_ms < 0 {
                    Timestamp::MIN
                } else {
                    Timestamp::MAX
                });
                i64::from(zone.to_offset(at).seconds()) * 1000
            }
        }
    }

    /// The instant at which local clocks show `local_ms` (local milliseconds since 1970-01-01).
    pub fn to_utc(&self, local_ms: i64) -> i64 {
        match self {
            Zone::Fixed(ms) => local_ms.saturating_sub(*ms),
            Zone::Named(zone) => named_to_utc(zone, local_ms).unwrap_or_else(|| {
                // Outside the years jiff represents (-9999..=9999): the offset at the nearest
                // representable instant, as good as any and never a panic.
                local_ms.saturating_sub(self.offset_at(local_ms))
            }),
        }
    }
}

fn named_to_utc(zone: &TimeZone, local_ms: i64) -> Option<i64> {
    let seconds = local_ms.div_euclid(1000);
    let millis = local_ms.rem_euclid(1000);
    // The local wall time as a civil datetime: read it off a UTC timestamp with that value.
    let wall: DateTime = Timestamp::from_second(seconds)
        .ok()?
        .to_zoned(TimeZone::UTC)
        .datetime();
    let instant = zone.to_ambiguous_timestamp(wall).compatible().ok()?;
    Some(instant.as_millisecond() + millis)
}

fn unknown(tz: &str) -> QueryError {
    QueryError::location(
        40485,
        format!("unrecognized time zone identifier: \"{tz}\""),
    )
}

/// `±hh`, `±hhmm` or `±hh:mm` to milliseconds.
fn parse_offset(tz: &str) -> Option<i64> {
    let sign = if tz.starts_with('-') { -1 } else { 1 };
    let rest = &tz[1..];
    let digits: String = match rest.len() {
        5 if rest.as_bytes()[2] == b':' => rest.chars().filter(|c| *c != ':').collect(),
        2 | 4 => rest.to_string(),
        _ => return None,
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i64 = digits[..2].parse().ok()?;
    let minutes: i64 = if digits.len() == 4 {
        digits[2..].parse().ok()?
    } else {
        0
    };
    Some(sign * (hours * 3_600_000 + minutes * 60_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_and_names() {
        assert_eq!(Zone::parse("+05:30").expect("tz").offset_at(0), 19_800_000);
        assert_eq!(Zone::parse("-0100").expect("tz").offset_at(0), -3_600_000);
        assert_eq!(Zone::parse("+03").expect("tz").offset_at(0), 10_800_000);
        assert_eq!(Zone::parse("Mars/Olympus").unwrap_err().code, 40485);
        assert_eq!(Zone::parse("america/new_york").unwrap_err().code, 40485);
        assert_eq!(Zone::parse("+5:3").unwrap_err().code, 40485);
    }

    #[test]
    fn daylight_saving_in_new_york() {
        let ny = Zone::parse("America/New_York").expect("tz");
        // 2021-01-01T00:00Z is EST (-5), 2021-07-01T00:00Z is EDT (-4).
        assert_eq!(ny.offset_at(1_609_459_200_000), -5 * 3_600_000);
        assert_eq!(ny.offset_at(1_625_097_600_000), -4 * 3_600_000);
        // 2021-03-14 02:30 local does not exist; compatible resolution gives 07:30Z (03:30 EDT).
        let local = 1_615_689_000_000; // 2021-03-14T02:30:00 as local milliseconds
        assert_eq!(ny.to_utc(local), 1_615_689_000_000 + 5 * 3_600_000);
    }
}
