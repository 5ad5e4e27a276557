//! Conversions at the MQL engine's edges: kernel variables → BSON for `{{name}}`, mongosh outputs
//! → engine-neutral results, mongosh and server errors → `EngineError`.

use std::time::Duration;

use bson::{Bson, Document};

use crate::engine::EngineError;
use crate::result::{Documents, Provenance, QueryResult, Value};
use crate::session::variables::{Scalar, SharedVariables, Variable};

/// The kernel variables named in `names` (those a cell reads) as BSON values (tables become
/// arrays of row documents). Names that are not set are left out: the planner says so.
pub fn kernel_variables(variables: &SharedVariables, names: &[&str]) -> Vec<(String, Bson)> {
    let vars = variables.lock();
    names
        .iter()
        .filter_map(|name| Some((name.to_string(), variable_to_bson(vars.get(name)?))))
        .collect()
}

pub fn variable_to_bson(value: &Variable) -> Bson {
    match value {
        Variable::Scalar(Scalar::Null) => Bson::Null,
        Variable::Scalar(Scalar::Bool(b)) => Bson::Boolean(*b),
        Variable::Scalar(Scalar::Int(i)) => i32::try_from(*i)
            .map(Bson::Int32)
            .unwrap_or(Bson::Int64(*i)),
        Variable::Scalar(Scalar::Float(f)) => Bson::Double(*f),
        Variable::Scalar(Scalar::Text(s)) => Bson::String(s.clone()),
        Variable::Documents(docs) => {
            Bson::Array(docs.iter().cloned().map(Bson::Document).collect())
        }
        Variable::Bson(b) => b.clone(),
        Variable::Table(table) => {
            let mut rows = Vec::with_capacity(table.shown_rows());
            for row in 0..table.shown_rows() {
                let mut doc = Document::new();
                for (col, column) in table.columns.iter().enumerate() {
                    let value = match table.cell_text(row, col) {
                        None => Bson::Null,
                        Some(text) => cell_to_bson(column.kind, text),
                    };
                    doc.insert(column.name.clone(), value);
                }
                rows.push(Bson::Document(doc));
            }
            Bson::Array(rows)
        }
        Variable::Redis(_) => Bson::Null,
    }
}

/// One SQL value as the BSON a mongosh user would have typed for it:
/// - an integer is an Int32 when it fits (what mongosh stores for the literal `5`), else an
///   Int64 (`Long`): mongosh would make a JavaScript number of it, a double that loses digits
///   beyond 2^53, and a Long keeps every digit;
/// - a float (REAL, DOUBLE, float8) is a Double, infinities and NaN included;
/// - an exact decimal (NUMERIC, DECIMAL) is a Decimal128 (`NumberDecimal('1.50')`, digits and
///   scale kept); one Decimal128 cannot hold exactly (over 34 digits, or `money` text) stays text;
/// - a boolean is a Boolean; a JSON value becomes the document, array or value it spells (text
///   when it is not valid JSON);
/// - everything else (text, dates and times, binary shown as text) is the server's text.
fn cell_to_bson(kind: crate::result::ValueKind, text: String) -> Bson {
    use crate::result::ValueKind;
    match kind {
        ValueKind::Integer => match text.parse::<i64>() {
            Ok(i) => i32::try_from(i).map(Bson::Int32).unwrap_or(Bson::Int64(i)),
            Err(_) => Bson::String(text),
        },
        ValueKind::Float => text
            .parse::<f64>()
            .map(Bson::Double)
            .unwrap_or(Bson::String(text)),
        ValueKind::Decimal => text
            .parse::<bson::Decimal128>()
            .map(Bson::Decimal128)
            .unwrap_or(Bson::String(text)),
        ValueKind::Boolean => match text.as_str() {
            "true" | "t" | "1" => Bson::Boolean(true),
            "false" | "f" | "0" => Bson::Boolean(false),
            _ => Bson::String(text),
        },
        ValueKind::Json => serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|json| Bson::try_from(json).ok())
            .unwrap_or(Bson::String(text)),
        _ => Bson::String(text),
    }
}

/// A mongosh output as a result to render; `None` when mongosh prints nothing.
pub fn output_to_result(
    output: mongosh::Output,
    connection: &str,
    elapsed: Duration,
    limit: usize,
    json_tree: bool,
) -> Option<QueryResult> {
    let provenance = Provenance {
        connection: connection.to_string(),
        elapsed,
        note: None,
    };
    match output {
        mongosh::Output::Documents {
            mut documents,
            total,
        } => {
            documents.truncate(limit);
            Some(QueryResult::Documents(Documents {
                documents,
                total,
                provenance,
                json_tree,
            }))
        }
        mongosh::Output::Value(Bson::Undefined) => None,
        mongosh::Output::Value(value) => {
            let text = mongosh::inspect::format(&value);
            Some(QueryResult::Value(Value {
                value,
                text,
                json_tree,
            }))
        }
        mongosh::Output::Text(text) if text.is_empty() => None,
        mongosh::Output::Text(text) => Some(QueryResult::Text(text)),
    }
}

/// Positions in these errors are cell lines: the engine parses the body padded with one empty
/// line per line above it (the `%%mql` line), so no offset arithmetic is needed here.
pub fn parse_error(error: &mongosh::ParseError, source: &str) -> EngineError {
    let mut lines: Vec<String> = error.render(source).lines().map(str::to_string).collect();
    let head = if lines.is_empty() {
        error.to_string()
    } else {
        lines.remove(0)
    };
    let mut e = EngineError::new("MongoshSyntaxError", head);
    e.detail = lines;
    pasted_code(e, source)
}

/// Node.js or Python code pasted into the cell: say so (and what to write) before what mongosh
/// made of it (`require is not a function`), which comes last.
fn pasted_code(error: EngineError, source: &str) -> EngineError {
    use crate::engine::Language;
    let Some(pasted) = crate::engine::pasted::detect(source, Language::Mql) else {
        return error;
    };
    let mut e = EngineError::new(error.ename.clone(), pasted.headline(1, Language::Mql));
    for line in pasted.advice(Language::Mql) {
        e = e.with_detail(line);
    }
    e = e.with_detail(format!("mongosh: {}", error.evalue));
    e.detail.extend(error.detail);
    e
}

pub fn plan_error(error: &mongosh::PlanError, source: &str) -> EngineError {
    let mut lines: Vec<String> = error.render(source).lines().map(str::to_string).collect();
    let head = if lines.is_empty() {
        error.to_string()
    } else {
        lines.remove(0)
    };
    let mut e = EngineError::new("MongoshError", head);
    e.detail = lines;
    pasted_code(e, source)
}

pub fn shape_error(error: mongosh::ShapeError) -> EngineError {
    match error {
        mongosh::ShapeError::Server(server) => {
            let text = server.to_string();
            let mut lines = text.lines().map(str::to_string);
            let head = lines.next().unwrap_or_default();
            // mongosh prints `MongoServerError[DuplicateKey]: E11000 ...`; keep that split.
            let (ename, evalue) = match head.split_once(": ") {
                Some((name, message)) if name.starts_with("Mongo") => {
                    (name.to_string(), message.to_string())
                }
                _ => ("MongoServerError".to_string(), head),
            };
            let mut e = EngineError::new(ename, evalue);
            e.detail = lines.collect();
            e
        }
        other => EngineError::new("MongoshError", other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::ValueKind;

    // The BSON types mongosh stores for the literals `5`, `NumberLong('3000000000')`, `1.5`,
    // `NumberDecimal('1.50')`, `true` and `{a: [1]}`.
    #[test]
    fn sql_values_become_the_bson_a_mongosh_user_would_type() {
        let cell = |kind, text: &str| cell_to_bson(kind, text.to_string());
        assert_eq!(cell(ValueKind::Integer, "5"), Bson::Int32(5));
        assert_eq!(
            cell(ValueKind::Integer, "-2147483648"),
            Bson::Int32(i32::MIN)
        );
        assert_eq!(
            cell(ValueKind::Integer, "3000000000"),
            Bson::Int64(3_000_000_000)
        );
        assert_eq!(
            cell(ValueKind::Integer, "9007199254740993"),
            Bson::Int64(9_007_199_254_740_993)
        );
        assert_eq!(cell(ValueKind::Float, "1.5"), Bson::Double(1.5));
        assert_eq!(
            cell(ValueKind::Float, "Infinity"),
            Bson::Double(f64::INFINITY)
        );
        assert_eq!(
            cell(ValueKind::Decimal, "1.50"),
            Bson::Decimal128("1.50".parse().unwrap())
        );
        assert_eq!(
            cell(ValueKind::Decimal, "$1.50"),
            Bson::String("$1.50".into())
        );
        assert_eq!(cell(ValueKind::Boolean, "t"), Bson::Boolean(true));
        assert_eq!(
            cell(ValueKind::Json, r#"{"a": [1]}"#),
            Bson::Document(bson::doc! { "a": [1] })
        );
        assert_eq!(
            cell(ValueKind::Temporal, "2024-01-02"),
            Bson::String("2024-01-02".into())
        );
    }

    #[test]
    fn a_decimal_too_long_for_decimal128_stays_text() {
        let digits = "1234567890123456789012345678901234567.5";
        assert_eq!(
            cell_to_bson(ValueKind::Decimal, digits.into()),
            Bson::String(digits.into())
        );
    }
}
