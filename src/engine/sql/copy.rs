//! PostgreSQL `COPY … TO STDOUT` and `COPY … FROM STDIN` in a notebook.
//!
//! Both switch the connection into a copy sub-protocol that sqlx's ordinary query path does not
//! speak: sent as a plain query they end in a protocol error and a reset session (temp tables and
//! `SET`s gone). So the engine recognises them first ([`classify`]):
//! - `TO STDOUT` goes through sqlx's `copy_out_raw`, and the data is shown the way it was asked
//!   for: CSV or text *with a header* becomes a table (the header names the columns), anything
//!   else is shown as the text psql would print ([`CopyFormat`], [`CopyDecoder`]).
//! - `FROM STDIN` is refused before it is sent: a notebook cell has no stdin to stream from, and
//!   inventing an inline-data syntax would make cells that psql cannot run.

use super::error::Failure;
use super::lex::{Dialect, TokenKind};
use super::split::significant_tokens;

/// What a statement is, as far as COPY goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Copy {
    ToStdout(CopyFormat),
    FromStdin,
    /// Not COPY, or a COPY to/from a server file or program (an ordinary statement).
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Csv,
    Binary,
}

/// The options of a `COPY … TO STDOUT` that decide how its data reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyFormat {
    pub format: Format,
    pub header: bool,
    pub delimiter: char,
    pub quote: char,
    pub escape: char,
    pub null: String,
}

impl CopyFormat {
    fn new(format: Format) -> Self {
        CopyFormat {
            format,
            header: false,
            delimiter: if format == Format::Csv { ',' } else { '\t' },
            quote: '"',
            escape: '"',
            null: if format == Format::Csv {
                String::new()
            } else {
                "\\N".into()
            },
        }
    }

    /// Whether the data can be shown as a table: CSV or text with a header.
    pub fn as_table(&self) -> bool {
        self.header && self.format != Format::Binary
    }
}

/// Classifies a PostgreSQL statement.
pub fn classify(text: &str) -> Copy {
    let tokens: Vec<_> = significant_tokens(text, Dialect::Postgres).collect();
    let word = |i: usize| -> Option<String> {
        tokens
            .get(i)
            .filter(|t| t.kind == TokenKind::Word)
            .map(|t| text[t.start..t.end].to_ascii_uppercase())
    };
    if word(0).as_deref() != Some("COPY") {
        return Copy::Other;
    }
    let mut depth = 0i32;
    for i in 1..tokens.len() {
        let t = tokens[i];
        match (t.kind, &text[t.start..t.end]) {
            (TokenKind::Punct, "(") => depth += 1,
            (TokenKind::Punct, ")") => depth -= 1,
            _ if depth != 0 => {}
            _ => match (word(i).as_deref(), word(i + 1).as_deref()) {
                (Some("TO"), Some("STDOUT")) => {
                    return Copy::ToStdout(options(text, &tokens[i + 2..]));
                }
                (Some("FROM"), Some("STDIN")) => return Copy::FromStdin,
                _ => {}
            },
        }
    }
    Copy::Other
}

/// A statement that plans what a `COPY … TO STDOUT` reads without running it, to be sent first:
/// sqlx cannot recover a connection whose COPY fails before the copy begins (a typo in a table
/// name, a missing column, `1/0` folded by the planner, a missing privilege) — the reply it
/// leaves behind desynchronises the session — so those errors are drawn out by an `EXPLAIN` of
/// the same source. Returns the text and, for `COPY (query)`, where the query starts in the
/// statement (so an error position in the EXPLAIN maps back).
pub fn dry_run(text: &str) -> Option<(String, Option<(usize, usize)>)> {
    let tokens: Vec<_> = significant_tokens(text, Dialect::Postgres).collect();
    let first = tokens.get(1)?;
    let raw = |t: &super::lex::Token| &text[t.start..t.end];
    if first.kind == TokenKind::Punct && raw(first) == "(" {
        let mut depth = 0i32;
        for t in &tokens[1..] {
            match (t.kind, raw(t)) {
                (TokenKind::Punct, "(") => depth += 1,
                (TokenKind::Punct, ")") => {
                    depth -= 1;
                    if depth == 0 {
                        let inner = text.get(first.end..t.start)?;
                        let prefix = "EXPLAIN ";
                        return Some((format!("{prefix}{inner}"), Some((prefix.len(), first.end))));
                    }
                }
                _ => {}
            }
        }
        return None;
    }
    // `COPY name [(columns)] TO STDOUT`: the name runs up to the column list or TO.
    let mut end = 1;
    while let Some(t) = tokens.get(end) {
        let is_name_part = matches!(t.kind, TokenKind::Word | TokenKind::Quoted)
            || (t.kind == TokenKind::Punct && raw(t) == ".");
        if !is_name_part || (t.kind == TokenKind::Word && raw(t).eq_ignore_ascii_case("TO")) {
            break;
        }
        end += 1;
    }
    let name = text.get(tokens.get(1)?.start..tokens.get(end - 1)?.end)?;
    let columns = match tokens.get(end) {
        Some(t) if t.kind == TokenKind::Punct && raw(t) == "(" => {
            let close = tokens[end..]
                .iter()
                .find(|t| t.kind == TokenKind::Punct && raw(t) == ")")?;
            text.get(t.end..close.start)?.to_string()
        }
        _ => "*".to_string(),
    };
    Some((format!("EXPLAIN SELECT {columns} FROM ONLY {name}"), None))
}

/// Why a COPY statement is not sent, if it is one that cannot work in a cell: `FROM STDIN`
/// (no stdin), or `TO STDOUT` with `:name` binds (COPY takes no parameters, and the copy-out
/// path is the simple protocol).
pub fn refusal(text: &str, has_binds: bool) -> Option<Failure> {
    let (message, notes) = match classify(text) {
        Copy::FromStdin => (
            "COPY … FROM STDIN reads its rows from the client, and a notebook cell has no stdin: not run",
            vec![
                "load a file the server can read: COPY t FROM '/path/data.csv' WITH (FORMAT csv, HEADER)".to_string(),
                "or insert the rows: INSERT INTO t VALUES (…), (…)".to_string(),
            ],
        ),
        Copy::ToStdout(_) if has_binds => (
            "COPY takes no :name parameters: not run",
            vec![
                "write the value into the COPY (SELECT …) as a literal, or run the SELECT itself with its parameters".to_string(),
            ],
        ),
        _ => return None,
    };
    Some(Failure {
        ename: "UsageError".into(),
        message: message.into(),
        position: None,
        notes,
        connection_lost: false,
    })
}

/// Reads the options after `STDOUT`, old (`CSV HEADER DELIMITER ';'`) and new
/// (`WITH (FORMAT csv, HEADER true)`) syntax alike: a flat walk over words and strings.
fn options(text: &str, tokens: &[super::lex::Token]) -> CopyFormat {
    #[derive(Debug)]
    enum Item {
        Word(String),
        Str(String),
    }
    let items: Vec<Item> = tokens
        .iter()
        .filter_map(|t| {
            let raw = &text[t.start..t.end];
            match t.kind {
                TokenKind::Word => Some(Item::Word(raw.to_ascii_uppercase())),
                TokenKind::Quoted if raw.ends_with('\'') => Some(Item::Str(unquote(raw))),
                _ => None,
            }
        })
        .filter(|i| !matches!(i, Item::Word(w) if w == "AS" || w == "WITH"))
        .collect();
    let mut format = Format::Text;
    let mut header = false;
    let mut strings: Vec<(String, String)> = Vec::new();
    let mut i = 0;
    while i < items.len() {
        match &items[i] {
            Item::Word(w) if w == "BINARY" => format = Format::Binary,
            Item::Word(w) if w == "CSV" => format = Format::Csv,
            Item::Word(w) if w == "FORMAT" => {
                let name = match items.get(i + 1) {
                    Some(Item::Word(n)) | Some(Item::Str(n)) => n.to_ascii_uppercase(),
                    None => String::new(),
                };
                format = match name.as_str() {
                    "CSV" => Format::Csv,
                    "BINARY" => Format::Binary,
                    _ => Format::Text,
                };
                i += 1;
            }
            Item::Word(w) if w == "HEADER" => {
                header = true;
                if let Some(Item::Word(v)) = items.get(i + 1)
                    && matches!(
                        v.as_str(),
                        "FALSE" | "OFF" | "0" | "TRUE" | "ON" | "1" | "MATCH"
                    )
                {
                    header = !matches!(v.as_str(), "FALSE" | "OFF" | "0");
                    i += 1;
                }
            }
            Item::Word(w) if matches!(w.as_str(), "DELIMITER" | "NULL" | "QUOTE" | "ESCAPE") => {
                if let Some(Item::Str(s)) = items.get(i + 1) {
                    strings.push((w.clone(), s.clone()));
                    i += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut out = CopyFormat::new(format);
    out.header = header;
    // ESCAPE defaults to whatever QUOTE is, in either order.
    let mut escape = None;
    for (name, value) in strings {
        let single = {
            let mut chars = value.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Some(c),
                _ => None,
            }
        };
        match (name.as_str(), single) {
            ("DELIMITER", Some(c)) => out.delimiter = c,
            ("QUOTE", Some(c)) => out.quote = c,
            ("ESCAPE", Some(c)) => escape = Some(c),
            ("NULL", _) => out.null = value,
            _ => {}
        }
    }
    out.escape = escape.unwrap_or(out.quote);
    out
}

/// A string literal's value: `'it''s'`, `E'\t'`.
fn unquote(raw: &str) -> String {
    let escaped = raw.starts_with(['E', 'e']);
    let body = raw
        .trim_start_matches(['E', 'e'])
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or("");
    if !escaped {
        return body.replace("''", "'");
    }
    let mut out = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('t') => out.push('\t'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some(other) => out.push(other),
                None => {}
            },
            '\'' => {
                // A doubled quote inside E'…'.
                if chars.clone().next() == Some('\'') {
                    chars.next();
                }
                out.push('\'');
            }
            other => out.push(other),
        }
    }
    out
}

/// Turns the bytes of COPY's text or CSV output into records (`None` is NULL) as they stream.
pub struct CopyDecoder {
    format: CopyFormat,
    pending: Vec<u8>,
}

impl CopyDecoder {
    pub fn new(format: CopyFormat) -> Self {
        CopyDecoder {
            format,
            pending: Vec::new(),
        }
    }

    /// Adds a chunk; returns the records it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Vec<Vec<Option<String>>> {
        self.pending.extend_from_slice(chunk);
        let mut records = Vec::new();
        while let Some(end) = self.record_end() {
            let line: Vec<u8> = self.pending.drain(..=end).collect();
            let text = String::from_utf8_lossy(&line);
            let text = text.strip_suffix('\n').unwrap_or(&text);
            let text = text.strip_suffix('\r').unwrap_or(text);
            records.push(match self.format.format {
                Format::Csv => csv_fields(text, &self.format),
                _ => text_fields(text, &self.format),
            });
        }
        records
    }

    /// What is left after the last chunk (a last record without its newline).
    pub fn finish(&mut self) -> Option<Vec<Option<String>>> {
        if self.pending.is_empty() {
            return None;
        }
        self.pending.push(b'\n');
        self.push(&[]).pop()
    }

    /// The byte offset of the newline that ends the first complete record, if any. A CSV
    /// newline inside quotes is part of the value.
    fn record_end(&self) -> Option<usize> {
        if self.format.format != Format::Csv {
            return self.pending.iter().position(|&b| b == b'\n');
        }
        let (quote, escape) = (self.format.quote as u32, self.format.escape as u32);
        let mut quoted = false;
        let mut i = 0;
        while i < self.pending.len() {
            let b = u32::from(self.pending[i]);
            if quoted && b == escape && escape != quote {
                i += 2;
                continue;
            }
            if b == quote {
                quoted = !quoted;
            } else if b == u32::from(b'\n') && !quoted {
                return Some(i);
            }
            i += 1;
        }
        None
    }
}

/// One line of COPY's text format: delimited fields, `\N` for NULL, backslash escapes.
fn text_fields(line: &str, format: &CopyFormat) -> Vec<Option<String>> {
    line.split(format.delimiter)
        .map(|field| {
            if field == format.null {
                return None;
            }
            let mut out = String::with_capacity(field.len());
            let mut chars = field.chars().peekable();
            while let Some(c) = chars.next() {
                if c != '\\' {
                    out.push(c);
                    continue;
                }
                match chars.next() {
                    Some('b') => out.push('\u{8}'),
                    Some('f') => out.push('\u{c}'),
                    Some('n') => out.push('\n'),
                    Some('r') => out.push('\r'),
                    Some('t') => out.push('\t'),
                    Some('v') => out.push('\u{b}'),
                    Some(d @ '0'..='7') => {
                        let mut value = d.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            match chars.peek().and_then(|c| c.to_digit(8)) {
                                Some(next) => {
                                    value = value * 8 + next;
                                    chars.next();
                                }
                                None => break,
                            }
                        }
                        out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
                    }
                    Some(other) => out.push(other),
                    None => {}
                }
            }
            Some(out)
        })
        .collect()
}

/// One CSV record: quoted fields keep delimiters and newlines; an unquoted field equal to the
/// NULL string is NULL.
fn csv_fields(line: &str, format: &CopyFormat) -> Vec<Option<String>> {
    let mut fields = Vec::new();
    let mut current = String::new();
    let mut quoted_field = false;
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == format.escape && chars.peek() == Some(&format.quote) {
                current.push(format.quote);
                chars.next();
            } else if c == format.quote {
                in_quotes = false;
            } else {
                current.push(c);
            }
        } else if c == format.quote {
            in_quotes = true;
            quoted_field = true;
        } else if c == format.delimiter {
            fields.push(csv_value(
                std::mem::take(&mut current),
                quoted_field,
                format,
            ));
            quoted_field = false;
        } else {
            current.push(c);
        }
    }
    fields.push(csv_value(current, quoted_field, format));
    fields
}

fn csv_value(value: String, quoted: bool, format: &CopyFormat) -> Option<String> {
    (quoted || value != format.null).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn format_of(sql: &str) -> CopyFormat {
        match classify(sql) {
            Copy::ToStdout(f) => f,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn copy_directions() {
        assert_eq!(classify("copy t from stdin"), Copy::FromStdin);
        assert_eq!(
            classify("COPY t (a, b) FROM STDIN WITH (FORMAT csv)"),
            Copy::FromStdin
        );
        assert_eq!(classify("COPY t TO '/tmp/x.csv'"), Copy::Other);
        assert_eq!(classify("COPY t FROM PROGRAM 'cat x'"), Copy::Other);
        assert_eq!(classify("SELECT 'COPY t TO STDOUT'"), Copy::Other);
        assert_eq!(format_of("COPY (SELECT 1) TO STDOUT").format, Format::Text);
    }

    #[test]
    fn dry_runs_plan_what_the_copy_reads() {
        assert_eq!(
            dry_run("COPY (SELECT 1 / 0) TO STDOUT"),
            Some(("EXPLAIN SELECT 1 / 0".to_string(), Some((8, 6))))
        );
        assert_eq!(
            dry_run("copy public.\"T\" (a, b) to stdout csv"),
            Some((
                "EXPLAIN SELECT a, b FROM ONLY public.\"T\"".to_string(),
                None
            ))
        );
        assert_eq!(
            dry_run("COPY t TO STDOUT"),
            Some(("EXPLAIN SELECT * FROM ONLY t".to_string(), None))
        );
    }

    #[test]
    fn old_and_new_option_syntax() {
        let f = format_of("COPY t TO STDOUT WITH (FORMAT csv, HEADER true, DELIMITER ';')");
        assert_eq!((f.format, f.header, f.delimiter), (Format::Csv, true, ';'));
        let f = format_of("COPY t TO STDOUT CSV HEADER");
        assert_eq!((f.format, f.header, f.delimiter), (Format::Csv, true, ','));
        let f = format_of("COPY t TO STDOUT WITH (FORMAT text, HEADER false)");
        assert!(!f.header);
        let f = format_of("COPY t TO STDOUT WITH DELIMITER AS E'|' NULL AS 'nil'");
        assert_eq!((f.delimiter, f.null.as_str()), ('|', "nil"));
        let f = format_of("COPY t TO STDOUT (FORMAT binary)");
        assert_eq!(f.format, Format::Binary);
        let f = format_of("COPY t TO STDOUT (FORMAT csv, QUOTE '''', ESCAPE '\\')");
        assert_eq!((f.quote, f.escape), ('\'', '\\'));
    }

    #[test]
    fn csv_records_keep_quoted_newlines_and_nulls() {
        let mut d = CopyDecoder::new(format_of("COPY t TO STDOUT CSV HEADER"));
        let mut records = d.push(b"a,b,c\n1,\"x,\ny\",\n2,\"\",\"say \"\"hi\"\"\"");
        records.extend(d.finish());
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            records,
            vec![
                vec![s("a"), s("b"), s("c")],
                vec![s("1"), s("x,\ny"), None],
                vec![s("2"), s(""), s("say \"hi\"")],
            ]
        );
    }

    #[test]
    fn text_records_unescape() {
        let mut d = CopyDecoder::new(format_of("COPY t TO STDOUT (HEADER)"));
        let records = d.push(b"a\tb\nx\\ty\t\\N\n\\101\\\\\t\n");
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            records,
            vec![
                vec![s("a"), s("b")],
                vec![s("x\ty"), None],
                vec![s("A\\"), s("")],
            ]
        );
    }
}
