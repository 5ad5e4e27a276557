//! BSON regular expressions with PCRE semantics, through PCRE2 itself (the `pcre2` crate builds
//! its bundled C library), because mongod uses PCRE2: look-around, back-references, possessive
//! quantifiers, atomic groups and `\Q..\E` then mean exactly what they mean on a real server,
//! and `$regex`, `/.../` literals, `$regexMatch`/`$regexFind`/`$regexFindAll` and `$jsonSchema`
//! `pattern` all compile through `compile` here.
//!
//! Options are mongod's letters: `i` caseless, `m` multi-line, `s` dot-all, `x` extended, `u`
//! (UTF, always on: BSON strings are UTF-8). As in mongod, `\w`, `\d` and POSIX classes stay ASCII
//! (no UCP) while caseless matching folds all of Unicode. A pattern PCRE2 refuses is error 51091
//! with PCRE2's own message; a subject that exhausts PCRE2's match limit (catastrophic
//! backtracking) stops there instead of spinning, and is reported by `try_is_match`.

use crate::error::{QueryError, Result};
use pcre2::bytes::{CaptureLocations, Regex, RegexBuilder};

/// A compiled pattern. Cloning shares the compiled code.
#[derive(Clone, Debug)]
pub struct Pattern {
    re: Regex,
}

/// One match: its byte range and the byte ranges of its groups (None = group did not take part).
#[derive(Clone, Debug, PartialEq)]
pub struct Found {
    pub start: usize,
    pub end: usize,
    pub groups: Vec<Option<(usize, usize)>>,
}

/// Compiles `pattern` with MongoDB option letters (`i`, `m`, `s`, `x`, `u`).
pub fn compile(pattern: &str, options: &str) -> Result<Pattern> {
    let mut builder = RegexBuilder::new();
    builder.utf(true).jit_if_available(true);
    for flag in options.chars() {
        match flag {
            'i' => {
                builder.caseless(true);
            }
            'm' => {
                builder.multi_line(true);
            }
            's' => {
                builder.dotall(true);
            }
            'x' => {
                builder.extended(true);
            }
            // `u` asks for UTF, which is always on; `l` (locale) is accepted by old servers and
            // changes nothing for UTF-8 subjects.
            'u' | 'l' => {}
            other => {
                return Err(QueryError::location(
                    51108,
                    format!("invalid flag in regex options: {other}"),
                ));
            }
        }
    }
    builder
        .build(pattern)
        .map(|re| Pattern { re })
        .map_err(|e| {
            let detail = e.to_string();
            let detail = detail
                .strip_prefix("PCRE2: error compiling pattern ")
                .unwrap_or(&detail);
            QueryError::location(
                51091,
                format!("Regular expression is invalid: {detail} (in /{pattern}/{options})"),
            )
        })
}

impl Pattern {
    /// True when the subject matches; a subject that exhausts PCRE2's limits does not match.
    pub fn is_match(&self, subject: &str) -> bool {
        self.try_is_match(subject).unwrap_or(false)
    }

    /// Like `is_match`, reporting PCRE2's match-limit errors (code 51091 is for compiling; a
    /// failed match is mongod's 51156 "Error occurred while executing the regular expression").
    pub fn try_is_match(&self, subject: &str) -> Result<bool> {
        self.re.is_match(subject.as_bytes()).map_err(match_error)
    }

    /// The first match at or after byte `from` (a character boundary).
    pub fn find_at(&self, subject: &str, from: usize) -> Result<Option<Found>> {
        let mut locations: CaptureLocations = self.re.capture_locations();
        let found = self
            .re
            .captures_read_at(&mut locations, subject.as_bytes(), from)
            .map_err(match_error)?;
        let Some(whole) = found else {
            return Ok(None);
        };
        let groups = (1..locations.len()).map(|i| locations.get(i)).collect();
        Ok(Some(Found {
            start: whole.start(),
            end: whole.end(),
            groups,
        }))
    }

    /// Every non-overlapping match, left to right; after an empty match the search goes on one
    /// character further (never inside a UTF-8 sequence), as mongod's `$regexFindAll` does.
    pub fn find_all(&self, subject: &str) -> Result<Vec<Found>> {
        let mut out = Vec::new();
        let mut from = 0;
        while from <= subject.len() {
            let Some(found) = self.find_at(subject, from)? else {
                break;
            };
            from = if found.end > found.start {
                found.end
            } else {
                found.end
                    + subject[found.end..]
                        .chars()
                        .next()
                        .map_or(1, char::len_utf8)
            };
            out.push(found);
        }
        Ok(out)
    }
}

fn match_error(e: pcre2::Error) -> QueryError {
    QueryError::location(
        51156,
        format!("Error occurred while executing the regular expression: {e}"),
    )
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
        assert!(compile("a.b", "s").expect("valid").is_match("a\nb"));
        assert!(!compile("a.b", "").expect("valid").is_match("a\nb"));
    }

    #[test]
    fn empty_group_pattern_matches_everything() {
        assert!(compile("(?:)", "").expect("valid").is_match(""));
    }

    #[test]
    fn bad_flags_and_patterns_are_mongod_errors() {
        assert_eq!(compile("a", "q").unwrap_err().code, 51108);
        let e = compile("(a", "").unwrap_err();
        assert_eq!(e.code, 51091);
        assert!(e.message.contains("missing closing parenthesis"), "{e:?}");
    }

    #[test]
    fn empty_matches_advance_by_a_character() {
        let all = compile("", "")
            .expect("valid")
            .find_all("é!")
            .expect("no error");
        let starts: Vec<usize> = all.iter().map(|f| f.start).collect();
        assert_eq!(starts, vec![0, 2, 3]);
    }
}
