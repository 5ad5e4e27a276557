//! Numbers as people read them: `1.24 ms`, `12 s`, `1.2M rows`, `×120 under`.

/// `0.042 ms`, `3.1 ms`, `250 ms`, `12.4 s`.
pub fn ms(value: f64) -> String {
    if value >= 10_000.0 {
        format!("{:.1} s", value / 1000.0)
    } else if value >= 100.0 {
        format!("{value:.0} ms")
    } else if value >= 1.0 {
        format!("{value:.2} ms")
    } else {
        format!("{value:.3} ms")
    }
}

/// Row counts: whole numbers as they are up to a million, then `1.2M`; fractions (averages per
/// loop) with two decimals.
pub fn rows(value: f64) -> String {
    if value >= 1e9 {
        format!("{:.1}G", value / 1e9)
    } else if value >= 1e6 {
        format!("{:.1}M", value / 1e6)
    } else if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

/// Costs and other figures: at most two decimals, none when whole.
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 || value >= 1000.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
    }
}

/// A misestimate factor, never rounded up past a threshold it did not reach: `9.9`, `95`.
pub fn factor(value: f64) -> String {
    if value < 10.0 {
        format!("{:.1}", (value * 10.0).floor() / 10.0)
    } else {
        format!("{:.0}", value.floor())
    }
}

/// `12 %`, `0.4 %`.
pub fn percent(share: f64) -> String {
    let p = share * 100.0;
    if p >= 10.0 || p == 0.0 {
        format!("{p:.0} %")
    } else {
        format!("{p:.1} %")
    }
}

/// kB as `512 kB`, `12 MB`.
pub fn kilobytes(kb: f64) -> String {
    if kb >= 1024.0 * 1024.0 {
        format!("{:.1} GB", kb / 1024.0 / 1024.0)
    } else if kb >= 1024.0 {
        format!("{:.1} MB", kb / 1024.0)
    } else {
        format!("{kb:.0} kB")
    }
}

/// The misestimate factor of actual against estimated rows, with its direction: `(12.0,
/// "under")` when the planner expected 12 times fewer rows than came. `None` when either side
/// is missing; 0 rows count as 1 (as pev2 does) so the factor stays finite.
pub fn misestimate(actual: f64, estimated: f64) -> (f64, &'static str) {
    let a = actual.max(1.0);
    let e = estimated.max(1.0);
    if a >= e {
        (a / e, "under")
    } else {
        (e / a, "over")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_naturally() {
        assert_eq!(ms(0.0421), "0.042 ms");
        assert_eq!(ms(12.345), "12.35 ms");
        assert_eq!(ms(12_400.0), "12.4 s");
        assert_eq!(rows(1_250_000.0), "1.2M");
        assert_eq!(rows(3.0), "3");
        assert_eq!(percent(0.004), "0.4 %");
        assert_eq!(kilobytes(2048.0), "2.0 MB");
        assert_eq!(misestimate(1000.0, 10.0), (100.0, "under"));
        assert_eq!(misestimate(0.0, 50.0), (50.0, "over"));
    }
}
