//! SQL completion from the connection's catalog: tables and views after `FROM`/`JOIN`/`INTO`/
//! `UPDATE`, columns after `alias.` or `table.` (aliases read from the statement under the
//! cursor), tables after `schema.`, and elsewhere the statement's columns, tables, functions
//! and the dialect's keywords, in the case the user types keywords in.

use super::words::SQL_KEYWORDS;
use super::{Candidate, Completion, fits, word_start};
use crate::catalog::{Catalog, SqlCatalog, SqlTable};
use crate::engine::sql::lex::{Dialect, Lexer, TokenKind};

/// Keywords after which a table name comes.
const TABLE_KEYWORDS: &[&str] = &[
    "FROM", "JOIN", "INTO", "UPDATE", "TABLE", "DESCRIBE", "TRUNCATE",
];
/// Keywords that end a `FROM` list (so a `,` after them is not between tables).
const CLAUSE_KEYWORDS: &[&str] = &[
    "WHERE",
    "GROUP",
    "ORDER",
    "HAVING",
    "LIMIT",
    "ON",
    "USING",
    "SET",
    "VALUES",
    "SELECT",
    "UNION",
    "RETURNING",
    "WINDOW",
];

pub fn dialect_of(catalog: Option<&SqlCatalog>) -> Dialect {
    match catalog.map(|c| c.dialect.as_str()) {
        Some("PostgreSQL") => Dialect::Postgres,
        Some("MySQL") => Dialect::MySql,
        _ => Dialect::Sqlite,
    }
}

fn sql_catalog(catalog: Option<&Catalog>) -> Option<&SqlCatalog> {
    match catalog {
        Some(Catalog::Sql(sql)) => Some(sql),
        _ => None,
    }
}

/// A table the statement names, with its alias.
#[derive(Debug, PartialEq, Eq)]
pub struct Reference {
    pub schema: Option<String>,
    pub table: String,
    pub alias: Option<String>,
}

/// The statement around `cursor`: from after the previous `;` to the next one.
pub fn statement(code: &str, body_start: usize, cursor: usize, dialect: Dialect) -> (usize, usize) {
    let body = &code[body_start..];
    let mut start = body_start;
    let mut end = code.len();
    for token in Lexer::new(body, dialect) {
        if token.kind == TokenKind::Punct && &body[token.start..token.end] == ";" {
            let at = body_start + token.start;
            if at < cursor {
                start = at + 1;
            } else {
                end = at;
                break;
            }
        }
    }
    (start, end)
}

/// Significant tokens of `text` as (kind, text, offset).
fn tokens(text: &str, dialect: Dialect) -> Vec<(TokenKind, &str, usize)> {
    Lexer::new(text, dialect)
        .filter(|t| t.is_significant())
        .map(|t| (t.kind, &text[t.start..t.end], t.start))
        .collect()
}

fn unquote(name: &str) -> String {
    let quoted = name.len() >= 2
        && matches!(
            (name.as_bytes()[0], name.as_bytes()[name.len() - 1]),
            (b'"', b'"') | (b'`', b'`') | (b'[', b']')
        );
    if quoted {
        name[1..name.len() - 1].to_string()
    } else {
        name.to_string()
    }
}

/// The tables a statement names after FROM/JOIN/UPDATE/INTO (and in FROM lists), with aliases.
pub fn references(statement: &str, dialect: Dialect) -> Vec<Reference> {
    let tokens = tokens(statement, dialect);
    let mut found = Vec::new();
    let mut i = 0;
    let mut in_from = false;
    while i < tokens.len() {
        let (kind, text, _) = tokens[i];
        let upper = text.to_ascii_uppercase();
        let starts_table = kind == TokenKind::Word && TABLE_KEYWORDS.contains(&upper.as_str());
        let list_comma = in_from && kind == TokenKind::Punct && text == ",";
        if kind == TokenKind::Word && CLAUSE_KEYWORDS.contains(&upper.as_str()) {
            in_from = false;
        }
        if !(starts_table || list_comma) {
            i += 1;
            continue;
        }
        in_from = upper == "FROM" || list_comma || in_from;
        let mut j = i + 1;
        let Some(&(first_kind, first, _)) = tokens.get(j) else {
            break;
        };
        if !matches!(first_kind, TokenKind::Word | TokenKind::Quoted) {
            i += 1;
            continue;
        }
        let mut schema = None;
        let mut table = unquote(first);
        if tokens.get(j + 1).is_some_and(|t| t.1 == ".")
            && let Some(&(k, name, _)) = tokens.get(j + 2)
            && matches!(k, TokenKind::Word | TokenKind::Quoted)
        {
            schema = Some(table);
            table = unquote(name);
            j += 2;
        }
        j += 1;
        let mut alias = None;
        if let Some(&(k, word, _)) = tokens.get(j) {
            let upper = word.to_ascii_uppercase();
            if k == TokenKind::Word && upper == "AS" {
                alias = tokens.get(j + 1).map(|t| unquote(t.1));
            } else if matches!(k, TokenKind::Word | TokenKind::Quoted)
                && !is_keyword_after_table(&upper)
            {
                alias = Some(unquote(word));
            }
        }
        found.push(Reference {
            schema,
            table,
            alias,
        });
        i = j;
    }
    found
}

fn is_keyword_after_table(upper: &str) -> bool {
    CLAUSE_KEYWORDS.contains(&upper)
        || TABLE_KEYWORDS.contains(&upper)
        || matches!(
            upper,
            "LEFT"
                | "RIGHT"
                | "INNER"
                | "OUTER"
                | "FULL"
                | "CROSS"
                | "NATURAL"
                | "LATERAL"
                | "DEFAULT"
                | "SELECT"
                | "AS"
        )
}

/// The table a qualifier (`alias.` or `table.`) means in the statement.
pub fn resolve<'a>(
    catalog: &'a SqlCatalog,
    refs: &[Reference],
    qualifier: &str,
) -> Option<&'a SqlTable> {
    let by_alias = refs.iter().find(|r| {
        r.alias
            .as_deref()
            .is_some_and(|a| a.eq_ignore_ascii_case(qualifier))
    });
    let by_name = refs
        .iter()
        .find(|r| r.table.eq_ignore_ascii_case(qualifier));
    match by_alias.or(by_name) {
        Some(r) => catalog.table(r.schema.as_deref(), &r.table),
        None => catalog.table(None, qualifier),
    }
}

/// The identifier before a `.` that ends at `dot` (the qualifier), if any.
pub fn qualifier_before(code: &str, dot: usize) -> Option<String> {
    if !code[..dot].ends_with('.') {
        return None;
    }
    let end = dot - 1;
    let before = &code[..end];
    if let Some(quote @ ('"' | '`')) = before.chars().last() {
        let open = before[..before.len() - 1].rfind(quote)?;
        return Some(before[open + 1..before.len() - 1].to_string());
    }
    let start = word_start(code, end, &['$']);
    (start < end).then(|| code[start..end].to_string())
}

pub fn complete(
    catalog: Option<&Catalog>,
    code: &str,
    body_start: usize,
    cursor: usize,
) -> Completion {
    let catalog = sql_catalog(catalog);
    let dialect = dialect_of(catalog);
    let start = word_start(code, cursor, &['$']);
    let typed = &code[start..cursor];
    let (statement_start, statement_end) = statement(code, body_start, cursor, dialect);
    let statement_text = &code[statement_start..statement_end.max(statement_start)];
    let refs = references(statement_text, dialect);
    let mut candidates = Vec::new();
    if let Some(qualifier) = qualifier_before(code, start) {
        if let Some(catalog) = catalog {
            if let Some(table) = resolve(catalog, &refs, &qualifier) {
                candidates.extend(columns(table, typed));
            }
            // `schema.` lists the schema's tables.
            for table in catalog
                .tables
                .iter()
                .filter(|t| t.schema.eq_ignore_ascii_case(&qualifier))
            {
                if fits(&table.name, typed, true) {
                    candidates.push(table_candidate(table, table.name.clone()));
                }
            }
        }
        return Completion { start, candidates };
    }
    let previous = code[statement_start..start]
        .split(|c: char| c.is_whitespace())
        .rev()
        .find(|w| !w.is_empty())
        .unwrap_or("")
        .to_ascii_uppercase();
    let after_table_keyword = TABLE_KEYWORDS.contains(&previous.as_str())
        || (previous.ends_with(',') && in_from_list(&code[statement_start..start], dialect));
    if let Some(catalog) = catalog {
        if !after_table_keyword {
            for r in &refs {
                if let Some(table) = catalog.table(r.schema.as_deref(), &r.table) {
                    candidates.extend(columns(table, typed));
                }
            }
        }
        for table in &catalog.tables {
            // PostgreSQL looks in the session's temporary schema first, whatever the path says.
            let on_path = table.schema == catalog.default_schema || table.schema == "pg_temp";
            let name = if on_path {
                table.name.clone()
            } else {
                format!("{}.{}", table.schema, table.name)
            };
            if fits(&name, typed, true) || fits(&table.name, typed, true) && on_path {
                candidates.push(table_candidate(table, name));
            }
        }
        for schema in &catalog.schemas {
            if fits(schema, typed, true) && !typed.is_empty() {
                candidates.push(Candidate::new(schema.clone(), "schema"));
            }
        }
        if !after_table_keyword && !typed.is_empty() {
            for function in &catalog.functions {
                if fits(&function.name, typed, true) {
                    let detail = function.signatures.first().cloned().unwrap_or_default();
                    candidates.push(
                        Candidate::new(function.name.clone(), "function").with_detail(detail),
                    );
                }
            }
        }
    }
    if !typed.is_empty() && !after_table_keyword {
        candidates.extend(keywords(catalog, typed));
    }
    Completion { start, candidates }
}

/// Whether the text ends inside a `FROM a, b, …` list.
fn in_from_list(text: &str, dialect: Dialect) -> bool {
    let mut inside = false;
    for (kind, word, _) in tokens(text, dialect) {
        if kind != TokenKind::Word {
            continue;
        }
        let upper = word.to_ascii_uppercase();
        if upper == "FROM" {
            inside = true;
        } else if CLAUSE_KEYWORDS.contains(&upper.as_str()) {
            inside = false;
        }
    }
    inside
}

fn table_candidate(table: &SqlTable, text: String) -> Candidate {
    let columns: Vec<&str> = table
        .columns
        .iter()
        .take(8)
        .map(|c| c.name.as_str())
        .collect();
    let more = if table.columns.len() > 8 { ", …" } else { "" };
    let kind = if table.kind == "view" || table.kind == "materialized view" {
        "view"
    } else {
        "table"
    };
    Candidate::new(text, kind).with_detail(format!("({}{more})", columns.join(", ")))
}

fn columns(table: &SqlTable, typed: &str) -> Vec<Candidate> {
    table
        .columns
        .iter()
        .filter(|c| fits(&c.name, typed, true))
        .map(|c| {
            Candidate::new(c.name.clone(), "column")
                .with_detail(format!("{}.{} {}", table.name, c.name, c.data_type))
        })
        .collect()
}

/// Keywords of the connection's dialect (the server's list), else the common list, in the
/// user's case: `sel` completes to `select`, `SEL` to `SELECT`.
pub fn keywords(catalog: Option<&SqlCatalog>, typed: &str) -> Vec<Candidate> {
    let upper_typed = typed.chars().any(char::is_uppercase);
    let listed: Vec<String> = match catalog {
        Some(c) if !c.keywords.is_empty() => c.keywords.clone(),
        _ => SQL_KEYWORDS.iter().map(|k| k.to_string()).collect(),
    };
    let mut words: Vec<String> = listed
        .into_iter()
        .filter(|k| fits(k, typed, true))
        .collect();
    words.sort();
    words
        .into_iter()
        .map(|k| {
            Candidate::new(
                if upper_typed {
                    k.to_uppercase()
                } else {
                    k.to_lowercase()
                },
                "keyword",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::SqlColumn;

    fn catalog() -> Catalog {
        let column = |name: &str, t: &str| SqlColumn {
            name: name.into(),
            data_type: t.into(),
            nullable: true,
            default: None,
        };
        Catalog::Sql(SqlCatalog {
            dialect: "PostgreSQL".into(),
            default_schema: "public".into(),
            schemas: vec!["public".into(), "sales".into()],
            tables: vec![
                SqlTable {
                    schema: "public".into(),
                    name: "users".into(),
                    kind: "table".into(),
                    columns: vec![column("id", "integer"), column("email", "text")],
                    ..Default::default()
                },
                SqlTable {
                    schema: "sales".into(),
                    name: "orders".into(),
                    kind: "table".into(),
                    columns: vec![column("order_id", "integer"), column("user_id", "integer")],
                    ..Default::default()
                },
            ],
            keywords: vec!["SELECT".into(), "SET".into()],
            ..Default::default()
        })
    }

    fn texts(code: &str) -> Vec<String> {
        let c = catalog();
        complete(Some(&c), code, 0, code.len())
            .candidates
            .into_iter()
            .map(|c| c.text)
            .collect()
    }

    #[test]
    fn tables_after_from_and_columns_after_an_alias() {
        assert_eq!(texts("SELECT * FROM us"), ["users"]);
        let code = "SELECT u.e FROM users u";
        let c = catalog();
        let got = complete(Some(&c), code, 0, 10);
        assert_eq!(got.candidates[0].text, "email");
        assert_eq!(got.start, 9);
        let code = "SELECT o.u FROM sales.orders AS o";
        assert_eq!(
            complete(Some(&c), code, 0, 10).candidates[0].text,
            "user_id"
        );
        assert_eq!(texts("SELECT * FROM sales.or"), ["orders"]);
        assert_eq!(texts("SELECT * FROM users, sales.o"), ["orders"]);
        assert_eq!(texts("SELECT * FROM users, sal"), ["sales.orders", "sales"]);
    }

    #[test]
    fn keywords_keep_the_users_case_and_columns_of_the_statement_come_first() {
        assert_eq!(texts("sel"), ["select"]);
        assert_eq!(texts("SE"), ["SELECT", "SET"]);
        let code = "SELECT em FROM users";
        let c = catalog();
        assert_eq!(complete(Some(&c), code, 0, 9).candidates[0].text, "email");
    }

    #[test]
    fn references_read_aliases_and_schemas() {
        let refs = references(
            "SELECT * FROM sales.orders o JOIN users AS u ON u.id = o.user_id",
            Dialect::Postgres,
        );
        assert_eq!(
            refs[0],
            Reference {
                schema: Some("sales".into()),
                table: "orders".into(),
                alias: Some("o".into())
            }
        );
        assert_eq!(
            refs[1],
            Reference {
                schema: None,
                table: "users".into(),
                alias: Some("u".into())
            }
        );
    }
}
