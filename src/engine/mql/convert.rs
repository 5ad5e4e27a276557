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
                        Some(text) => match column.kind {
                            crate::result::ValueKind::Integer => text
                                .parse::<i64>()
                                .map(Bson::Int64)
                                .unwrap_or(Bson::String(text)),
                            crate::result::ValueKind::Float => text
                                .parse::<f64>()
                                .map(Bson::Double)
                                .unwrap_or(Bson::String(text)),
                            crate::result::ValueKind::Boolean => Bson::Boolean(text == "true"),
                            _ => Bson::String(text),
                        },
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
