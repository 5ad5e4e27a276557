//! inspect_reply (Shift-Tab): help for the magic under the cursor.

use serde_json::{Value as Json, json};

use super::{cursor_byte_offset, string_field};
use crate::cell::magics::help_for;

pub fn reply(content: &Json) -> Result<Json, String> {
    let code = string_field(content, "code")?;
    let cursor = cursor_byte_offset(content, code)?;
    let word = word_at(code, cursor);
    Ok(match word.strip_prefix('%').and_then(help_for) {
        Some(help) => {
            json!({"status": "ok", "found": true, "data": {"text/plain": help}, "metadata": {}})
        }
        None => json!({"status": "ok", "found": false, "data": {}, "metadata": {}}),
    })
}

/// The word (letters, digits, `_`, `%`) around the byte offset.
fn word_at(code: &str, cursor: usize) -> &str {
    let is_word = |c: char| c.is_alphanumeric() || c == '_' || c == '%';
    let start = code[..cursor]
        .char_indices()
        .rev()
        .find(|(_, c)| !is_word(*c))
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    let end = code[cursor..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map(|(i, _)| cursor + i)
        .unwrap_or(code.len());
    &code[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_help_for_magics() {
        let r = reply(&json!({"code": "%%sql pg", "cursor_pos": 3})).unwrap();
        assert_eq!(r["found"], true);
        assert!(
            r["data"]["text/plain"]
                .as_str()
                .unwrap()
                .contains("--limit")
        );
        let r = reply(&json!({"code": "SELECT", "cursor_pos": 2})).unwrap();
        assert_eq!(r["found"], false);
    }
}
