//! psql's object name patterns (`\dt public.*`, `\d "My Table"`) as anchored regular
//! expressions for the catalog's `~` operator: unquoted letters fold to lower case, `*` is any
//! text, `?` one character, a `.` outside quotes separates schema from name, `"…"` keeps case and
//! punctuation (`""` is a quote). Everything else matches itself.

/// The schema and name parts of a pattern, each `^(…)$`; `None` where the pattern said nothing.
/// `given`: whether there was a pattern at all. psql hides the system schemas and `pg_` roles
/// only without one, so `\dn *` lists `pg_catalog` though `*` filters nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    pub schema: Option<String>,
    pub name: Option<String>,
    pub given: bool,
}

pub fn parse(pattern: &str) -> Pattern {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        let part = parts.last_mut().expect("one part at least");
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                part.push('"');
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(String::new()),
            '*' if !quoted => part.push_str(".*"),
            '?' if !quoted => part.push('.'),
            c if !quoted => push_literal(part, c.to_lowercase()),
            c => push_literal(part, std::iter::once(c)),
        }
    }
    let anchored = |p: &String| (!p.is_empty() && p != ".*").then(|| format!("^({p})$"));
    let given = !pattern.is_empty();
    match parts.as_slice() {
        [name] => Pattern {
            schema: None,
            name: anchored(name),
            given,
        },
        // `*.name`: every schema, and so no visibility rule (psql's `^(.*)$` schema).
        [.., schema, name] => Pattern {
            schema: if schema == ".*" {
                Some("^(.*)$".to_string())
            } else {
                anchored(schema)
            },
            name: anchored(name),
            given,
        },
        [] => Pattern {
            schema: None,
            name: None,
            given,
        },
    }
}

fn push_literal(part: &mut String, chars: impl Iterator<Item = char>) {
    for c in chars {
        if "\\^$.|+()[]{}".contains(c) {
            part.push('\\');
        }
        part.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_as_psql_reads_them() {
        assert_eq!(
            parse("Orders"),
            Pattern {
                schema: None,
                name: Some("^(orders)$".into()),
                given: true,
            }
        );
        assert_eq!(
            parse("public.t*"),
            Pattern {
                schema: Some("^(public)$".into()),
                name: Some("^(t.*)$".into()),
                given: true,
            }
        );
        assert_eq!(
            parse("\"My.Table\"").name.as_deref(),
            Some("^(My\\.Table)$")
        );
        assert_eq!(parse("a?c").name.as_deref(), Some("^(a.c)$"));
        assert_eq!(parse("*").name, None);
        assert!(parse("*").given);
        assert!(!parse("").given);
        assert_eq!(parse("*.t").schema.as_deref(), Some("^(.*)$"));
    }
}
