//! Tokenizer for the mongosh subset.
//!
//! The lexer is pulled one token at a time by the parser rather than run over
//! the whole cell up front, for two reasons: whether `/` starts a regular
//! expression or is a division depends on the previous token (JavaScript's
//! classic ambiguity), and shell directives such as `use my-db` take the raw
//! rest of their line, which is not made of JavaScript tokens at all.
//!
//! Each token records whether a line break preceded it, which the parser needs
//! for automatic semicolon insertion.

use crate::error::ParseError;
use crate::span::{Span, line_column};

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// An identifier or keyword (`db`, `const`, `true`, `$set`).
    Ident(String),
    /// A numeric literal, already converted to a JavaScript number.
    Number(f64),
    /// A quoted string with escapes resolved.
    Str(String),
    /// A backtick template without interpolation, escapes resolved.
    Template(String),
    /// A regular expression literal.
    Regex {
        /// The pattern between the slashes, as written.
        pattern: String,
        /// The flags after the closing slash.
        flags: String,
    },
    /// `{{name}}`: a kernel variable inserted as a value.
    KernelVar(String),
    /// Punctuation or an operator.
    Punct(&'static str),
    /// End of input.
    Eof,
}

/// A token with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    /// The token.
    pub kind: TokenKind,
    /// Where it is.
    pub span: Span,
    /// True when a line break separates it from the previous token.
    pub newline_before: bool,
}

impl Token {
    /// True when this token is the punctuator `p`.
    pub fn is(&self, p: &str) -> bool {
        matches!(&self.kind, TokenKind::Punct(q) if *q == p)
    }

    /// A short description for error messages: `'age'`, `number 3`, `end of input`.
    pub fn describe(&self) -> String {
        match &self.kind {
            TokenKind::Ident(w) => format!("'{w}'"),
            TokenKind::Number(n) => format!("number {}", crate::inspect::js_number(*n)),
            TokenKind::Str(s) | TokenKind::Template(s) => {
                let short: String = s.chars().take(20).collect();
                format!("string '{short}'")
            }
            TokenKind::Regex { pattern, flags } => format!("regex /{pattern}/{flags}"),
            TokenKind::KernelVar(n) => format!("{{{{{n}}}}}"),
            TokenKind::Punct(p) => format!("'{p}'"),
            TokenKind::Eof => "end of input".to_string(),
        }
    }
}

/// Punctuators, longest first so that `===` wins over `==` and `=`.
const PUNCTUATORS: &[&str] = &[
    "...", "===", "!==", "**", "=>", "==", "!=", "<=", ">=", "&&", "||", "??", "?.", "++", "--",
    "+=", "-=", "*=", "/=", "{", "}", "(", ")", "[", "]", ",", ";", ":", ".", "?", "=", "+", "-",
    "*", "/", "%", "!", "<", ">", "&", "|", "^", "~",
];

/// The on-demand tokenizer.
pub struct Lexer<'a> {
    source: &'a str,
    pos: usize,
    /// Whether a `/` at this point starts a regex (true after operators,
    /// false after values).
    regex_allowed: bool,
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `source`.
    pub fn new(source: &'a str) -> Self {
        Lexer {
            source,
            pos: 0,
            regex_allowed: true,
        }
    }

    /// The whole source text.
    pub fn source(&self) -> &'a str {
        self.source
    }

    /// Move to byte offset `pos` (used after a directive consumed its raw line).
    pub fn reset_to(&mut self, pos: usize) {
        self.pos = pos.min(self.source.len());
        self.regex_allowed = true;
    }

    pub(crate) fn span(&self, start: usize, end: usize) -> Span {
        let (line, column) = line_column(self.source, start);
        Span {
            start,
            end,
            line,
            column,
        }
    }

    fn peek_char(&self) -> Option<char> {
        self.source[self.pos..].chars().next()
    }

    fn peek_char_at(&self, ahead: usize) -> Option<char> {
        self.source[self.pos..].chars().nth(ahead)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn error(&self, message: impl Into<String>, start: usize) -> ParseError {
        let end = (start + 1).min(self.source.len()).max(start);
        ParseError::new(message, self.span(start, end))
    }

    /// Skip whitespace and comments; report whether a line break was crossed.
    fn skip_trivia(&mut self) -> Result<bool, ParseError> {
        let mut newline = false;
        loop {
            match self.peek_char() {
                Some('\n') | Some('\u{2028}') | Some('\u{2029}') => {
                    newline = true;
                    self.bump();
                }
                Some(c) if c.is_whitespace() || c == '\u{feff}' => {
                    self.bump();
                }
                Some('/') if self.peek_char_at(1) == Some('/') => {
                    while let Some(c) = self.peek_char() {
                        if c == '\n' {
                            break;
                        }
                        self.bump();
                    }
                }
                Some('/') if self.peek_char_at(1) == Some('*') => {
                    let start = self.pos;
                    self.pos += 2;
                    match self.source[self.pos..].find("*/") {
                        Some(end) => {
                            if self.source[self.pos..self.pos + end].contains('\n') {
                                newline = true;
                            }
                            self.pos += end + 2;
                        }
                        None => {
                            return Err(
                                self.error("unterminated comment: '/*' has no closing '*/'", start)
                            );
                        }
                    }
                }
                _ => return Ok(newline),
            }
        }
    }

    /// The next token.
    pub fn next_token(&mut self) -> Result<Token, ParseError> {
        let newline_before = self.skip_trivia()?;
        let start = self.pos;
        let Some(c) = self.peek_char() else {
            return Ok(Token {
                kind: TokenKind::Eof,
                span: self.span(start, start),
                newline_before,
            });
        };
        let kind = if is_ident_start(c) {
            self.ident()
        } else if c.is_ascii_digit()
            || (c == '.' && self.peek_char_at(1).is_some_and(|d| d.is_ascii_digit()))
        {
            self.number(start)?
        } else if c == '\'' || c == '"' {
            self.string(start, c)?
        } else if c == '`' {
            self.template(start)?
        } else if c == '{' && self.source[self.pos..].starts_with("{{") {
            match self.kernel_var() {
                Some(kind) => kind,
                None => self.punct(start)?,
            }
        } else if c == '/' && self.regex_allowed {
            self.regex(start)?
        } else {
            self.punct(start)?
        };
        self.regex_allowed = match &kind {
            TokenKind::Punct(p) => !matches!(*p, ")" | "]" | "}"),
            TokenKind::Ident(w) => matches!(
                w.as_str(),
                "return"
                    | "typeof"
                    | "case"
                    | "do"
                    | "else"
                    | "in"
                    | "of"
                    | "new"
                    | "void"
                    | "await"
            ),
            _ => false,
        };
        Ok(Token {
            kind,
            span: self.span(start, self.pos),
            newline_before,
        })
    }

    fn ident(&mut self) -> TokenKind {
        let start = self.pos;
        while let Some(c) = self.peek_char() {
            if is_ident_part(c) {
                self.bump();
            } else {
                break;
            }
        }
        TokenKind::Ident(self.source[start..self.pos].to_string())
    }

    /// `{{ name }}`: only when the braces hold exactly one identifier, so that
    /// ordinary nested objects are never mistaken for kernel variables.
    fn kernel_var(&mut self) -> Option<TokenKind> {
        let rest = &self.source[self.pos + 2..];
        let close = rest.find("}}")?;
        let inner = rest[..close].trim();
        let mut chars = inner.chars();
        let first = chars.next()?;
        if !is_ident_start(first) || !chars.all(|c| is_ident_part(c) || c == '.') {
            return None;
        }
        self.pos += 2 + close + 2;
        Some(TokenKind::KernelVar(inner.to_string()))
    }

    fn punct(&mut self, start: usize) -> Result<TokenKind, ParseError> {
        let rest = &self.source[self.pos..];
        for p in PUNCTUATORS {
            if rest.starts_with(p) {
                self.pos += p.len();
                return Ok(TokenKind::Punct(p));
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        let hint = match c {
            '\u{2018}' | '\u{2019}' | '\u{201c}' | '\u{201d}' => {
                " (a typographic quote: use ' or \" instead)"
            }
            '#' => " ('#' comments are not JavaScript: use //)",
            _ => "",
        };
        Err(self.error(format!("unexpected character '{c}'{hint}"), start))
    }

    fn number(&mut self, start: usize) -> Result<TokenKind, ParseError> {
        let rest = &self.source[self.pos..];
        let radix = match rest.get(..2) {
            Some("0x") | Some("0X") => 16,
            Some("0o") | Some("0O") => 8,
            Some("0b") | Some("0B") => 2,
            _ => 10,
        };
        let value = if radix != 10 {
            self.pos += 2;
            let digits_start = self.pos;
            while self
                .peek_char()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                self.bump();
            }
            let digits: String = self.source[digits_start..self.pos]
                .chars()
                .filter(|c| *c != '_')
                .collect();
            if digits.is_empty() {
                return Err(self.error("missing digits after the number prefix", start));
            }
            let mut value = 0f64;
            for d in digits.chars() {
                match d.to_digit(radix) {
                    Some(v) => value = value * radix as f64 + v as f64,
                    None => {
                        return Err(self.error(
                            format!("'{d}' is not a valid digit in a base-{radix} number"),
                            start,
                        ));
                    }
                }
            }
            value
        } else {
            let mut text = String::new();
            let mut seen_dot = false;
            let mut seen_exp = false;
            while let Some(c) = self.peek_char() {
                if c.is_ascii_digit() {
                    text.push(c);
                } else if c == '_' {
                    // numeric separator, ignored
                } else if c == '.' && !seen_dot && !seen_exp {
                    // `1..toString()` style is not worth supporting; `1.e3` is.
                    if self.peek_char_at(1) == Some('.') {
                        break;
                    }
                    seen_dot = true;
                    text.push(c);
                } else if (c == 'e' || c == 'E') && !seen_exp {
                    let sign = self.peek_char_at(1);
                    let after = if matches!(sign, Some('+') | Some('-')) {
                        self.peek_char_at(2)
                    } else {
                        sign
                    };
                    if !after.is_some_and(|d| d.is_ascii_digit()) {
                        return Err(self.error("missing exponent digits in number", start));
                    }
                    seen_exp = true;
                    text.push('e');
                    self.bump();
                    if let Some(s @ ('+' | '-')) = self.peek_char() {
                        text.push(s);
                        self.bump();
                    }
                    continue;
                } else {
                    break;
                }
                self.bump();
            }
            text.parse::<f64>()
                .map_err(|_| self.error(format!("'{text}' is not a valid number"), start))?
        };
        if let Some(c) = self.peek_char() {
            if c == 'n' {
                return Err(self.error(
                    "BigInt literals (123n) are not supported: use NumberLong('123')",
                    start,
                ));
            }
            if is_ident_start(c) {
                return Err(self.error(
                    format!("identifier starts immediately after number: '{c}'"),
                    start,
                ));
            }
        }
        Ok(TokenKind::Number(value))
    }

    fn escape(&mut self, start: usize) -> Result<Option<char>, ParseError> {
        let at = self.pos;
        let Some(c) = self.bump() else {
            return Err(self.error("unterminated string literal", start));
        };
        Ok(Some(match c {
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            'b' => '\u{8}',
            'f' => '\u{c}',
            'v' => '\u{b}',
            '0' if !self.peek_char().is_some_and(|d| d.is_ascii_digit()) => '\0',
            '\r' => {
                if self.peek_char() == Some('\n') {
                    self.bump();
                }
                return Ok(None);
            }
            '\n' | '\u{2028}' | '\u{2029}' => return Ok(None),
            'x' => {
                let hex = self
                    .take_hex(2)
                    .ok_or_else(|| self.error("invalid \\x escape: expected two hex digits", at))?;
                char::from_u32(hex).unwrap_or('\u{fffd}')
            }
            'u' => {
                let code = if self.peek_char() == Some('{') {
                    self.bump();
                    let digits_start = self.pos;
                    while self.peek_char().is_some_and(|c| c.is_ascii_hexdigit()) {
                        self.bump();
                    }
                    let digits = &self.source[digits_start..self.pos];
                    if self.bump() != Some('}') || digits.is_empty() {
                        return Err(self.error("invalid \\u{...} escape", at));
                    }
                    u32::from_str_radix(digits, 16)
                        .map_err(|_| self.error("invalid \\u{...} escape", at))?
                } else {
                    self.take_hex(4).ok_or_else(|| {
                        self.error("invalid \\u escape: expected four hex digits", at)
                    })?
                };
                if (0xD800..0xDC00).contains(&code) && self.source[self.pos..].starts_with("\\u") {
                    // A surrogate pair written as two escapes.
                    let saved = self.pos;
                    self.pos += 2;
                    match self.take_hex(4) {
                        Some(low) if (0xDC00..0xE000).contains(&low) => {
                            let combined = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                            return Ok(Some(char::from_u32(combined).unwrap_or('\u{fffd}')));
                        }
                        _ => self.pos = saved,
                    }
                }
                char::from_u32(code).unwrap_or('\u{fffd}')
            }
            other => other,
        }))
    }

    fn take_hex(&mut self, n: usize) -> Option<u32> {
        let digits = self.source.get(self.pos..self.pos + n)?;
        if !digits.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.pos += n;
        u32::from_str_radix(digits, 16).ok()
    }

    fn string(&mut self, start: usize, quote: char) -> Result<TokenKind, ParseError> {
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => {
                    return Err(self.error(
                        format!("unterminated string: missing closing {quote}"),
                        start,
                    ));
                }
                Some(c) if c == quote => return Ok(TokenKind::Str(out)),
                Some('\\') => {
                    if let Some(c) = self.escape(start)? {
                        out.push(c);
                    }
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn template(&mut self, start: usize) -> Result<TokenKind, ParseError> {
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(
                        self.error("unterminated template string: missing closing `", start)
                    );
                }
                Some('`') => return Ok(TokenKind::Template(out)),
                Some('\\') => {
                    if let Some(c) = self.escape(start)? {
                        out.push(c);
                    }
                }
                Some('$') if self.peek_char() == Some('{') => {
                    return Err(self.error(
                        "template interpolation ${...} is not supported: build the value with + or use a {{kernel variable}}",
                        self.pos - 1,
                    ));
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn regex(&mut self, start: usize) -> Result<TokenKind, ParseError> {
        self.bump();
        let mut pattern = String::new();
        let mut in_class = false;
        loop {
            match self.bump() {
                None | Some('\n') => {
                    return Err(
                        self.error("unterminated regular expression: missing closing /", start)
                    );
                }
                Some('\\') => {
                    pattern.push('\\');
                    match self.bump() {
                        Some('\n') | None => {
                            return Err(self.error(
                                "unterminated regular expression: missing closing /",
                                start,
                            ));
                        }
                        Some(c) => pattern.push(c),
                    }
                }
                Some('[') => {
                    in_class = true;
                    pattern.push('[');
                }
                Some(']') => {
                    in_class = false;
                    pattern.push(']');
                }
                Some('/') if !in_class => break,
                Some(c) => pattern.push(c),
            }
        }
        let flags_start = self.pos;
        while self.peek_char().is_some_and(is_ident_part) {
            self.bump();
        }
        let flags = self.source[flags_start..self.pos].to_string();
        if let Some(bad) = flags.chars().find(|c| !"dgimsuvy".contains(*c)) {
            return Err(self.error(
                format!("invalid regular expression flag '{bad}'"),
                flags_start,
            ));
        }
        Ok(TokenKind::Regex { pattern, flags })
    }
}

/// Whether `c` can start a JavaScript identifier (`$` and `_` included).
pub fn is_ident_start(c: char) -> bool {
    c == '$' || c == '_' || c.is_alphabetic()
}

/// Whether `c` can continue a JavaScript identifier.
pub fn is_ident_part(c: char) -> bool {
    is_ident_start(c) || c.is_alphanumeric() || c == '\u{200c}' || c == '\u{200d}'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<TokenKind> {
        let mut lexer = Lexer::new(src);
        let mut out = Vec::new();
        loop {
            let t = lexer.next_token().unwrap();
            if t.kind == TokenKind::Eof {
                return out;
            }
            out.push(t.kind);
        }
    }

    fn err(src: &str) -> String {
        let mut lexer = Lexer::new(src);
        loop {
            match lexer.next_token() {
                Ok(t) if t.kind == TokenKind::Eof => panic!("no error for {src}"),
                Ok(_) => {}
                Err(e) => return e.message,
            }
        }
    }

    #[test]
    fn numbers_in_all_forms() {
        assert_eq!(
            kinds("1 1.5 .5 1e3 2E-2 0x1F 0o17 0b101 1_000"),
            [1.0, 1.5, 0.5, 1000.0, 0.02, 31.0, 15.0, 5.0, 1000.0]
                .map(TokenKind::Number)
                .to_vec()
        );
    }

    #[test]
    fn string_escapes() {
        assert_eq!(
            kinds(r#"'a\'b' "c\"d\n" 'é\x41\u0042\u{43}' '\uD83D\uDE00'"#),
            vec![
                TokenKind::Str("a'b".into()),
                TokenKind::Str("c\"d\n".into()),
                TokenKind::Str("éABC".into()),
                TokenKind::Str("😀".into()),
            ]
        );
    }

    #[test]
    fn regex_versus_division() {
        assert_eq!(
            kinds("a / 2"),
            vec![
                TokenKind::Ident("a".into()),
                TokenKind::Punct("/"),
                TokenKind::Number(2.0)
            ]
        );
        assert_eq!(
            kinds("x(/jo[/]hn/i)"),
            vec![
                TokenKind::Ident("x".into()),
                TokenKind::Punct("("),
                TokenKind::Regex {
                    pattern: "jo[/]hn".into(),
                    flags: "i".into()
                },
                TokenKind::Punct(")"),
            ]
        );
    }

    #[test]
    fn comments_and_newlines() {
        let mut lexer = Lexer::new("a // c\n/* x\n */ b");
        assert!(!lexer.next_token().unwrap().newline_before);
        assert!(lexer.next_token().unwrap().newline_before);
    }

    #[test]
    fn kernel_variables_only_when_one_name() {
        assert_eq!(
            kinds("{{ limit }}"),
            vec![TokenKind::KernelVar("limit".into())]
        );
        assert_eq!(kinds("{{}}").len(), 4);
    }

    #[test]
    fn lexical_errors() {
        assert_eq!(err("'abc"), "unterminated string: missing closing '");
        assert_eq!(
            err("12n"),
            "BigInt literals (123n) are not supported: use NumberLong('123')"
        );
        assert_eq!(
            err("/* x"),
            "unterminated comment: '/*' has no closing '*/'"
        );
        assert_eq!(
            err("# x"),
            "unexpected character '#' ('#' comments are not JavaScript: use //)"
        );
    }
}
