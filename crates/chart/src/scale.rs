//! Axis domains and ticks at "nice" numbers (1, 2 or 5 times a power of ten; Heckbert's
//! method), and time ticks at round durations. Decided once per chart: the Vega-Lite spec gets
//! the domain explicitly and the SVG draws these ticks, so both show the same axis.

/// A linear axis: its domain (ends on ticks) and the ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    pub min: f64,
    pub max: f64,
    pub ticks: Vec<f64>,
    pub step: f64,
}

impl Axis {
    /// Where `value` falls between 0 (min) and 1 (max).
    pub fn fraction(&self, value: f64) -> f64 {
        if self.max == self.min {
            0.5
        } else {
            (value - self.min) / (self.max - self.min)
        }
    }
}

/// The nice number near `x`: rounded (for steps) or the next one up (for ranges).
fn nice(x: f64, round: bool) -> f64 {
    let exponent = x.log10().floor();
    let fraction = x / 10f64.powf(exponent);
    let nice = if round {
        match fraction {
            f if f < 1.5 => 1.0,
            f if f < 3.0 => 2.0,
            f if f < 7.0 => 5.0,
            _ => 10.0,
        }
    } else {
        match fraction {
            f if f <= 1.0 => 1.0,
            f if f <= 2.0 => 2.0,
            f if f <= 5.0 => 5.0,
            _ => 10.0,
        }
    };
    nice * 10f64.powf(exponent)
}

/// A nice step for splitting `span` into about `count` parts.
pub fn nice_step(span: f64, count: usize) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    nice(span / count.max(1) as f64, true)
}

/// An axis covering `lo..=hi` with about `count` ticks, widened to ticks at both ends.
/// `zero` includes 0 (bars and areas grow from it).
pub fn linear(lo: f64, hi: f64, count: usize, zero: bool) -> Axis {
    let (mut lo, mut hi) = if lo.is_finite() && hi.is_finite() && lo <= hi {
        (lo, hi)
    } else {
        (0.0, 1.0)
    };
    if zero {
        lo = lo.min(0.0);
        hi = hi.max(0.0);
    }
    if lo == hi {
        let pad = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        lo -= pad;
        hi += pad;
        if zero {
            lo = lo.max(0.0).min(hi.min(0.0));
        }
    }
    let range = nice(hi - lo, false);
    let step = nice(range / (count.max(2) - 1) as f64, true);
    let min = (lo / step).floor() * step;
    let max = (hi / step).ceil() * step;
    let mut ticks = Vec::new();
    let n = ((max - min) / step).round() as i64;
    for i in 0..=n {
        // Multiplying from the start (not adding steps) keeps 0.1 * 3 from drifting to 0.30000000000000004.
        ticks.push(clean(min + step * i as f64, step));
    }
    Axis {
        min: clean(min, step),
        max: clean(max, step),
        ticks,
        step,
    }
}

/// `value` rounded to the decimals `step` has, so labels read `0.3`, not `0.30000000000000004`.
fn clean(value: f64, step: f64) -> f64 {
    let decimals = (-step.log10().floor()).max(0.0) as i32 + 1;
    let factor = 10f64.powi(decimals.min(15));
    let rounded = (value * factor).round() / factor;
    if rounded == 0.0 { 0.0 } else { rounded }
}

/// Time steps in milliseconds, and how a tick at that step is labelled (strftime).
const TIME_STEPS: &[(f64, &str)] = &[
    (1_000.0, "%H:%M:%S"),
    (5_000.0, "%H:%M:%S"),
    (15_000.0, "%H:%M:%S"),
    (30_000.0, "%H:%M:%S"),
    (60_000.0, "%H:%M"),
    (300_000.0, "%H:%M"),
    (900_000.0, "%H:%M"),
    (1_800_000.0, "%H:%M"),
    (3_600_000.0, "%H:%M"),
    (10_800_000.0, "%m-%d %H:%M"),
    (21_600_000.0, "%m-%d %H:%M"),
    (43_200_000.0, "%m-%d %H:%M"),
    (86_400_000.0, "%Y-%m-%d"),
    (172_800_000.0, "%Y-%m-%d"),
    (604_800_000.0, "%Y-%m-%d"),
    (1_209_600_000.0, "%Y-%m-%d"),
    (2_592_000_000.0, "%Y-%m-%d"),
    (7_776_000_000.0, "%Y-%m-%d"),
    (31_536_000_000.0, "%Y-%m-%d"),
];

/// A time axis over `lo..=hi` (ms since the epoch, UTC) with about `count` ticks; the domain is
/// the data's own range (time axes do not widen to ticks, as Vega-Lite's do not).
pub fn time(lo: f64, hi: f64, count: usize) -> (Axis, &'static str) {
    let (lo, hi) = if lo < hi {
        (lo, hi)
    } else {
        (lo - 43_200_000.0, hi + 43_200_000.0)
    };
    let span = hi - lo;
    let &(step, format) = TIME_STEPS
        .iter()
        .find(|(step, _)| span / step <= count.max(1) as f64)
        .unwrap_or(&TIME_STEPS[TIME_STEPS.len() - 1]);
    let step = if span / step > count as f64 * 2.0 {
        // Beyond the table (centuries): whole multiples of a year.
        step * nice(span / step / count as f64, true)
    } else {
        step
    };
    let mut ticks = Vec::new();
    let mut t = (lo / step).ceil() * step;
    while t <= hi {
        ticks.push(t);
        t += step;
    }
    (
        Axis {
            min: lo,
            max: hi,
            ticks,
            step,
        },
        format,
    )
}

/// A UTC instant in ms as text in `format`.
pub fn format_instant(ms: f64, format: &str) -> String {
    match chrono::DateTime::from_timestamp_millis(ms as i64) {
        Some(dt) => dt.format(format).to_string(),
        None => format_number(ms),
    }
}

/// An instant as the ISO text put into the spec's data (`2024-03-01T00:00:00.000Z`).
pub fn iso_instant(ms: f64) -> String {
    format_instant(ms, "%Y-%m-%dT%H:%M:%S%.3fZ")
}

/// A number as a label: integers without a fraction, thousands grouped beyond 9999, large and
/// tiny magnitudes with an SI-free exponent form.
pub fn format_number(n: f64) -> String {
    if !n.is_finite() {
        return n.to_string();
    }
    if n != 0.0 && (n.abs() >= 1e15 || n.abs() < 1e-4) {
        return format!("{n:e}");
    }
    if n.fract() == 0.0 {
        let digits = format!("{}", n.abs() as i64);
        let grouped = if digits.len() > 3 {
            let mut out = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            out
        } else {
            digits
        };
        return if n < 0.0 {
            format!("-{grouped}")
        } else {
            grouped
        };
    }
    let text = format!("{:.6}", n);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_nice_numbers_covering_the_data() {
        let axis = linear(3.0, 97.0, 5, true);
        assert_eq!(axis.min, 0.0);
        assert_eq!(axis.max, 100.0);
        assert_eq!(axis.ticks, vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
        let axis = linear(0.12, 0.38, 5, false);
        // range nice(0.26) = 0.5, step nice(0.5 / 4) = 0.1
        assert_eq!(axis.ticks, vec![0.1, 0.2, 0.3, 0.4]);
    }

    #[test]
    fn one_value_still_gets_an_axis() {
        let axis = linear(5.0, 5.0, 5, false);
        assert!(axis.min < 5.0 && axis.max > 5.0, "{axis:?}");
        let axis = linear(0.0, 0.0, 5, true);
        assert!(axis.max > 0.0);
    }

    #[test]
    fn time_ticks_fall_on_days() {
        // 2024-03-01 .. 2024-03-08, about 8 ticks: one a day at midnight UTC.
        let (axis, format) = time(1_709_251_200_000.0, 1_709_856_000_000.0, 8);
        assert_eq!(axis.step, 86_400_000.0);
        assert_eq!(format_instant(axis.ticks[0], format), "2024-03-01");
        assert_eq!(axis.ticks.len(), 8);
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(format_number(12000.0), "12,000");
        assert_eq!(format_number(-1234567.0), "-1,234,567");
        assert_eq!(format_number(0.25), "0.25");
        assert_eq!(format_number(2.0), "2");
    }
}
