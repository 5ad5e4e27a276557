//! One value on a channel, as a caller hands it over: the feeders (SQL rows, BSON documents,
//! Redis replies) bring their own values down to these three.

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Null,
    Number(f64),
    /// Text, including numbers and dates the database sent as text (NUMERIC, timestamps).
    Text(Cow<'a, str>),
}

impl Value<'_> {
    /// The value as a number: a number, or text that reads as one (`12.50`, `-3e2`).
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Text(t) => t.trim().parse::<f64>().ok(),
            Value::Null => None,
        }
    }

    /// The value as a category label.
    pub fn label(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Number(n) => plain_number(*n),
            Value::Text(t) => t.to_string(),
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }
}

/// A number as a category name: as written, without grouping (the year 2024 stays `2024`).
pub fn plain_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// Milliseconds since the epoch (UTC) of an ISO date or date-time: `2024-03-01`,
/// `2024-03-01 12:30:00`, `2024-03-01T12:30:00.250Z`, `2024-03-01 12:30:00+02`. Times without a
/// zone are read as UTC, so every reader of the chart sees the same axis.
pub fn parse_instant(text: &str) -> Option<f64> {
    use chrono::{DateTime, NaiveDate, NaiveDateTime};
    let t = text.trim();
    if t.len() < 10 || !t.as_bytes()[..4].iter().all(u8::is_ascii_digit) || t.as_bytes()[4] != b'-'
    {
        return None;
    }
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis() as f64);
    }
    let normalized = t.replacen(' ', "T", 1);
    if let Ok(dt) = DateTime::parse_from_rfc3339(&normalized) {
        return Some(dt.timestamp_millis() as f64);
    }
    // PostgreSQL writes zones as `+02` or `+05:30`.
    for format in ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%#z"] {
        if let Ok(dt) = DateTime::parse_from_str(&normalized, format) {
            return Some(dt.timestamp_millis() as f64);
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(&normalized, format) {
            return Some(dt.and_utc().timestamp_millis() as f64);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_in_the_forms_databases_print() {
        // 2024-03-01T00:00:00Z is 1709251200 s after the epoch (date -u -d 2024-03-01 +%s).
        assert_eq!(parse_instant("2024-03-01"), Some(1_709_251_200_000.0));
        assert_eq!(
            parse_instant("2024-03-01 00:00:00"),
            Some(1_709_251_200_000.0)
        );
        assert_eq!(
            parse_instant("2024-03-01T00:00:00Z"),
            Some(1_709_251_200_000.0)
        );
        assert_eq!(
            parse_instant("2024-03-01 02:00:00+02"),
            Some(1_709_251_200_000.0)
        );
        assert_eq!(
            parse_instant("2024-03-01 00:00:00.5"),
            Some(1_709_251_200_500.0)
        );
        assert_eq!(parse_instant("Paris"), None);
        assert_eq!(parse_instant("12345"), None);
    }

    #[test]
    fn numbers_as_categories_are_not_grouped() {
        assert_eq!(Value::Number(2024.0).label(), "2024");
        assert_eq!(Value::Number(2.5).label(), "2.5");
    }
}
