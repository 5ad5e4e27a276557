//! Floating-point values as each database's own client prints them, for the values that do not
//! arrive as the server's text: SQLite's REAL (the `sqlite3` shell prints `%!.15g`: `0.3` for
//! `0.1+0.2`, `1.0` for a whole REAL, `1.0e+300`) and PostgreSQL's binary float4/float8 of a
//! bound `CALL` (the server's shortest round-trip form, exponent below 1e-4 or from 1e15 — 1e6
//! for float4 — as `1e+300`). Text-protocol floats (PostgreSQL, MySQL/MariaDB) are never
//! re-formatted: the server's own text is what psql and mysql show.

/// SQLite's `%!.15g`: 15 significant digits, trailing zeros dropped but at least one decimal
/// (`1.0`), exponent form `1.0e+300` when the exponent is below -4 or at least 15, `Inf`/`-Inf`.
pub fn sqlite_real_text(value: f64) -> String {
    if value.is_nan() {
        // SQLite stores NaN as NULL; nothing prints it, but never panic on one.
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Inf" } else { "-Inf" }.into();
    }
    if value == 0.0 {
        // sqlite3 prints negative zero without its sign.
        return "0.0".into();
    }
    let (mantissa, exponent) = split_exponent(&format!("{value:.14e}"));
    if !(-4..15).contains(&exponent) {
        return format!(
            "{}e{}",
            keep_one_decimal(&mantissa),
            exponent_text(exponent)
        );
    }
    let decimals = usize::try_from(14 - exponent).unwrap_or(0);
    keep_one_decimal(&format!("{value:.decimals$}"))
}

/// PostgreSQL's float output with `extra_float_digits` above 0 (the default): the shortest text
/// that reads back as the same value, `1e+15`, `1e-05`, `-0`, `Infinity`, `NaN`.
pub fn postgres_float_text(value: f64, single: bool) -> String {
    if value.is_nan() {
        return "NaN".into();
    }
    if value.is_infinite() {
        return if value > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let shortest = if single {
        format!("{:e}", value as f32)
    } else {
        format!("{value:e}")
    };
    let (mantissa, exponent) = split_exponent(&shortest);
    let limit = if single { 6 } else { 15 };
    if exponent < -4 || exponent >= limit {
        return format!("{mantissa}e{}", exponent_text(exponent));
    }
    // Shortest digits in fixed notation: Display of the same value gives exactly those.
    if single {
        (value as f32).to_string()
    } else {
        value.to_string()
    }
}

/// `1.5e-7` → (`1.5`, -7).
fn split_exponent(text: &str) -> (String, i32) {
    match text.split_once('e') {
        Some((mantissa, exponent)) => (mantissa.to_string(), exponent.parse().unwrap_or(0)),
        None => (text.to_string(), 0),
    }
}

/// `e+300`, `e-07`: a sign and at least two digits, as C's printf writes exponents.
fn exponent_text(exponent: i32) -> String {
    let sign = if exponent < 0 { '-' } else { '+' };
    format!("{sign}{:02}", exponent.unsigned_abs())
}

/// Drops trailing zeros after the point but keeps one decimal (`%!g`'s `!` flag): `1.50` →
/// `1.5`, `2.000` → `2.0`, `7` → `7.0`.
fn keep_one_decimal(text: &str) -> String {
    let Some((whole, fraction)) = text.split_once('.') else {
        return format!("{text}.0");
    };
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        format!("{whole}.0")
    } else {
        format!("{whole}.{fraction}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values printed by `sqlite3 :memory: "select …"` (3.40.1) on this machine.
    #[test]
    fn sqlite_prints_real_like_the_shell() {
        assert_eq!(sqlite_real_text(0.1 + 0.2), "0.3");
        assert_eq!(sqlite_real_text(1.0), "1.0");
        assert_eq!(sqlite_real_text(1e300), "1.0e+300");
        assert_eq!(sqlite_real_text(1e-7), "1.0e-07");
        assert_eq!(sqlite_real_text(1e15), "1.0e+15");
        assert_eq!(sqlite_real_text(1e14), "100000000000000.0");
        assert_eq!(sqlite_real_text(1e-5), "1.0e-05");
        assert_eq!(sqlite_real_text(0.0001), "0.0001");
        assert_eq!(sqlite_real_text(1.0 / 3.0), "0.333333333333333");
        assert_eq!(
            sqlite_real_text(123_456_789_012_345_678.0),
            "1.23456789012346e+17"
        );
        assert_eq!(sqlite_real_text(-0.0), "0.0");
        assert_eq!(sqlite_real_text(f64::INFINITY), "Inf");
        assert_eq!(sqlite_real_text(f64::NEG_INFINITY), "-Inf");
        assert_eq!(sqlite_real_text(3.402_823_5e38), "3.4028235e+38");
    }

    /// Expected values printed by `psql -Atc "select …"` (PostgreSQL 15) on this machine.
    #[test]
    fn postgres_prints_floats_like_the_server() {
        assert_eq!(postgres_float_text(1e15, false), "1e+15");
        assert_eq!(postgres_float_text(1e14, false), "100000000000000");
        assert_eq!(postgres_float_text(1e-5, false), "1e-05");
        assert_eq!(postgres_float_text(0.0001, false), "0.0001");
        assert_eq!(postgres_float_text(1e300, false), "1e+300");
        assert_eq!(postgres_float_text(-0.0, false), "-0");
        assert_eq!(postgres_float_text(f64::NAN, false), "NaN");
        assert_eq!(postgres_float_text(1_234_567.0, true), "1.234567e+06");
        assert_eq!(postgres_float_text(123_456.0, true), "123456");
        assert_eq!(postgres_float_text(f64::from(1.5e-7_f32), true), "1.5e-07");
    }
}
