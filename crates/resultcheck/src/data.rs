//! The shapes a checked result can have: a table, documents, a list of elements, one value.

use crate::value::Value;

#[derive(Debug, Clone, PartialEq)]
pub enum Data {
    /// Rows under named columns (SQL results, inline tables).
    Table {
        columns: Vec<String>,
        rows: Vec<Vec<Value>>,
    },
    /// Documents: records that may each have different fields.
    Documents(Vec<Vec<(String, Value)>>),
    /// A list of elements (a Redis array reply, a mongosh array of non-documents).
    Elements(Vec<Value>),
    /// One value (a count, a status, a Redis hash as a record, a `%set` scalar).
    Single(Value),
}

impl Data {
    /// A single list value is its elements, and elements that are all records are documents:
    /// `[{a: 1}]` written inline checks a `find()` result.
    pub fn normalized(self) -> Data {
        match self {
            Data::Single(Value::List(items)) | Data::Elements(items) => {
                if !items.is_empty() && items.iter().all(|i| matches!(i, Value::Record(_))) {
                    Data::Documents(
                        items
                            .into_iter()
                            .map(|i| match i {
                                Value::Record(fields) => fields,
                                _ => unreachable!("all items are records"),
                            })
                            .collect(),
                    )
                } else {
                    Data::Elements(items)
                }
            }
            other => other,
        }
    }

    /// "a table of 3 rows", "2 documents", "the value 42": for shape mismatches.
    pub fn describe(&self) -> String {
        match self {
            Data::Table { columns, rows } => format!(
                "a table of {} ({})",
                plural(rows.len(), "row"),
                plural(columns.len(), "column")
            ),
            Data::Documents(docs) => plural(docs.len(), "document"),
            Data::Elements(items) => format!("a list of {}", plural(items.len(), "element")),
            Data::Single(value) => format!("the value {value}"),
        }
    }
}

pub(crate) fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
