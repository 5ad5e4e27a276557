//! is_complete_reply: used by consoles to decide whether Enter runs the cell. A cell is
//! incomplete while a quote, comment or bracket is open; an unknown cell magic is invalid.

use serde_json::{Value as Json, json};

use super::string_field;
use crate::cell::parse_cell;

pub fn reply(content: &Json) -> Result<Json, String> {
    let code = string_field(content, "code")?;
    Ok(match status(code) {
        "incomplete" => json!({"status": "incomplete", "indent": ""}),
        s => json!({"status": s}),
    })
}

pub fn status(code: &str) -> &'static str {
    if parse_cell(code).is_err() {
        return "invalid";
    }
    if open_constructs(code) {
        "incomplete"
    } else {
        "complete"
    }
}

/// Whether a quote, block comment or bracket is still open at the end of the text.
fn open_constructs(code: &str) -> bool {
    let mut depth: i64 = 0;
    let mut chars = code.chars().peekable();
    let mut quote: Option<char> = None;
    let mut block_comment = false;
    let mut line_comment = false;
    while let Some(c) = chars.next() {
        if line_comment {
            line_comment = c != '\n';
            continue;
        }
        if block_comment {
            if c == '*' && chars.peek() == Some(&'/') {
                chars.next();
                block_comment = false;
            }
            continue;
        }
        if let Some(q) = quote {
            if c == '\\' && q != '\'' {
                chars.next();
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' | '`' => quote = Some(c),
            '-' if chars.peek() == Some(&'-') => line_comment = true,
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                block_comment = true;
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    quote.is_some() || block_comment || depth > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_brackets_and_quotes_are_incomplete() {
        assert_eq!(status("%%sql\nSELECT 1;"), "complete");
        assert_eq!(status("%%sql\nSELECT ("), "incomplete");
        assert_eq!(status("SELECT 'abc"), "incomplete");
        assert_eq!(status("%%mql\ndb.c.find({a: 1"), "incomplete");
        assert_eq!(status("SELECT 1 -- (comment"), "complete");
    }

    #[test]
    fn unknown_magic_is_invalid() {
        assert_eq!(status("%%nosuchmagic"), "invalid");
    }
}
