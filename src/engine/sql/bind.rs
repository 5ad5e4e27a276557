//! `:name` in a SQL statement binds the kernel variable `name` as a real parameter.
//!
//! Values are never spliced into the SQL text: the statement is rewritten to the driver's
//! placeholders (`$1..` for PostgreSQL, where one name reuses one number; `?` per occurrence for
//! MySQL and SQLite) and the values travel separately through the prepared protocol, so a value
//! such as `x'); DROP TABLE t; --` stays a string.
//!
//! What is *not* a bind: `::casts`, anything in quotes, comments or dollar bodies, MySQL's `:=`,
//! and a colon glued to a word, number or bracket on its left (`a[1:n]`, `10:30`), which would
//! otherwise make array slices and times in odd places unusable.

use super::lex::{Dialect, Lexer, TokenKind};
use crate::engine::EngineError;
use crate::session::variables::{Scalar, Variable, Variables};

/// One `:name` in a statement; `start` is the colon's offset, `end` the name's end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindSite {
    pub start: usize,
    pub end: usize,
    pub name: String,
}

/// Finds the `:name` markers of one statement.
pub fn find_binds(text: &str, dialect: Dialect) -> Vec<BindSite> {
    let bytes = text.as_bytes();
    let tokens: Vec<_> = Lexer::new(text, dialect).collect();
    let mut sites = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if token.kind != TokenKind::Punct || bytes.get(token.start) != Some(&b':') {
            continue;
        }
        let Some(next) = tokens.get(i + 1) else {
            continue;
        };
        if next.kind != TokenKind::Word || next.start != token.end {
            continue;
        }
        let starts_like_a_name = bytes
            .get(next.start)
            .is_some_and(|b| b.is_ascii_alphabetic() || *b == b'_' || *b >= 0x80);
        let glued_left = token.start > 0
            && bytes.get(token.start - 1).is_some_and(|b| {
                b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b')' | b']' | b'"' | b'`')
            });
        if starts_like_a_name && !glued_left {
            sites.push(BindSite {
                start: token.start,
                end: next.end,
                name: text[next.start..next.end].to_string(),
            });
        }
    }
    sites
}

/// A statement rewritten for the prepared protocol, with its values in placeholder order.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    pub sql: String,
    pub values: Vec<Scalar>,
    /// The variable name of each value, for messages.
    pub names: Vec<String>,
    /// (offset in the original, original length, offset in the rewrite, rewrite length) per site,
    /// to map a server error position back to the user's text.
    edits: Vec<(usize, usize, usize, usize)>,
}

impl Bound {
    /// Where value `index` is first written in the original statement (the colon's offset).
    pub fn value_site(&self, index: usize) -> Option<usize> {
        let numbered = format!("${}", index + 1);
        let mut question_marks = 0;
        for &(orig, _, new, new_len) in &self.edits {
            let placeholder = self.sql.get(new..new + new_len)?;
            if placeholder == numbered {
                return Some(orig);
            }
            if placeholder == "?" {
                if question_marks == index {
                    return Some(orig);
                }
                question_marks += 1;
            }
        }
        None
    }

    /// Maps a byte offset in the rewritten SQL to the original statement.
    pub fn original_offset(&self, rewritten: usize) -> usize {
        let mut shift: isize = 0;
        for &(orig, orig_len, new, new_len) in &self.edits {
            if rewritten < new {
                break;
            }
            if rewritten < new + new_len {
                return orig;
            }
            shift = (orig + orig_len) as isize - (new + new_len) as isize;
        }
        (rewritten as isize + shift).max(0) as usize
    }
}

/// Rewrites `text` with placeholders and looks every name up in the variable store.
pub fn bind(
    text: &str,
    sites: &[BindSite],
    dialect: Dialect,
    variables: &Variables,
) -> Result<Bound, EngineError> {
    let mut sql = String::with_capacity(text.len());
    let mut values = Vec::new();
    let mut names = Vec::new();
    let mut numbered: Vec<String> = Vec::new();
    let mut edits = Vec::new();
    let mut copied = 0;
    for site in sites {
        let value = scalar_of(&site.name, variables)?;
        sql.push_str(&text[copied..site.start]);
        let placeholder = match dialect {
            Dialect::Postgres => {
                let number = match numbered.iter().position(|n| n == &site.name) {
                    Some(i) => i + 1,
                    None => {
                        numbered.push(site.name.clone());
                        names.push(site.name.clone());
                        values.push(value);
                        numbered.len()
                    }
                };
                format!("${number}")
            }
            Dialect::MySql | Dialect::Sqlite => {
                names.push(site.name.clone());
                values.push(value);
                "?".to_string()
            }
        };
        edits.push((
            site.start,
            site.end - site.start,
            sql.len(),
            placeholder.len(),
        ));
        sql.push_str(&placeholder);
        copied = site.end;
    }
    sql.push_str(&text[copied..]);
    Ok(Bound {
        sql,
        values,
        names,
        edits,
    })
}

fn scalar_of(name: &str, variables: &Variables) -> Result<Scalar, EngineError> {
    let missing = || {
        let known = variables.names();
        EngineError::new("UsageError", format!("no variable named '{name}' for :{name}"))
            .with_detail(if known.is_empty() {
                "no variables are set; set one with %set NAME = VALUE or keep a result with --out NAME".to_string()
            } else {
                format!("known variables: {} (see %vars)", known.join(", "))
            })
            .with_detail("to write a literal colon before a word, put it in quotes or glue it to the word on its left")
    };
    match variables.get(name).ok_or_else(missing)? {
        Variable::Scalar(s) => Ok(s.clone()),
        Variable::Bson(b) => bson_scalar(b).ok_or_else(|| not_scalar(name, "a BSON value")),
        Variable::Table(_) => Err(not_scalar(name, "a table")),
        Variable::Documents(_) => Err(not_scalar(name, "documents")),
        Variable::Redis(_) => Err(not_scalar(name, "a Redis reply")),
    }
}

fn bson_scalar(value: &bson::Bson) -> Option<Scalar> {
    Some(match value {
        bson::Bson::Null => Scalar::Null,
        bson::Bson::Boolean(b) => Scalar::Bool(*b),
        bson::Bson::Int32(i) => Scalar::Int(i64::from(*i)),
        bson::Bson::Int64(i) => Scalar::Int(*i),
        bson::Bson::Double(f) => Scalar::Float(*f),
        bson::Bson::String(s) => Scalar::Text(s.clone()),
        _ => return None,
    })
}

fn not_scalar(name: &str, what: &str) -> EngineError {
    EngineError::new("UsageError", format!(":{name} refers to {what}, but only a single value (number, text, bool, null) can be bound as a SQL parameter"))
        .with_detail(format!("set a scalar with %set {name} = VALUE"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str, dialect: Dialect) -> Vec<String> {
        find_binds(text, dialect)
            .into_iter()
            .map(|s| s.name)
            .collect()
    }

    #[test]
    fn finds_names_but_not_casts_quotes_or_comments() {
        assert_eq!(
            names(
                "SELECT :a, b::text, ':c', \":d\" -- :e\n /* :f */ FROM t WHERE x = :g",
                Dialect::Postgres
            ),
            vec!["a", "g"]
        );
        assert_eq!(names("SELECT $$ :a $$, (:b)", Dialect::Postgres), vec!["b"]);
        assert_eq!(
            names(
                "SELECT arr[1:n], arr[lo:hi], '10:30', @x := 1, :ok",
                Dialect::MySql
            ),
            vec!["ok"]
        );
        assert_eq!(names("SELECT :1", Dialect::Sqlite), Vec::<String>::new());
    }

    fn store() -> Variables {
        let mut v = Variables::default();
        v.set(
            "name",
            Variable::Scalar(Scalar::Text("x'); DROP TABLE t; --".into())),
        );
        v.set("n", Variable::Scalar(Scalar::Int(3)));
        v
    }

    /// Binds `text` in `dialect` against [`store`].
    fn bind_stored(text: &str, dialect: Dialect) -> Result<Bound, EngineError> {
        bind(text, &find_binds(text, dialect), dialect, &store())
    }

    #[test]
    fn postgres_reuses_one_number_per_name() {
        let text = "SELECT :name, :n, :name";
        let bound = bind_stored(text, Dialect::Postgres).unwrap();
        assert_eq!(bound.sql, "SELECT $1, $2, $1");
        assert_eq!(
            bound.values,
            vec![Scalar::Text("x'); DROP TABLE t; --".into()), Scalar::Int(3)]
        );
    }

    #[test]
    fn question_marks_repeat_values() {
        let text = "SELECT :n + :n";
        let bound = bind_stored(text, Dialect::MySql).unwrap();
        assert_eq!(bound.sql, "SELECT ? + ?");
        assert_eq!(bound.values.len(), 2);
    }

    #[test]
    fn missing_variable_names_it_and_lists_known_ones() {
        let text = "SELECT :nope";
        let err = bind_stored(text, Dialect::Sqlite).unwrap_err();
        assert!(err.evalue.contains("'nope'"), "{}", err.evalue);
        assert!(err.detail[0].contains("n, name"), "{:?}", err.detail);
    }

    #[test]
    fn error_offsets_map_back_to_the_original() {
        let text = "SELECT :name, nope";
        let bound = bind_stored(text, Dialect::Postgres).unwrap();
        let in_rewrite = bound.sql.find("nope").unwrap();
        assert_eq!(
            bound.original_offset(in_rewrite),
            text.find("nope").unwrap()
        );
        assert_eq!(bound.original_offset(8), 7);
        assert_eq!(bound.original_offset(2), 2);
        assert_eq!(bound.value_site(0), Some(7));
        assert_eq!(bound.value_site(1), None);
    }

    #[test]
    fn value_sites_for_question_marks() {
        let text = "SELECT :n, :name, :n";
        let bound = bind_stored(text, Dialect::MySql).unwrap();
        assert_eq!(bound.names, vec!["n", "name", "n"]);
        assert_eq!(bound.value_site(2), Some(18));
    }
}
