//! What the user asked for: a chart kind and the columns on each channel, from words such as
//! `bar x=city y=total color=region title="Sales"` (the same words after `--chart` on a cell
//! magic line and after the variable name of `%chart`).

use crate::error::ChartError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Bar,
    Line,
    Area,
    Scatter,
    Histogram,
}

impl Kind {
    pub const NAMES: &'static str = "bar, line, area, scatter, histogram";

    pub fn from_name(name: &str) -> Option<Kind> {
        Some(match name.to_ascii_lowercase().as_str() {
            "bar" => Kind::Bar,
            "line" => Kind::Line,
            "area" => Kind::Area,
            "scatter" | "point" => Kind::Scatter,
            "histogram" | "hist" => Kind::Histogram,
            _ => return None,
        })
    }

    /// Every kind, in the order [`Kind::NAMES`] lists them.
    pub const ALL: [Kind; 5] = [
        Kind::Bar,
        Kind::Line,
        Kind::Area,
        Kind::Scatter,
        Kind::Histogram,
    ];

    /// The settings a chart of this kind takes (what [`Request::parse`] accepts for it), for
    /// completion.
    pub fn settings(self) -> &'static [&'static str] {
        match self {
            Kind::Histogram => &["x", "bins", "title"],
            _ => &["x", "y", "color", "title"],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Bar => "bar",
            Kind::Line => "line",
            Kind::Area => "area",
            Kind::Scatter => "scatter",
            Kind::Histogram => "histogram",
        }
    }
}

/// A chart request. `y` is optional for a bar chart (rows are counted per category) and refused
/// for a histogram (it counts rows per bin of x).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub kind: Kind,
    pub x: String,
    pub y: Option<String>,
    pub color: Option<String>,
    pub title: Option<String>,
    /// Histogram: about how many bins (default 20).
    pub bins: Option<usize>,
}

pub const USAGE: &str = "KIND x=COLUMN [y=COLUMN] [color=COLUMN] [title=TEXT] [bins=N], \
     KIND one of bar, line, area, scatter, histogram";

impl Request {
    /// Parses the words after `--chart` (or after `%chart VAR`).
    pub fn parse(words: &[String]) -> Result<Request, ChartError> {
        let usage = |msg: String| ChartError::Usage(format!("{msg}; a chart is {USAGE}"));
        let Some((kind_word, rest)) = words.split_first() else {
            return Err(usage("the chart kind is missing".into()));
        };
        let kind = Kind::from_name(kind_word).ok_or_else(|| {
            usage(format!(
                "unknown chart kind '{kind_word}' (known: {})",
                Kind::NAMES
            ))
        })?;
        let (mut x, mut y, mut color, mut title, mut bins) = (None, None, None, None, None);
        for word in rest {
            let Some((key, value)) = word.split_once('=') else {
                return Err(usage(format!("'{word}' is not KEY=VALUE")));
            };
            if value.is_empty() {
                return Err(usage(format!("{key}= needs a value")));
            }
            let slot = match key.to_ascii_lowercase().as_str() {
                "x" => &mut x,
                "y" => &mut y,
                "color" | "colour" => &mut color,
                "title" => &mut title,
                "bins" => &mut bins,
                other => {
                    return Err(usage(format!(
                        "unknown chart setting '{other}' (known: x, y, color, title, bins)"
                    )));
                }
            };
            if slot.is_some() {
                return Err(usage(format!("{key}= is given twice")));
            }
            *slot = Some(value.to_string());
        }
        let x = x.ok_or_else(|| usage(format!("a {} chart needs x=COLUMN", kind.name())))?;
        let bins = match bins {
            None => None,
            Some(b) if kind != Kind::Histogram => {
                return Err(usage(format!(
                    "bins={b} is for histograms; a {} chart has no bins",
                    kind.name()
                )));
            }
            Some(b) => Some(
                b.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=200).contains(n))
                    .ok_or_else(|| {
                        usage(format!("bins= expects a number from 1 to 200, got '{b}'"))
                    })?,
            ),
        };
        match kind {
            Kind::Histogram if y.is_some() => {
                return Err(usage(
                    "a histogram counts rows per bin of x; y= is not used by it (drop y=, or \
                     use a bar chart to sum y per category)"
                        .into(),
                ));
            }
            Kind::Histogram if color.is_some() => {
                return Err(usage(
                    "color= is not supported for histograms (one histogram per chart)".into(),
                ));
            }
            Kind::Line | Kind::Area | Kind::Scatter if y.is_none() => {
                return Err(usage(format!("a {} chart needs y=COLUMN", kind.name())));
            }
            _ => {}
        }
        Ok(Request {
            kind,
            x,
            y,
            color,
            title,
            bins,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn every_setting_completion_offers_is_accepted_by_the_parser() {
        for kind in Kind::ALL {
            let words: Vec<String> = std::iter::once(kind.name().to_string())
                .chain(kind.settings().iter().map(|key| match *key {
                    "bins" => "bins=5".to_string(),
                    key => format!("{key}=a"),
                }))
                .collect();
            assert!(Request::parse(&words).is_ok(), "{words:?}");
        }
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.join(", "), Kind::NAMES);
    }

    #[test]
    fn parses_kind_and_channels() {
        let r = Request::parse(&words("bar x=city y=total color=region")).unwrap();
        assert_eq!(r.kind, Kind::Bar);
        assert_eq!(r.x, "city");
        assert_eq!(r.y.as_deref(), Some("total"));
        assert_eq!(r.color.as_deref(), Some("region"));
    }

    #[test]
    fn unknown_kind_names_the_known_ones() {
        let e = Request::parse(&words("pie x=a")).unwrap_err().to_string();
        assert!(e.contains("unknown chart kind 'pie'"), "{e}");
        assert!(e.contains("bar, line, area, scatter, histogram"), "{e}");
    }

    #[test]
    fn refuses_what_it_would_otherwise_ignore() {
        assert!(Request::parse(&words("histogram x=a y=b")).is_err());
        assert!(Request::parse(&words("bar x=a bins=3")).is_err());
        assert!(Request::parse(&words("line x=a")).is_err());
        assert!(Request::parse(&words("bar x=a size=3")).is_err());
        assert!(Request::parse(&words("bar x=a x=b")).is_err());
        assert!(Request::parse(&words("bar y=a")).is_err());
    }
}
