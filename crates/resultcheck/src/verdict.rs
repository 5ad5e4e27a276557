//! A check's outcome: passed or not, and every difference in words a student can act on.

use std::fmt;

use crate::data::plural;
use crate::options::Order;
use crate::value::{FieldDifference, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub passed: bool,
    /// Passed: what matched ("3 rows match"); failed: the counts ("1 missing row, 1 extra row").
    pub summary: String,
    pub order: Order,
    pub differences: Vec<Difference>,
}

impl Verdict {
    pub(crate) fn passed(summary: String, order: Order) -> Verdict {
        Verdict {
            passed: true,
            summary,
            order,
            differences: Vec::new(),
        }
    }

    pub(crate) fn failed(differences: Vec<Difference>, order: Order) -> Verdict {
        Verdict {
            passed: false,
            summary: summarize(&differences),
            order,
            differences,
        }
    }

    /// The first `max` differences as lines, then how many more there are.
    pub fn lines(&self, max: usize) -> Vec<String> {
        let mut lines: Vec<String> = self
            .differences
            .iter()
            .take(max)
            .map(ToString::to_string)
            .collect();
        if self.differences.len() > max {
            let rest = self.differences.len() - max;
            lines.push(if rest == 1 {
                "… and 1 more difference".to_string()
            } else {
                format!("… and {rest} more differences")
            });
        }
        lines
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Difference {
    /// The two sides are different kinds of thing (a table and a single value).
    Shape {
        actual: String,
        expected: String,
    },
    MissingColumn(String),
    UnexpectedColumn(String),
    ColumnOrder {
        actual: Vec<String>,
        expected: Vec<String>,
    },
    /// The right items in another order (ordered comparisons only).
    OutOfOrder {
        noun: &'static str,
        position: usize,
    },
    /// An item (row with its fields) whose values differ from the expected one.
    Wrong {
        noun: &'static str,
        label: String,
        fields: Vec<FieldDifference>,
    },
    /// A non-record item or value that differs.
    Different {
        noun: &'static str,
        position: Option<usize>,
        actual: Value,
        expected: Value,
    },
    Missing {
        noun: &'static str,
        position: Option<usize>,
        item: Value,
    },
    Extra {
        noun: &'static str,
        position: Option<usize>,
        item: Value,
    },
    /// A field of a single record value (a Redis hash) that differs.
    Field(FieldDifference),
}

fn summarize(differences: &[Difference]) -> String {
    let mut counts: Vec<(String, usize)> = Vec::new();
    let mut add = |label: String| match counts.iter_mut().find(|(l, _)| *l == label) {
        Some((_, n)) => *n += 1,
        None => counts.push((label, 1)),
    };
    for difference in differences {
        add(match difference {
            Difference::Shape { .. } => "different shape".into(),
            Difference::MissingColumn(_) => "missing column".into(),
            Difference::UnexpectedColumn(_) => "unexpected column".into(),
            Difference::ColumnOrder { .. } => "column order".into(),
            Difference::OutOfOrder { noun, .. } => format!("{noun} order"),
            Difference::Wrong { .. } | Difference::Different { .. } | Difference::Field(_) => {
                "wrong value".into()
            }
            Difference::Missing { noun, .. } => format!("missing {noun}"),
            Difference::Extra { noun, .. } => format!("extra {noun}"),
        });
    }
    counts
        .iter()
        .map(|(label, n)| match label.as_str() {
            "different shape" => "a different kind of result".to_string(),
            "column order" => "columns in another order".to_string(),
            l if l.ends_with(" order") => format!("{}s in another order", &l[..l.len() - 6]),
            l => plural(*n, l),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A row or document as it reads in a diff: `name = 'Ada', salary = 120000` for rows.
fn item_text(noun: &str, item: &Value) -> String {
    match (noun, item) {
        ("row", Value::Record(fields)) => fields
            .iter()
            .map(|(name, value)| format!("{name} = {value}"))
            .collect::<Vec<_>>()
            .join(", "),
        _ => item.to_string(),
    }
}

fn at(noun: &str, position: Option<usize>) -> String {
    match position {
        Some(p) => format!("{noun} {p}"),
        None => noun.to_string(),
    }
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Shape { actual, expected } => {
                write!(f, "the result is {actual}; the expectation is {expected}")
            }
            Difference::MissingColumn(name) => write!(f, "missing column {name}"),
            Difference::UnexpectedColumn(name) => write!(
                f,
                "unexpected column {name} (the expectation does not have it; --extra-columns allows it)"
            ),
            Difference::ColumnOrder { actual, expected } => write!(
                f,
                "columns come in the order {}; expected {}",
                actual.join(", "),
                expected.join(", ")
            ),
            Difference::OutOfOrder { noun, position } => write!(
                f,
                "the same {noun}s are there, in another order (first out of place: {noun} {position})"
            ),
            Difference::Wrong { label, fields, .. } => {
                let what = if fields.len() == 1 {
                    "wrong value"
                } else {
                    "wrong values"
                };
                let fields: Vec<String> = fields.iter().map(ToString::to_string).collect();
                write!(f, "{what} in {label}: {}", fields.join("; "))
            }
            Difference::Different {
                noun,
                position,
                actual,
                expected,
            } => match position {
                Some(p) => write!(f, "{noun} {p} is {actual}, expected {expected}"),
                None => write!(f, "the {noun} is {actual}, expected {expected}"),
            },
            Difference::Missing {
                noun,
                position,
                item,
            } => write!(
                f,
                "missing {} (expected, not in the result): {}",
                at(noun, *position),
                item_text(noun, item)
            ),
            Difference::Extra {
                noun,
                position,
                item,
            } => write!(
                f,
                "extra {} (in the result, not expected): {}",
                at(noun, *position),
                item_text(noun, item)
            ),
            Difference::Field(field) => write!(f, "{field}"),
        }
    }
}
