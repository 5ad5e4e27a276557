//! Splits a magic line into words the way a shell would: whitespace separates, single or double
//! quotes group (so `%connect pg "postgres://u:p w@h/db"` works), backslash escapes inside double
//! quotes.

/// Splits `line` into words; an unclosed quote is an error naming the position.
pub fn split_words(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = line.char_indices().peekable();
    while let Some((pos, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            '\'' | '"' => {
                in_word = true;
                let quote = c;
                let mut closed = false;
                while let Some((_, q)) = chars.next() {
                    if q == quote {
                        closed = true;
                        break;
                    }
                    if q == '\\' && quote == '"' {
                        if let Some((_, escaped)) = chars.next() {
                            current.push(escaped);
                        }
                        continue;
                    }
                    current.push(q);
                }
                if !closed {
                    return Err(format!(
                        "unclosed {quote} quote starting at column {}",
                        pos + 1
                    ));
                }
            }
            _ => {
                in_word = true;
                current.push(c);
            }
        }
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_group_words() {
        assert_eq!(
            split_words(r#"a "b c" 'd e' f"#).unwrap(),
            vec!["a", "b c", "d e", "f"]
        );
    }

    #[test]
    fn unclosed_quote_is_an_error() {
        assert!(split_words("a 'b").unwrap_err().contains("column 3"));
    }
}
