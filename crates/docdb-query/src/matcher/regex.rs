//! Translating BSON regular expressions (PCRE syntax and flags) into Rust `regex` values.
//!
//! MongoDB uses PCRE; the `regex` crate covers the common subset (classes, anchors, groups,
//! repetition, `(?i)`-style flags) and rejects look-around and back-references. Those are
//! reported as clear errors rather than silently matching something else.

use crate::error::{QueryError, Result};
use regex::{Regex, RegexBuilder};

/// Compiles `pattern` with MongoDB option letters (`i`, `m`, `s`, `x`; `u` is always on).
pub fn compile(pattern: &str, options: &str) -> Result<Regex> {
    let mut builder = RegexBuilder::new(pattern);
    for flag in options.chars() {
        match flag {
            'i' => {
                builder.case_insensitive(true);
            }
            'm' => {
                builder.multi_line(true);
            }
            's' => {
                builder.dot_matches_new_line(true);
            }
            'x' => {
                builder.ignore_whitespace(true);
            }
            'u' | 'l' => {}
            other => {
                return Err(QueryError::location(
                    51108,
                    format!("invalid flag in regex options: {other}"),
                ));
            }
        }
    }
    builder.size_limit(10 * (1 << 20));
    builder.build().map_err(|e| {
        QueryError::location(
            51091,
            format!(
                "Regular expression is invalid or uses a feature the embedded engine lacks (look-around, back-references): /{pattern}/{options}: {e}"
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_apply() {
        let r = compile("^ab", "i").expect("valid");
        assert!(r.is_match("ABc"));
        let r = compile("^b", "m").expect("valid");
        assert!(r.is_match("a\nb"));
    }

    #[test]
    fn empty_group_pattern_matches_everything() {
        assert!(compile("(?:)", "").expect("valid").is_match(""));
    }

    #[test]
    fn unsupported_features_are_errors() {
        assert!(compile("(?=a)", "").is_err());
        assert!(compile("a", "q").is_err());
    }
}
