//! A SQL lexer that only knows what it takes to find statement boundaries, bind markers and
//! leading keywords: quotes, comments, dollar quotes, words and single punctuation bytes.
//!
//! It is deliberately not a parser: it never rejects input (an unterminated quote or comment runs
//! to the end of the text and the server reports the real error), and every token carries byte
//! offsets into the cell so errors can point back at the user's text. All the bytes it treats
//! specially are ASCII, so token boundaries always fall on UTF-8 character boundaries; any byte
//! >= 0x80 is part of a word.

/// The SQL dialect decides which quoting and comment rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dialect {
    Postgres,
    MySql,
    Sqlite,
}

impl Dialect {
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "PostgreSQL",
            Dialect::MySql => "MySQL",
            Dialect::Sqlite => "SQLite",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Space,
    Comment,
    /// An identifier, keyword or number.
    Word,
    /// A string literal or quoted identifier ('..', E'..', "..", `..`, [..]).
    Quoted,
    /// A PostgreSQL dollar-quoted body ($$..$$, $tag$..$tag$).
    Dollar,
    /// Any other single byte (`;`, `(`, `:`, ...).
    Punct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// Whether the token carries meaning (not whitespace or a comment).
    pub fn is_significant(&self) -> bool {
        !matches!(self.kind, TokenKind::Space | TokenKind::Comment)
    }
}

pub struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    dialect: Dialect,
}

fn is_word_start(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

impl<'a> Lexer<'a> {
    pub fn new(text: &'a str, dialect: Dialect) -> Self {
        Lexer {
            src: text.as_bytes(),
            pos: 0,
            dialect,
        }
    }

    /// Moves the lexer to a byte offset (used by the splitter to skip a `DELIMITER` line or a
    /// multi-byte custom delimiter). Offsets past the end are clamped.
    pub fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.src.len());
    }

    fn at(&self, i: usize) -> Option<u8> {
        self.src.get(i).copied()
    }

    fn is_word_continue(&self, b: u8) -> bool {
        // `$` may follow the first character of an identifier in PostgreSQL and MySQL, so that
        // `a$b$` is a word, not the start of a dollar quote.
        is_word_start(b) || (b == b'$' && self.dialect != Dialect::Sqlite)
    }

    /// End of a quoted run starting at `start` (the opening quote). `backslash` enables `\x`
    /// escapes; a doubled closing quote is always an escaped quote.
    fn quoted_end(&self, start: usize, close: u8, backslash: bool) -> usize {
        let mut i = start + 1;
        while let Some(b) = self.at(i) {
            if backslash && b == b'\\' {
                i += 2;
                continue;
            }
            if b == close {
                if self.at(i + 1) == Some(close) && close != b']' {
                    i += 2;
                    continue;
                }
                return i + 1;
            }
            i += 1;
        }
        self.src.len()
    }

    fn line_comment_end(&self, start: usize) -> usize {
        let mut i = start;
        while let Some(b) = self.at(i) {
            if b == b'\n' {
                return i;
            }
            i += 1;
        }
        self.src.len()
    }

    fn block_comment_end(&self, start: usize) -> usize {
        // PostgreSQL nests block comments; MySQL and SQLite end at the first `*/`.
        let nested = self.dialect == Dialect::Postgres;
        let mut depth = 0usize;
        let mut i = start;
        while i < self.src.len() {
            if self.at(i) == Some(b'/') && self.at(i + 1) == Some(b'*') {
                depth += 1;
                i += 2;
                if !nested && depth > 1 {
                    depth = 1;
                }
                continue;
            }
            if self.at(i) == Some(b'*') && self.at(i + 1) == Some(b'/') {
                depth = depth.saturating_sub(1);
                i += 2;
                if depth == 0 {
                    return i;
                }
                continue;
            }
            i += 1;
        }
        self.src.len()
    }

    /// If a dollar-quote tag (`$$` or `$tag$`) starts at `start`, its length.
    fn dollar_tag_len(&self, start: usize) -> Option<usize> {
        let mut i = start + 1;
        if let Some(b) = self.at(i)
            && b != b'$'
        {
            if b.is_ascii_digit() || !is_word_start(b) {
                return None;
            }
            while let Some(b) = self.at(i) {
                if b == b'$' {
                    break;
                }
                if !is_word_start(b) {
                    return None;
                }
                i += 1;
            }
        }
        (self.at(i) == Some(b'$')).then_some(i + 1 - start)
    }

    fn dollar_end(&self, start: usize, tag_len: usize) -> usize {
        let tag = &self.src[start..start + tag_len];
        let mut i = start + tag_len;
        while i + tag_len <= self.src.len() {
            if &self.src[i..i + tag_len] == tag {
                return i + tag_len;
            }
            i += 1;
        }
        self.src.len()
    }

    fn mysql_dash_comment(&self, start: usize) -> bool {
        // MySQL needs whitespace or a control character after `--` for it to start a comment.
        self.at(start + 2).is_none_or(|b| b <= b' ')
    }
}

impl Iterator for Lexer<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let start = self.pos;
        let b = self.at(start)?;
        let next = self.at(start + 1);
        let (kind, end) = match b {
            b if b.is_ascii_whitespace() => {
                let mut i = start;
                while self.at(i).is_some_and(|b| b.is_ascii_whitespace()) {
                    i += 1;
                }
                (TokenKind::Space, i)
            }
            b'-' if next == Some(b'-')
                && (self.dialect != Dialect::MySql || self.mysql_dash_comment(start)) =>
            {
                (TokenKind::Comment, self.line_comment_end(start))
            }
            b'#' if self.dialect == Dialect::MySql => {
                (TokenKind::Comment, self.line_comment_end(start))
            }
            b'/' if next == Some(b'*') => (TokenKind::Comment, self.block_comment_end(start)),
            b'\'' => (
                TokenKind::Quoted,
                self.quoted_end(start, b'\'', self.dialect == Dialect::MySql),
            ),
            b'"' => (
                TokenKind::Quoted,
                self.quoted_end(start, b'"', self.dialect == Dialect::MySql),
            ),
            b'`' if self.dialect != Dialect::Postgres => {
                (TokenKind::Quoted, self.quoted_end(start, b'`', false))
            }
            b'[' if self.dialect == Dialect::Sqlite => {
                (TokenKind::Quoted, self.quoted_end(start, b']', false))
            }
            b'$' if self.dialect == Dialect::Postgres => match self.dollar_tag_len(start) {
                Some(len) => (TokenKind::Dollar, self.dollar_end(start, len)),
                None => (TokenKind::Punct, start + 1),
            },
            b if is_word_start(b) => {
                // PostgreSQL escape strings: E'..' (or e'..') take backslash escapes.
                if (b == b'E' || b == b'e')
                    && next == Some(b'\'')
                    && self.dialect == Dialect::Postgres
                {
                    (TokenKind::Quoted, self.quoted_end(start + 1, b'\'', true))
                } else {
                    let mut i = start + 1;
                    while self.at(i).is_some_and(|b| self.is_word_continue(b)) {
                        i += 1;
                    }
                    (TokenKind::Word, i)
                }
            }
            _ => (TokenKind::Punct, start + 1),
        };
        self.pos = end;
        Some(Token { kind, start, end })
    }
}

/// The upper-cased words at the start of a statement (comments and punctuation skipped, quoted
/// names ignored), at most `max` of them: enough to classify a statement.
pub fn leading_words(text: &str, dialect: Dialect, max: usize) -> Vec<String> {
    Lexer::new(text, dialect)
        .filter(|t| t.kind == TokenKind::Word)
        .take(max)
        .map(|t| text[t.start..t.end].to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str, dialect: Dialect) -> Vec<(TokenKind, &str)> {
        Lexer::new(text, dialect)
            .filter(|t| t.kind != TokenKind::Space)
            .map(|t| (t.kind, &text[t.start..t.end]))
            .collect()
    }

    #[test]
    fn doubled_quotes_stay_inside_the_string() {
        assert_eq!(
            kinds("'it''s';", Dialect::Postgres),
            vec![(TokenKind::Quoted, "'it''s'"), (TokenKind::Punct, ";")]
        );
    }

    #[test]
    fn escape_strings_take_backslashes_in_postgres_only() {
        assert_eq!(
            kinds(r"E'a\'b' x", Dialect::Postgres)[0],
            (TokenKind::Quoted, r"E'a\'b'")
        );
        // A plain PostgreSQL string ends at the first lone quote, backslash or not.
        assert_eq!(
            kinds(r"'a\' x", Dialect::Postgres)[0],
            (TokenKind::Quoted, r"'a\'")
        );
        assert_eq!(
            kinds(r"'a\'b' x", Dialect::MySql)[0],
            (TokenKind::Quoted, r"'a\'b'")
        );
    }

    #[test]
    fn dollar_quotes_and_positional_parameters() {
        assert_eq!(
            kinds("$fn$ a; $$ b $fn$ ;", Dialect::Postgres)[0],
            (TokenKind::Dollar, "$fn$ a; $$ b $fn$")
        );
        assert_eq!(
            kinds("$1", Dialect::Postgres),
            vec![(TokenKind::Punct, "$"), (TokenKind::Word, "1")]
        );
        assert_eq!(
            kinds("a$b$ c", Dialect::Postgres)[0],
            (TokenKind::Word, "a$b$")
        );
    }

    #[test]
    fn comments_per_dialect() {
        assert_eq!(
            kinds("/* a /* b */ c */ x", Dialect::Postgres)[0],
            (TokenKind::Comment, "/* a /* b */ c */")
        );
        assert_eq!(
            kinds("/* a /* b */ c */", Dialect::MySql)[0],
            (TokenKind::Comment, "/* a /* b */")
        );
        assert_eq!(
            kinds("# hi\nx", Dialect::MySql)[0],
            (TokenKind::Comment, "# hi")
        );
        assert_eq!(kinds("1--2", Dialect::MySql).len(), 4);
        assert_eq!(
            kinds("x -- c\ny", Dialect::Sqlite)[1],
            (TokenKind::Comment, "-- c")
        );
    }

    #[test]
    fn unterminated_runs_to_the_end() {
        assert_eq!(
            kinds("'abc", Dialect::Postgres),
            vec![(TokenKind::Quoted, "'abc")]
        );
        assert_eq!(
            kinds("/* abc", Dialect::Postgres),
            vec![(TokenKind::Comment, "/* abc")]
        );
    }

    #[test]
    fn leading_words_skip_comments() {
        assert_eq!(
            leading_words("/* x */ create -- y\n table t", Dialect::Postgres, 2),
            vec!["CREATE", "TABLE"]
        );
    }
}
