//! complete_reply: magics anywhere a `%` word starts, then words of the cell's language
//! (SQL keywords, Redis commands, mongosh helpers). Positions are Unicode code points.

use serde_json::{Value as Json, json};

use super::words::{MONGOSH_WORDS, REDIS_COMMANDS, SQL_KEYWORDS};
use super::{code_points, cursor_byte_offset, string_field};
use crate::cell::{CELL_MAGICS, magics::LINE_MAGICS};

pub fn reply(content: &Json) -> Result<Json, String> {
    let code = string_field(content, "code")?;
    let cursor = cursor_byte_offset(content, code)?;
    let (start, matches) = complete(code, cursor);
    Ok(json!({
        "status": "ok",
        "matches": matches,
        "cursor_start": code_points(code, start),
        "cursor_end": code_points(code, cursor),
        "metadata": {}
    }))
}

/// Returns the byte offset where the completed word starts and the candidates.
pub fn complete(code: &str, cursor: usize) -> (usize, Vec<String>) {
    let before = &code[..cursor];
    let start = before
        .char_indices()
        .rev()
        .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '%' | '$')))
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    let word = &before[start..];
    if word.is_empty() {
        return (start, Vec::new());
    }
    let line_start = before[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let at_line_start = before[line_start..start].trim().is_empty();
    if word.starts_with('%') {
        let magics: Vec<String> = if at_line_start {
            CELL_MAGICS
                .iter()
                .chain(LINE_MAGICS)
                .filter(|m| m.starts_with(word))
                .map(|m| m.to_string())
                .collect()
        } else {
            Vec::new()
        };
        return (start, magics);
    }
    let first_line = code.lines().next().unwrap_or("").trim_start();
    let (words, case_insensitive): (&[&str], bool) = if first_line.starts_with("%%redis") {
        (REDIS_COMMANDS, true)
    } else if first_line.starts_with("%%mql") || first_line.starts_with("%%mongo") {
        (MONGOSH_WORDS, false)
    } else {
        (SQL_KEYWORDS, true)
    };
    let lower = word.to_lowercase();
    let upper_typed = word.chars().any(char::is_uppercase);
    let matches = words
        .iter()
        .filter(|w| {
            if case_insensitive {
                w.to_lowercase().starts_with(&lower)
            } else {
                w.starts_with(word)
            }
        })
        // Keep the user's case: `sel` completes to `select`, `SEL` to `SELECT`.
        .map(|w| {
            if case_insensitive && !upper_typed {
                w.to_lowercase()
            } else {
                w.to_string()
            }
        })
        .collect();
    (start, matches)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completes_cell_magics_at_line_start() {
        let (start, m) = complete("%%sq", 4);
        assert_eq!(start, 0);
        assert_eq!(m, vec!["%%sql"]);
    }

    #[test]
    fn completes_sql_keywords_in_the_users_case() {
        assert!(complete("sel", 3).1.contains(&"select".to_string()));
        assert!(complete("SEL", 3).1.contains(&"SELECT".to_string()));
    }

    #[test]
    fn completes_redis_commands_in_redis_cells() {
        let code = "%%redis\nHGETA";
        assert_eq!(complete(code, code.len()).1, vec!["HGETALL"]);
    }

    #[test]
    fn code_point_positions_with_non_ascii_text() {
        let code = "SELECT 'é' FRO";
        let reply = reply(&json!({"code": code, "cursor_pos": code.chars().count()})).unwrap();
        assert_eq!(reply["cursor_start"], 11);
        assert_eq!(reply["cursor_end"], 14);
    }
}
