//! Bound values written as SQL literals, for the `EXECUTE` that runs a bound statement.
//!
//! Why literals at all: a statement sent with its parameters through the extended (binary)
//! protocol comes back in binary, and every type then needs its own decoder to print what psql
//! prints — arrays, ranges, geometry, tsvector, records, money in the server's locale, timestamps
//! in the session's time zone... The server already knows how to print all of them, so bound
//! statements are run as `PREPARE name AS <statement with $1…>` and then
//! `EXECUTE name('value', …)` over the simple protocol: results arrive as the server's own text,
//! exactly like an unbound statement's. The statement is still parsed once with placeholders and
//! each value is a single typed datum for the server (its text is parsed by the parameter type's
//! input function), so a value can never become SQL: the literal forms below cannot be escaped
//! from whatever the session's settings are.
//! - PostgreSQL: `E'…'` with every backslash and quote escaped, which reads the same with
//!   `standard_conforming_strings` on or off; the connection is always UTF-8 (sqlx sets it), so
//!   no multi-byte character can hide a quote.
//! - MySQL/MariaDB: text as `_utf8mb4 X'hex'`, which no `sql_mode` (`NO_BACKSLASH_ESCAPES`,
//!   `ANSI_QUOTES`) reads differently; it is still a character string, not binary.

use super::bind::Bound;
use super::error::Failure;
use super::lex::Dialect;
use crate::session::variables::Scalar;

/// A bound value the database cannot take, refused before anything is sent: a NUL in
/// PostgreSQL text, NaN or infinity for MySQL.
pub fn refusal(bound: &Bound, dialect: Dialect) -> Option<Failure> {
    let (index, why) = bound.values.iter().enumerate().find_map(|(i, value)| {
        let why = match (dialect, value) {
            (Dialect::Postgres, Scalar::Text(s)) if s.contains('\0') => {
                "contains a NUL byte (U+0000), which PostgreSQL text cannot hold"
            }
            (Dialect::MySql, Scalar::Float(f)) if !f.is_finite() => {
                "is NaN or infinite, which MySQL/MariaDB numbers cannot hold"
            }
            _ => return None,
        };
        Some((i, why))
    })?;
    let name = bound.names.get(index).map_or("?", String::as_str);
    Some(Failure {
        ename: "UsageError".into(),
        message: format!("the value of :{name} {why}: not run"),
        position: None,
        notes: Vec::new(),
        connection_lost: false,
    })
}

/// A PostgreSQL literal for a parameter (a NUL in text is refused first: see [`refusal`]).
pub fn postgres(value: &Scalar) -> String {
    match value {
        Scalar::Null => "NULL".into(),
        Scalar::Bool(b) => format!("'{b}'"),
        Scalar::Int(i) => format!("'{i}'"),
        Scalar::Float(f) if f.is_nan() => "'NaN'".into(),
        Scalar::Float(f) if f.is_infinite() => {
            if *f > 0.0 {
                "'Infinity'".into()
            } else {
                "'-Infinity'".into()
            }
        }
        // `{:?}` is the shortest text that reads back as the same f64 (`0.1`, `1e300`).
        Scalar::Float(f) => format!("'{f:?}'"),
        Scalar::Text(s) => {
            let mut out = String::with_capacity(s.len() + 3);
            out.push_str("E'");
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\'' => out.push_str("\\'"),
                    other => out.push(other),
                }
            }
            out.push('\'');
            out
        }
    }
}

/// The PostgreSQL type a parameter is declared with in `PREPARE name(types)`: numbers and
/// booleans keep the type they were always bound with (so `SELECT :n` is still an integer
/// column), text and NULL are `unknown`, which lets the server infer the type from where the
/// parameter stands (`WHERE day = :d` reads the text as a date).
pub fn postgres_type(value: &Scalar) -> &'static str {
    match value {
        Scalar::Null | Scalar::Text(_) => "unknown",
        Scalar::Bool(_) => "boolean",
        Scalar::Int(_) => "int8",
        Scalar::Float(_) => "float8",
    }
}

/// A MySQL/MariaDB literal for a parameter (NaN and infinity are refused first: see
/// [`refusal`]; here they become NULL).
pub fn mysql(value: &Scalar) -> String {
    match value {
        Scalar::Null => "NULL".into(),
        Scalar::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        Scalar::Int(i) => i.to_string(),
        Scalar::Float(f) if !f.is_finite() => "NULL".into(),
        // With an exponent the literal is a DOUBLE (without one it would be an exact DECIMAL).
        Scalar::Float(f) => format!("{f:e}"),
        Scalar::Text(s) => mysql_text(s),
    }
}

/// A character string in hex, which no SQL mode reads differently.
pub fn mysql_text(s: &str) -> String {
    if s.is_empty() {
        // X'' is fine too, but an empty string literal reads better in the server's logs.
        return "_utf8mb4''".into();
    }
    format!("_utf8mb4 X'{}'", hex::encode_upper(s.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_literals_escape_quotes_and_backslashes() {
        assert_eq!(
            postgres(&Scalar::Text("x'); DROP TABLE t; --".into())),
            "E'x\\'); DROP TABLE t; --'"
        );
        assert_eq!(postgres(&Scalar::Text(r"a\'b".into())), r"E'a\\\'b'");
        assert_eq!(postgres(&Scalar::Int(-42)), "'-42'");
        assert_eq!(postgres(&Scalar::Float(0.1)), "'0.1'");
        assert_eq!(postgres(&Scalar::Float(1e300)), "'1e300'");
        assert_eq!(postgres(&Scalar::Float(f64::NEG_INFINITY)), "'-Infinity'");
        assert_eq!(postgres(&Scalar::Bool(true)), "'true'");
        assert_eq!(postgres(&Scalar::Null), "NULL");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, ..Default::default() })]

        /// Whatever the text, its literal is one string token to PostgreSQL's lexing rules (ours
        /// mirror them), so nothing after it can be read as SQL.
        #[test]
        fn a_postgres_literal_is_one_string_token(text in proptest::prelude::any::<String>()) {
            let literal = postgres(&Scalar::Text(text));
            let tokens: Vec<_> = super::super::lex::Lexer::new(&literal, Dialect::Postgres).collect();
            proptest::prop_assert_eq!(tokens.len(), 1);
            proptest::prop_assert_eq!(tokens[0].kind, super::super::lex::TokenKind::Quoted);
            proptest::prop_assert_eq!(tokens[0].end, literal.len());
        }

        #[test]
        fn a_mysql_text_literal_is_only_hex(text in proptest::prelude::any::<String>()) {
            let literal = mysql_text(&text);
            let hex = literal
                .strip_prefix("_utf8mb4 X'")
                .and_then(|l| l.strip_suffix('\''))
                .unwrap_or("");
            proptest::prop_assert!(text.is_empty() || hex.bytes().all(|b| b.is_ascii_hexdigit()));
        }
    }

    #[test]
    fn mysql_literals_are_hex_text_and_typed_numbers() {
        assert_eq!(mysql(&Scalar::Text("a'".into())), "_utf8mb4 X'6127'");
        assert_eq!(mysql(&Scalar::Text(String::new())), "_utf8mb4''");
        assert_eq!(mysql(&Scalar::Float(1.5)), "1.5e0");
        assert_eq!(mysql(&Scalar::Int(i64::MIN)), "-9223372036854775808");
    }
}
