//! Splits a `%%redis` cell body into commands, byte for byte as redis-cli splits a line
//! (`sdssplitargs`), so that anything pasted from a redis-cli session or a tutorial means the same
//! here.
//!
//! - Between arguments any C whitespace is skipped; an unquoted argument ends at a space, tab, CR
//!   or LF. An unquoted newline ends the command (one command per line).
//! - `"..."` understands `\n \r \t \b \a \xHH` and a backslash before any other byte yields that
//!   byte (`\"`, `\\`). `'...'` only understands `\'`. Quotes may open mid-argument
//!   (`foo"bar baz"` is `foobar baz`), and a closing quote must be followed by whitespace or the
//!   end of input. A newline inside quotes is a literal byte, so a multi-line `EVAL "..."` Lua
//!   script (or a `#!lua` shebang for `FUNCTION LOAD`) works.
//! - Blank lines and lines starting with `#` or `//` are skipped.
//! - `{{name}}` outside quotes inserts a kernel variable's bytes into the current argument, never
//!   re-split: `SET k {{v}}` is three arguments whatever `v` holds. Inside quotes `{{` is literal,
//!   so a Lua table constructor is never mistaken for a variable and users have an escape hatch.
//!
//! Arguments are bytes, not strings: `\xHH` may produce invalid UTF-8 and Redis is binary-safe.

/// One command of the cell.
#[derive(Debug, Clone, PartialEq)]
pub struct Command {
    pub args: Vec<Vec<u8>>,
    /// The command as written (trimmed), shown beside its reply.
    pub text: String,
    /// 0-based line of the body where the command starts.
    pub line: usize,
}

impl Command {
    /// The command name in upper case (`GET`), for classification.
    pub fn name(&self) -> String {
        self.arg_upper(0)
    }

    /// Argument `index` as upper-case text (empty when missing), for matching keywords.
    pub fn arg_upper(&self, index: usize) -> String {
        self.args
            .get(index)
            .map(|a| String::from_utf8_lossy(a).to_ascii_uppercase())
            .unwrap_or_default()
    }
}

/// A syntax error: what went wrong and where (0-based body line, 1-based column).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenizeError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Looks a variable up by name and returns the bytes to insert, or a message for the user.
pub type Lookup<'a> = dyn Fn(&str) -> Result<Vec<u8>, String> + 'a;

/// Splits `body` into commands. `lookup` resolves `{{name}}`.
pub fn tokenize(body: &str, lookup: &Lookup<'_>) -> Result<Vec<Command>, TokenizeError> {
    Tokenizer {
        body,
        bytes: body.as_bytes(),
        pos: 0,
        lookup,
    }
    .commands()
}

/// C `isspace`: what sdssplitargs skips between arguments and accepts after a closing quote.
fn is_c_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// Bytes that end an unquoted argument (sdssplitargs checks exactly these).
fn ends_unquoted(b: u8) -> bool {
    matches!(b, b' ' | b'\n' | b'\r' | b'\t')
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

struct Tokenizer<'a, 'l> {
    body: &'a str,
    bytes: &'a [u8],
    pos: usize,
    lookup: &'a Lookup<'l>,
}

impl Tokenizer<'_, '_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.pos + offset).copied()
    }

    /// 0-based line and 1-based column (in characters) of byte offset `at`.
    fn position(&self, at: usize) -> (usize, usize) {
        let before = self.bytes.get(..at).unwrap_or(self.bytes);
        let line = before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map(|p| p + 1)
            .unwrap_or(0);
        let column = String::from_utf8_lossy(before.get(line_start..).unwrap_or_default())
            .chars()
            .count()
            + 1;
        (line, column)
    }

    fn error(&self, at: usize, message: impl Into<String>) -> TokenizeError {
        let (line, column) = self.position(at);
        TokenizeError {
            line,
            column,
            message: message.into(),
        }
    }

    fn skip_to_line_end(&mut self) {
        while let Some(b) = self.peek() {
            if b == b'\n' {
                break;
            }
            self.pos += 1;
        }
    }

    fn commands(mut self) -> Result<Vec<Command>, TokenizeError> {
        let mut commands = Vec::new();
        while self.pos < self.bytes.len() {
            while matches!(self.peek(), Some(b) if is_c_space(b) && b != b'\n') {
                self.pos += 1;
            }
            match self.peek() {
                None => break,
                Some(b'\n') => {
                    self.pos += 1;
                    continue;
                }
                Some(b'#') => {
                    self.skip_to_line_end();
                    continue;
                }
                Some(b'/') if self.peek_at(1) == Some(b'/') => {
                    self.skip_to_line_end();
                    continue;
                }
                Some(_) => {}
            }
            let start = self.pos;
            let mut args = Vec::new();
            loop {
                while matches!(self.peek(), Some(b) if is_c_space(b) && b != b'\n') {
                    self.pos += 1;
                }
                match self.peek() {
                    None | Some(b'\n') => break,
                    Some(_) => args.push(self.argument()?),
                }
            }
            let text = self
                .body
                .get(start..self.pos)
                .unwrap_or_default()
                .trim()
                .to_string();
            let (line, _) = self.position(start);
            commands.push(Command { args, text, line });
        }
        Ok(commands)
    }

    /// One argument starting at the current byte (which is not whitespace).
    fn argument(&mut self) -> Result<Vec<u8>, TokenizeError> {
        let mut arg = Vec::new();
        while let Some(b) = self.peek() {
            match b {
                b if ends_unquoted(b) => break,
                b'"' => {
                    self.double_quoted(&mut arg)?;
                    break;
                }
                b'\'' => {
                    self.single_quoted(&mut arg)?;
                    break;
                }
                b'{' if self.peek_at(1) == Some(b'{') => {
                    if let Some((name, end)) = self.variable_at(self.pos) {
                        let value = (self.lookup)(&name)
                            .map_err(|message| self.error(self.pos, message))?;
                        arg.extend_from_slice(&value);
                        self.pos = end;
                    } else {
                        arg.push(b);
                        self.pos += 1;
                    }
                }
                _ => {
                    arg.push(b);
                    self.pos += 1;
                }
            }
        }
        Ok(arg)
    }

    /// `{{ name }}` at `at`: the name and the offset after `}}`, if it is a well-formed reference.
    fn variable_at(&self, at: usize) -> Option<(String, usize)> {
        let rest = self.body.get(at + 2..)?;
        let close = rest.find("}}")?;
        let inner = rest.get(..close)?;
        let name = inner.trim();
        if inner.contains('\n') || !crate::session::variables::valid_name(name) {
            return None;
        }
        Some((name.to_string(), at + 2 + close + 2))
    }

    /// After a closing quote only whitespace or the end may follow (sdssplitargs rejects `"a"b`).
    fn after_closing_quote(&mut self, quote_at: usize) -> Result<(), TokenizeError> {
        self.pos += 1;
        match self.peek() {
            Some(b) if !is_c_space(b) => Err(self.error(
                quote_at,
                "closing quote must be followed by a space or nothing at all (as in redis-cli); put a space after it or move the text inside the quotes",
            )),
            _ => Ok(()),
        }
    }

    fn double_quoted(&mut self, arg: &mut Vec<u8>) -> Result<(), TokenizeError> {
        let open = self.pos;
        self.pos += 1;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error(open, "unterminated double quote; close it with \""));
            };
            match b {
                b'\\' if self.peek_at(1) == Some(b'x') => {
                    match (
                        self.peek_at(2).and_then(hex_value),
                        self.peek_at(3).and_then(hex_value),
                    ) {
                        (Some(high), Some(low)) => {
                            arg.push(high * 16 + low);
                            self.pos += 4;
                        }
                        // `\xZZ` is not a byte escape: the backslash just yields `x`.
                        _ => {
                            arg.push(b'x');
                            self.pos += 2;
                        }
                    }
                }
                b'\\' if self.peek_at(1).is_some() => {
                    let escaped = self.peek_at(1).unwrap_or(b'\\');
                    arg.push(match escaped {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                    self.pos += 2;
                }
                b'"' => return self.after_closing_quote(self.pos),
                other => {
                    arg.push(other);
                    self.pos += 1;
                }
            }
        }
    }

    fn single_quoted(&mut self, arg: &mut Vec<u8>) -> Result<(), TokenizeError> {
        let open = self.pos;
        self.pos += 1;
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error(open, "unterminated single quote; close it with '"));
            };
            match b {
                b'\\' if self.peek_at(1) == Some(b'\'') => {
                    arg.push(b'\'');
                    self.pos += 2;
                }
                b'\'' => return self.after_closing_quote(self.pos),
                other => {
                    arg.push(other);
                    self.pos += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_vars(name: &str) -> Result<Vec<u8>, String> {
        Err(format!("unknown variable '{name}'"))
    }

    fn split(body: &str) -> Vec<Vec<Vec<u8>>> {
        tokenize(body, &no_vars)
            .unwrap()
            .into_iter()
            .map(|c| c.args)
            .collect()
    }

    fn one(body: &str) -> Vec<Vec<u8>> {
        let mut all = split(body);
        assert_eq!(all.len(), 1, "{body:?}");
        all.remove(0)
    }

    fn args(list: &[&str]) -> Vec<Vec<u8>> {
        list.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    fn fails(body: &str) -> TokenizeError {
        tokenize(body, &no_vars).unwrap_err()
    }

    #[test]
    fn plain_words_split_on_whitespace() {
        assert_eq!(one("SET  key\tvalue  "), args(&["SET", "key", "value"]));
    }

    #[test]
    fn double_quote_escapes() {
        assert_eq!(
            one(r#"SET k "a\nb\r\t\b\a\"\\\x41\x7a""#),
            vec![
                b"SET".to_vec(),
                b"k".to_vec(),
                b"a\nb\r\t\x08\x07\"\\Az".to_vec()
            ]
        );
    }

    #[test]
    fn bad_hex_escape_yields_the_letter() {
        assert_eq!(one(r#"GET "\xZZ""#), args(&["GET", "xZZ"]));
        assert_eq!(one(r#"GET "\q""#), args(&["GET", "q"]));
    }

    #[test]
    fn hex_escapes_may_be_invalid_utf8() {
        assert_eq!(one(r#"SET k "\xff\x00""#)[2], vec![0xff, 0x00]);
    }

    #[test]
    fn single_quotes_only_escape_quote() {
        assert_eq!(
            one(r"SET k 'it\'s \n raw'"),
            args(&["SET", "k", r"it's \n raw"])
        );
    }

    #[test]
    fn quotes_may_open_mid_argument() {
        assert_eq!(
            one(r#"SET foo"bar baz" x"#),
            args(&["SET", "foobar baz", "x"])
        );
        assert_eq!(one(r#"GET key"""#), args(&["GET", "key"]));
    }

    #[test]
    fn empty_quotes_are_an_empty_argument() {
        assert_eq!(one(r#"SET k """#), args(&["SET", "k", ""]));
        assert_eq!(one("SET k ''"), args(&["SET", "k", ""]));
    }

    #[test]
    fn closing_quote_must_be_followed_by_space() {
        let e = fails(r#"GET "key"x"#);
        assert!(
            e.message
                .contains("closing quote must be followed by a space"),
            "{}",
            e.message
        );
        assert_eq!((e.line, e.column), (0, 9));
        let e = fails(r#"GET ""key"#);
        assert_eq!((e.line, e.column), (0, 6));
        assert!(fails("GET 'a'b").message.contains("closing quote"));
    }

    #[test]
    fn unterminated_quotes_name_line_and_column() {
        let e = fails("PING\nSET k \"abc");
        assert_eq!((e.line, e.column), (1, 7));
        assert!(
            e.message.contains("unterminated double quote"),
            "{}",
            e.message
        );
        let e = fails("  GET 'x");
        assert_eq!((e.line, e.column), (0, 7));
        assert!(e.message.contains("unterminated single quote"));
    }

    #[test]
    fn newline_ends_a_command_unless_quoted() {
        let cmds = tokenize("SET a 1\nGET a\n\nEVAL \"return\n1\" 0", &no_vars).unwrap();
        assert_eq!(cmds.len(), 3);
        assert_eq!(cmds[1].args, args(&["GET", "a"]));
        assert_eq!(cmds[2].args, args(&["EVAL", "return\n1", "0"]));
        assert_eq!(
            cmds.iter().map(|c| c.line).collect::<Vec<_>>(),
            vec![0, 1, 3]
        );
        assert_eq!(cmds[2].text, "EVAL \"return\n1\" 0");
    }

    #[test]
    fn crlf_line_endings_work() {
        assert_eq!(
            split("GET a\r\nGET b\r\n"),
            vec![args(&["GET", "a"]), args(&["GET", "b"])]
        );
    }

    #[test]
    fn comments_and_blank_lines_are_skipped() {
        assert_eq!(
            split("# a comment\n  // another\n\n   \nPING"),
            vec![args(&["PING"])]
        );
        // `#` only starts a comment at the beginning of a line.
        assert_eq!(
            one("SET k #notacomment"),
            args(&["SET", "k", "#notacomment"])
        );
    }

    #[test]
    fn variables_are_one_argument_never_resplit() {
        let lookup = |name: &str| -> Result<Vec<u8>, String> {
            match name {
                "v" => Ok(b"two words \"q\"".to_vec()),
                "id" => Ok(b"42".to_vec()),
                "empty" => Ok(Vec::new()),
                _ => Err(format!("unknown variable '{name}'")),
            }
        };
        let cmds = tokenize(
            "SET user:{{id}} {{v}}\nSET k {{ empty }}\nSET '{{v}}' \"{{id}}\" {x}",
            &lookup,
        )
        .unwrap();
        assert_eq!(cmds[0].args, args(&["SET", "user:42", "two words \"q\""]));
        assert_eq!(cmds[1].args, args(&["SET", "k", ""]));
        assert_eq!(cmds[2].args, args(&["SET", "{{v}}", "{{id}}", "{x}"]));
        assert_eq!(cmds[0].text, "SET user:{{id}} {{v}}");
    }

    #[test]
    fn unknown_variable_is_an_error_at_its_position() {
        let e = fails("PING\nGET {{nope}}");
        assert_eq!((e.line, e.column), (1, 5));
        assert!(e.message.contains("unknown variable 'nope'"));
    }

    #[test]
    fn malformed_braces_are_literal() {
        assert_eq!(
            one("GET {{a b}} {{1x}} {{"),
            args(&["GET", "{{a", "b}}", "{{1x}}", "{{"])
        );
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let e = fails("SET é \"x");
        assert_eq!(e.column, 7);
    }

    /// An argument written the way redis-cli would read it back: in double quotes, printable
    /// ASCII as is, `"` and `\\` escaped, every other byte as `\xHH`.
    fn double_quoted(arg: &[u8]) -> String {
        let mut out = String::from("\"");
        for &b in arg {
            match b {
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                0x20..=0x7e => out.push(b as char),
                _ => out.push_str(&format!("\\x{b:02x}")),
            }
        }
        out.push('"');
        out
    }

    /// In single quotes only `\'` is an escape, so a backslash cannot be written before a
    /// quote: the generated text has none.
    fn single_quoted(arg: &str) -> String {
        format!("'{}'", arg.replace('\'', "\\'"))
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn lookup(name: &str) -> Result<Vec<u8>, String> {
            if name == "v" {
                Ok(b"two words".to_vec())
            } else {
                Err(format!("unknown variable '{name}'"))
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

            #[test]
            fn arbitrary_text_never_panics(body in any::<String>()) {
                let _ = tokenize(&body, &lookup);
            }

            #[test]
            fn redis_like_text_never_panics(body in r#"[A-Za-z0-9 "'\\\\\n\t{}x#/]{0,80}"#) {
                if let Err(error) = tokenize(&body, &lookup) {
                    // Positions stay inside the body.
                    prop_assert!(error.line <= body.lines().count());
                    prop_assert!(error.column >= 1);
                }
            }

            #[test]
            fn double_quoted_arguments_round_trip(
                commands in proptest::collection::vec(
                    proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..12), 1..5),
                    1..4,
                )
            ) {
                let body = commands
                    .iter()
                    .map(|args| args.iter().map(|a| double_quoted(a)).collect::<Vec<_>>().join(" "))
                    .collect::<Vec<_>>()
                    .join("\n");
                let parsed: Vec<Vec<Vec<u8>>> = tokenize(&body, &lookup)
                    .map_err(|e| TestCaseError::fail(format!("{body:?}: {e:?}")))?
                    .into_iter()
                    .map(|c| c.args)
                    .collect();
                prop_assert_eq!(parsed, commands);
            }

            #[test]
            fn single_quoted_arguments_round_trip(
                args in proptest::collection::vec("[^\\\\\r\n]{0,10}", 1..5)
            ) {
                let body = args.iter().map(|a| single_quoted(a)).collect::<Vec<_>>().join(" ");
                let parsed = tokenize(&body, &lookup)
                    .map_err(|e| TestCaseError::fail(format!("{body:?}: {e:?}")))?;
                prop_assert_eq!(parsed.len(), 1);
                let expected: Vec<Vec<u8>> = args.iter().map(|a| a.as_bytes().to_vec()).collect();
                prop_assert_eq!(&parsed[0].args, &expected);
            }
        }
    }
}
