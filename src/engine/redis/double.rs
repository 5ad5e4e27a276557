//! RESP3 doubles as the server's own text.
//!
//! redis-cli prints a RESP3 double (`ZSCORE`, `ZINCRBY`, `HELLO 3` sessions) as the characters the
//! server sent: `(double) 1.0000000000000001e+300`. The driver hands us only the parsed `f64`, so
//! the server's formatting is rebuilt here. The format depends on the server version: before 7.2
//! Redis formats with C's `%.17g` (17 significant digits, so `0.1` arrives as
//! `0.10000000000000001`); from 7.2 it sends the shortest text that reads back as the same number,
//! laid out the same way (`%g` style: an exponent below 1e-4 and from 1e17). Infinities and NaN
//! are `inf`, `-inf` and `nan` in both.

/// How the connected server writes doubles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DoubleStyle {
    /// `%.17g`, Redis before 7.2 (and when the version is unknown: the older form is exact).
    #[default]
    Printf17,
    /// Shortest round-trip digits, Redis 7.2 and later.
    Shortest,
}

impl DoubleStyle {
    /// The style of a server reporting `version` (`7.0.15`, `7.2.4`).
    pub fn for_version(version: &str) -> DoubleStyle {
        let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let major = parts.next().unwrap_or(0);
        let minor = parts.next().unwrap_or(0);
        if (major, minor) >= (7, 2) {
            DoubleStyle::Shortest
        } else {
            DoubleStyle::Printf17
        }
    }

    /// The text the server sent for `value`.
    pub fn text(self, value: f64) -> String {
        if value.is_nan() {
            return "nan".into();
        }
        if value.is_infinite() {
            return if value > 0.0 { "inf" } else { "-inf" }.into();
        }
        // Scientific form with the digits this style keeps: mantissa digits and the exponent.
        let scientific = match self {
            DoubleStyle::Printf17 => format!("{value:.16e}"),
            DoubleStyle::Shortest => format!("{value:e}"),
        };
        let (mantissa, exponent) = scientific
            .split_once('e')
            .unwrap_or((scientific.as_str(), "0"));
        let exponent: i32 = exponent.parse().unwrap_or(0);
        let negative = mantissa.starts_with('-');
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let digits = digits.trim_end_matches('0');
        let digits = if digits.is_empty() { "0" } else { digits };
        let sign = if negative { "-" } else { "" };
        if value == 0.0 {
            return format!("{sign}0");
        }
        if !(-4..17).contains(&exponent) {
            let (first, rest) = digits.split_at(1);
            let fraction = if rest.is_empty() {
                String::new()
            } else {
                format!(".{rest}")
            };
            let exp_sign = if exponent < 0 { '-' } else { '+' };
            return format!("{sign}{first}{fraction}e{exp_sign}{:02}", exponent.abs());
        }
        // Fixed notation: the point sits `exponent + 1` digits into the digit string.
        let point = exponent + 1;
        let text = if point <= 0 {
            format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
        } else if point as usize >= digits.len() {
            format!("{digits}{}", "0".repeat(point as usize - digits.len()))
        } else {
            let (whole, fraction) = digits.split_at(point as usize);
            format!("{whole}.{fraction}")
        };
        format!("{sign}{text}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected texts are what redis-server 7.0 (and C's printf("%.17g")) prints.
    #[test]
    fn printf17_matches_c() {
        let t = |v: f64| DoubleStyle::Printf17.text(v);
        assert_eq!(t(1.5), "1.5");
        assert_eq!(t(1e300), "1.0000000000000001e+300");
        assert_eq!(t(0.1), "0.10000000000000001");
        assert_eq!(t(3.0), "3");
        assert_eq!(t(-2.25), "-2.25");
        assert_eq!(t(1e-5), "1.0000000000000001e-05");
        assert_eq!(t(0.0001), "0.0001");
        assert_eq!(t(1e16), "10000000000000000");
        assert_eq!(t(1e17), "1e+17");
        assert_eq!(t(0.0), "0");
        assert_eq!(t(-0.0), "-0");
        assert_eq!(t(f64::INFINITY), "inf");
        assert_eq!(t(f64::NEG_INFINITY), "-inf");
        assert_eq!(t(f64::NAN), "nan");
    }

    #[test]
    fn shortest_keeps_the_layout() {
        let t = |v: f64| DoubleStyle::Shortest.text(v);
        assert_eq!(t(0.1), "0.1");
        assert_eq!(t(1e300), "1e+300");
        assert_eq!(t(123.456), "123.456");
        assert_eq!(t(1e-7), "1e-07");
        assert_eq!(t(100.0), "100");
    }

    #[test]
    fn versions_pick_the_style() {
        assert_eq!(DoubleStyle::for_version("7.0.15"), DoubleStyle::Printf17);
        assert_eq!(DoubleStyle::for_version("6.2.1"), DoubleStyle::Printf17);
        assert_eq!(DoubleStyle::for_version("7.2.4"), DoubleStyle::Shortest);
        assert_eq!(DoubleStyle::for_version("8.0.0"), DoubleStyle::Shortest);
    }
}
