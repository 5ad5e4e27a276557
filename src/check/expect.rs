//! An inline expectation → the checker's model. A table variable is checked against rows typed
//! like psql prints them; documents, mongosh values and Redis replies against mongosh literals
//! (`{ name: "Ada" }`, `["a", "b"]`, `"OK"`, `42`), evaluated by the mongosh crate so that
//! `ObjectId(...)`, `ISODate(...)` and `NumberDecimal(...)` mean what they mean in mongosh.

use resultcheck::{Data, Value};

use super::CHECK_FAILED;
use super::convert::{Kind, bson_to_data, bson_to_value};
use crate::engine::EngineError;

/// Whether a line of a check body is a comment: `--`, `//` or `#` first, in any expectation
/// form, so nbgrader's `-- BEGIN HIDDEN TESTS` markers (which autograde leaves in place) and a
/// teacher's notes can sit among expected rows.
pub fn is_comment(line: &str) -> bool {
    let line = line.trim_start();
    line.starts_with("--") || line.starts_with("//") || line.starts_with('#')
}

/// Whether the body holds comments and nothing else: the expectation of a hidden test after
/// `generate_assignment` removed it.
pub fn only_comments(body: &str) -> bool {
    let mut lines = body.lines().filter(|l| !l.trim().is_empty()).peekable();
    lines.peek().is_some() && lines.all(is_comment)
}

pub fn inline(body: &str, body_line: usize, kind: Kind) -> Result<Data, EngineError> {
    let blanked: Vec<&str> = body
        .lines()
        .map(|l| if is_comment(l) { "" } else { l })
        .collect();
    let body = blanked.join("\n");
    let body = body.as_str();
    let trimmed = body.trim_start();
    let literal = trimmed.starts_with('[') || trimmed.starts_with('{');
    if kind == Kind::Table && !literal {
        return resultcheck::inline::parse_table(body, body_line + 1).map_err(|e| {
            EngineError::usage(format!(
                "the expected table, line {} of the cell: {}",
                e.line, e.message
            ))
        });
    }
    literals(body, body_line, kind)
}

fn literals(body: &str, body_line: usize, kind: Kind) -> Result<Data, EngineError> {
    if body.trim().is_empty() {
        return Err(EngineError::new(
            CHECK_FAILED,
            "the check has no expectation: write the expected result under the %%check line, or name a reference query (--sql, --mql, --redis) or a variable (--expected VAR)",
        ));
    }
    // Leading newlines keep mongosh's line numbers equal to the cell's.
    let source = format!("{}{body}", "\n".repeat(body_line));
    let script = mongosh::parse(&source).map_err(|e| {
        EngineError::usage(format!("the expected value is not a mongosh literal: {e}"))
    })?;
    let env = mongosh::Env::new();
    let mut values = Vec::new();
    for statement in &script.statements {
        let mongosh::StatementKind::Expr(expr) = &statement.kind else {
            return Err(EngineError::usage(format!(
                "line {} of the cell: the expectation must be values (documents, arrays, strings, numbers), not a statement",
                statement.span.line
            )));
        };
        values.push(mongosh::value::eval(expr, &env).map_err(|e| {
            EngineError::usage(format!("the expected value cannot be evaluated: {e}"))
        })?);
    }
    Ok(match (values.len(), kind) {
        // One document per line, or a single document, checks a list of documents.
        (_, Kind::Documents | Kind::Table)
            if values.len() > 1 || values[0].as_document().is_some() =>
        {
            Data::Elements(values.iter().map(bson_to_value).collect())
        }
        (1, _) => bson_to_data(&values[0]),
        _ => Data::Elements(values.iter().map(bson_to_value).collect::<Vec<Value>>()),
    })
}
