//! What can go wrong with a chart, written for the user: what, where, how to fix it.

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ChartError {
    /// The request itself (kind, `key=value` words).
    #[error("{0}")]
    Usage(String),
    /// A named column or field the result does not have.
    #[error("{0}")]
    UnknownColumn(String),
    /// Values that this chart cannot draw (text on a numeric axis, too many categories).
    #[error("{0}")]
    Data(String),
}

/// "column 'totl' is not in the result; did you mean 'total'? columns: city, total".
pub fn unknown_column(role: &str, name: &str, known: &[String], noun: &str) -> ChartError {
    let best = known
        .iter()
        .map(|k| {
            (
                strsim::damerau_levenshtein(&name.to_lowercase(), &k.to_lowercase()),
                k,
            )
        })
        .filter(|(d, k)| *d <= (k.chars().count().max(name.chars().count()) / 2).max(2))
        .min_by_key(|(d, _)| *d);
    let hint = match best {
        Some((_, k)) => format!("; did you mean '{k}'?"),
        None => String::new(),
    };
    let listing = if known.is_empty() {
        format!(" (the result has no {noun}s)")
    } else {
        let shown: Vec<&str> = known.iter().take(30).map(String::as_str).collect();
        let more = if known.len() > 30 { ", …" } else { "" };
        format!(" ({noun}s: {}{more})", shown.join(", "))
    };
    ChartError::UnknownColumn(format!(
        "{role}={name}: no {noun} named '{name}' in the result{hint}{listing}; nothing was drawn"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name() {
        let known = vec!["city".to_string(), "total".to_string()];
        let e = unknown_column("y", "totl", &known, "column").to_string();
        assert!(e.contains("did you mean 'total'?"), "{e}");
        assert!(e.contains("columns: city, total"), "{e}");
    }

    #[test]
    fn no_suggestion_when_nothing_is_close() {
        let known = vec!["city".to_string()];
        let e = unknown_column("x", "zzzzzzzz", &known, "column").to_string();
        assert!(!e.contains("did you mean"), "{e}");
    }
}
