//! Property tests of the SQL text machinery (lexer, splitter, `:name` binds) on arbitrary cells:
//! nothing panics, the lexer's tokens tile the input, and splitting loses nothing but the
//! terminators and the whitespace and comments between statements. 256 cases per property, a few
//! seconds in all; no server needed.

use dbkernel::engine::sql::bind::{bind, find_binds};
use dbkernel::engine::sql::lex::{Dialect, Lexer, TokenKind};
use dbkernel::engine::sql::split::split;
use dbkernel::session::variables::{Scalar, Variable, Variables};
use proptest::prelude::*;

const DIALECTS: [Dialect; 3] = [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite];

/// Pieces that reach the splitter's and lexer's special cases, glued at random.
fn sqlish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("SELECT ".to_string()),
        Just(";".to_string()),
        Just("'".to_string()),
        Just("\"".to_string()),
        Just("`".to_string()),
        Just("E'\\''".to_string()),
        Just("$$".to_string()),
        Just("$tag$".to_string()),
        Just("--".to_string()),
        Just("#".to_string()),
        Just("/*".to_string()),
        Just("*/".to_string()),
        Just("\n".to_string()),
        Just(" ".to_string()),
        Just(":name".to_string()),
        Just("::int".to_string()),
        Just(":=".to_string()),
        Just("[1:n]".to_string()),
        Just("BEGIN ".to_string()),
        Just("END ".to_string()),
        Just("CASE ".to_string()),
        Just("CREATE TRIGGER t ".to_string()),
        Just("CREATE FUNCTION f() BEGIN ATOMIC ".to_string()),
        Just("DELIMITER //\n".to_string()),
        Just("DELIMITER\n".to_string()),
        Just("//".to_string()),
        Just("é☃".to_string()),
        Just("\\".to_string()),
        Just("\0".to_string()),
        "[a-z0-9_]{1,6}",
        any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![sqlish(), any::<String>()]
}

fn variables_for(text: &str, dialect: Dialect) -> Variables {
    let mut variables = Variables::default();
    for site in find_binds(text, dialect) {
        variables.set(&site.name, Variable::Scalar(Scalar::Text("v'; --".into())));
    }
    variables
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn lexer_tokens_tile_the_input(text in cell()) {
        for dialect in DIALECTS {
            let mut at = 0;
            for token in Lexer::new(&text, dialect) {
                prop_assert_eq!(token.start, at);
                prop_assert!(token.end > token.start, "empty token at {}", at);
                prop_assert!(text.is_char_boundary(token.end));
                at = token.end;
            }
            prop_assert_eq!(at, text.len());
        }
    }

    #[test]
    fn splitting_keeps_every_significant_token(text in cell()) {
        for dialect in DIALECTS {
            let Ok(statements) = split(&text, dialect) else {
                // Only a bare `DELIMITER` line is refused.
                prop_assert!(dialect == Dialect::MySql && text.to_ascii_uppercase().contains("DELIMITER"));
                continue;
            };
            let mut previous_end = 0;
            for s in &statements {
                prop_assert!(s.start >= previous_end && s.start < s.end && s.end <= text.len());
                prop_assert!(text.is_char_boundary(s.start) && text.is_char_boundary(s.end));
                previous_end = s.end;
            }
            // DELIMITER lines and custom delimiters are consumed by the splitter itself.
            if dialect == Dialect::MySql && text.to_ascii_uppercase().contains("DELIMITER") {
                continue;
            }
            for token in Lexer::new(&text, dialect).filter(|t| t.is_significant()) {
                let inside = statements.iter().any(|s| s.start <= token.start && token.end <= s.end);
                let terminator = token.kind == TokenKind::Punct && &text[token.start..token.end] == ";";
                prop_assert!(
                    inside || terminator,
                    "{:?} token {:?} at {} was lost by {:?}",
                    dialect,
                    &text[token.start..token.end],
                    token.start,
                    statements
                );
            }
        }
    }

    #[test]
    fn binds_are_found_and_rewritten_without_panics(text in cell()) {
        for dialect in DIALECTS {
            let Ok(statements) = split(&text, dialect) else { continue };
            for statement in statements {
                let sql = statement.text(&text);
                let sites = find_binds(sql, dialect);
                for site in &sites {
                    prop_assert_eq!(&sql[site.start..site.start + 1], ":");
                    prop_assert_eq!(&sql[site.start + 1..site.end], site.name.as_str());
                }
                let variables = variables_for(sql, dialect);
                let bound = bind(sql, &sites, dialect, &variables);
                prop_assert!(bound.is_ok(), "{:?}", bound.err());
                let bound = bound.unwrap();
                prop_assert_eq!(bound.values.len(), bound.names.len());
                if dialect != Dialect::Postgres {
                    prop_assert_eq!(bound.values.len(), sites.len());
                }
                for offset in 0..=bound.sql.len() {
                    prop_assert!(bound.original_offset(offset) <= sql.len());
                }
                for index in 0..bound.values.len() {
                    let site = bound.value_site(index);
                    prop_assert!(site.is_some_and(|s| sql[s..].starts_with(':')));
                }
            }
        }
    }
}
