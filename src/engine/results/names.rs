//! Which kept variables a query names, and `{{name}}` in SQL cells.
//!
//! In the `results` connection a kept variable is a table by its own name (`SELECT * FROM
//! orders`); `{{orders}}` — what users write in MQL and Redis cells — means the same and is
//! rewritten to `"orders"` padded with spaces to the same length, so carets in SQLite's errors
//! stay under the right column. Only the variables whose names appear as identifiers (outside
//! strings and comments) are loaded.
//!
//! On any other SQL connection the server cannot see kernel variables: `{{orders}}` naming a
//! kept table, documents or Redis reply is refused before anything runs, with the line, a caret
//! and the query to run on `results` instead.

use crate::engine::EngineError;
use crate::engine::sql::lex::{Dialect, Lexer, TokenKind};
use crate::session::variables::{Variable, Variables};

/// The name the built-in connection goes by.
pub const CONNECTION: &str = "results";

/// Whether a variable reads as a table in the `results` connection.
pub fn is_tabular(variable: &Variable) -> bool {
    matches!(
        variable,
        Variable::Table(_) | Variable::Documents(_) | Variable::Redis(_)
    )
}

/// A `{{name}}` found outside strings and comments: its byte range and the name.
struct Reference {
    start: usize,
    end: usize,
    name: String,
}

fn references(body: &str) -> Vec<Reference> {
    // Byte ranges where braces are data, not syntax.
    let quoted: Vec<(usize, usize)> = Lexer::new(body, Dialect::Sqlite)
        .filter(|t| matches!(t.kind, TokenKind::Quoted | TokenKind::Comment))
        .map(|t| (t.start, t.end))
        .collect();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(open) = body[from..].find("{{").map(|i| from + i) {
        let Some(close) = body[open + 2..].find("}}").map(|i| open + 2 + i) else {
            break;
        };
        let name = body[open + 2..close].trim();
        let inside_quotes = quoted.iter().any(|(s, e)| *s <= open && open < *e);
        if !inside_quotes && crate::session::variables::valid_name(name) {
            found.push(Reference {
                start: open,
                end: close + 2,
                name: name.to_string(),
            });
        }
        from = close + 2;
    }
    found
}

/// `{{name}}` → `"name"` (same length) for every kept tabular variable; anything else named in
/// braces is refused with what it is.
pub fn rewrite_braces(body: &str, vars: &Variables) -> Result<String, EngineError> {
    let mut out = body.to_string();
    for reference in references(body).into_iter().rev() {
        match vars.get(&reference.name) {
            Some(v) if is_tabular(v) => {}
            Some(other) => {
                return Err(EngineError::usage(format!(
                    "{{{{{}}}}} is a {} value, not a table; in SQL bind it as :{} instead",
                    reference.name,
                    other.summary().0,
                    reference.name
                ))
                .with_detail(caret_lines(body, reference.start)));
            }
            None => {
                return Err(EngineError::usage(format!(
                    "{{{{{}}}}}: no kept result named {}; keep one with --out {} on a %%sql, %%mql or %%redis cell (%vars lists them)",
                    reference.name, reference.name, reference.name
                ))
                .with_detail(caret_lines(body, reference.start)));
            }
        }
        let quoted = quote_identifier(&reference.name);
        let width = reference.end - reference.start;
        out.replace_range(reference.start..reference.end, &format!("{quoted:<width$}"));
    }
    Ok(out)
}

/// The tabular variables a query names as identifiers (bare or double-quoted), each once.
pub fn referenced(body: &str, vars: &Variables) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for token in Lexer::new(body, Dialect::Sqlite) {
        let text = &body[token.start..token.end];
        let word = match token.kind {
            TokenKind::Word => text.to_string(),
            TokenKind::Quoted
                if text.len() >= 2
                    && (text.starts_with('"')
                        || text.starts_with('`')
                        || text.starts_with('[')) =>
            {
                text[1..text.len() - 1].replace("\"\"", "\"")
            }
            _ => continue,
        };
        // SQLite reads `Orders` and `orders` as one table: an exact name first, else the one
        // variable that matches without regard to case.
        let name = if vars.get(&word).is_some_and(is_tabular) {
            Some(word)
        } else {
            let mut matching = vars
                .iter()
                .filter(|(n, v)| n.eq_ignore_ascii_case(&word) && is_tabular(v))
                .map(|(n, _)| n.clone());
            match (matching.next(), matching.next()) {
                (Some(only), None) => Some(only),
                _ => None,
            }
        };
        if let Some(name) = name
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    names
}

/// On a SQL connection other than `results`: `{{name}}` naming a kept result cannot reach the
/// server (it would be a syntax error there), so say where such a query runs.
pub fn refuse_elsewhere(
    body: &str,
    body_line: usize,
    connection: &str,
    vars: &Variables,
) -> Result<(), EngineError> {
    let Some(reference) = references(body)
        .into_iter()
        .find(|r| vars.get(&r.name).is_some_and(is_tabular))
    else {
        return Ok(());
    };
    let name = &reference.name;
    let line = body_line + body[..reference.start].matches('\n').count() + 1;
    let kind = vars.get(name).map(|v| v.summary().0).unwrap_or_default();
    Err(EngineError::usage(format!(
        "{{{{{name}}}}} is a kept {kind} result: the database behind '{connection}' cannot read kernel variables"
    ))
    .with_detail(format!("line {line}:"))
    .with_detail(caret_lines(body, reference.start))
    .with_detail(format!(
        "query kept results with SQL on the built-in '{CONNECTION}' connection, where each is a table by its name:"
    ))
    .with_detail(format!("    %%sql {CONNECTION}\n    SELECT * FROM {name}"))
    .with_detail(format!(
        "to join it with '{connection}' tables, keep those with --out too; nothing was run"
    )))
}

/// The line holding `offset`, indented, with a caret under it.
fn caret_lines(body: &str, offset: usize) -> String {
    let line_start = body[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = body[offset..].find('\n').map_or(body.len(), |i| offset + i);
    let column = body[line_start..offset].chars().count();
    format!(
        "    {}\n    {}^",
        body[line_start..line_end].trim_end(),
        " ".repeat(column)
    )
}

/// `"name"`, with any `"` doubled.
pub fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::variables::Scalar;

    fn vars() -> Variables {
        let mut vars = Variables::default();
        vars.set("docs", Variable::Documents(vec![bson::doc! {"a": 1}]));
        vars.set("n", Variable::Scalar(Scalar::Int(1)));
        vars
    }

    #[test]
    fn braces_become_a_quoted_name_of_the_same_length() {
        let body = "SELECT * FROM {{docs}} WHERE x = '{{docs}}' -- {{docs}}";
        let out = rewrite_braces(body, &vars()).unwrap();
        assert_eq!(
            out,
            "SELECT * FROM \"docs\"   WHERE x = '{{docs}}' -- {{docs}}"
        );
        assert_eq!(out.len(), body.len());
    }

    #[test]
    fn braces_around_a_scalar_or_unknown_name_are_refused() {
        let e = rewrite_braces("SELECT {{n}}", &vars()).unwrap_err();
        assert!(e.evalue.contains("bind it as :n"), "{e}");
        let e = rewrite_braces("SELECT * FROM {{nope}}", &vars()).unwrap_err();
        assert!(e.evalue.contains("--out nope"), "{e}");
    }

    #[test]
    fn only_named_tabular_variables_are_referenced() {
        let found = referenced("SELECT n, 'docs' FROM \"docs\" JOIN docs", &vars());
        assert_eq!(found, ["docs"]);
        assert_eq!(referenced("SELECT * FROM DOCS", &vars()), ["docs"]);
    }

    #[test]
    fn braces_elsewhere_point_to_the_results_connection() {
        let e =
            refuse_elsewhere("SELECT 1;\nSELECT * FROM {{docs}}", 1, "pg", &vars()).unwrap_err();
        assert!(e.evalue.contains("kept documents result"), "{e}");
        let detail = e.detail.join("\n");
        assert!(detail.contains("line 3:"), "{detail}");
        assert!(
            detail.contains("SELECT * FROM {{docs}}\n                  ^"),
            "{detail}"
        );
        assert!(detail.contains("%%sql results"), "{detail}");
        assert!(refuse_elsewhere("SELECT '{{docs}}'", 1, "pg", &vars()).is_ok());
    }
}
