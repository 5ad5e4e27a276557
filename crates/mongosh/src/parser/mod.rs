//! Statement-level parsing: directives, declarations, automatic semicolons.
//!
//! A cell is a list of statements separated by `;` or line breaks. As in
//! JavaScript, a line break only ends a statement when the next token cannot
//! continue it, so `db.c.find()` followed by a line starting with `.sort(...)`
//! stays one statement, while two `db...` lines are two.
//!
//! Shell directives (`use x`, `show dbs`) are recognised on the raw line
//! before tokenizing it, because their arguments (`use my-db`) are not
//! JavaScript. JavaScript statements that need an engine (`for`, `function`,
//! `if`, ...) are refused here with an explanation of what to write instead.

mod expr;

use std::collections::VecDeque;

use crate::ast::{Expr, ExprKind, Script, Statement, StatementKind};
use crate::error::{NO_JS_ENGINE, ParseError};
use crate::lexer::{Lexer, Token, TokenKind};
use crate::span::Span;

/// Parse a whole cell.
pub fn parse(source: &str) -> Result<Script, ParseError> {
    let mut parser = Parser::new(source);
    let mut statements = Vec::new();
    loop {
        while parser.peek()?.is(";") {
            parser.next()?;
        }
        if parser.peek()?.kind == TokenKind::Eof {
            break;
        }
        statements.extend(parser.statement()?);
    }
    Ok(Script { statements })
}

/// Words that start a shell directive when they begin a statement.
const DIRECTIVES: &[&str] = &["use", "show", "it", "exit", "quit", "help"];

pub(crate) struct Parser<'a> {
    lexer: Lexer<'a>,
    buffer: VecDeque<Token>,
    /// End of the last consumed token, for statement spans.
    last_end: usize,
}

impl<'a> Parser<'a> {
    fn new(source: &'a str) -> Self {
        Parser {
            lexer: Lexer::new(source),
            buffer: VecDeque::new(),
            last_end: 0,
        }
    }

    pub(crate) fn peek(&mut self) -> Result<&Token, ParseError> {
        self.peek_nth(0)
    }

    pub(crate) fn peek_nth(&mut self, n: usize) -> Result<&Token, ParseError> {
        while self.buffer.len() <= n {
            let token = self.lexer.next_token()?;
            self.buffer.push_back(token);
        }
        // The loop above guarantees the element exists; fall back defensively anyway.
        match self.buffer.get(n) {
            Some(t) => Ok(t),
            None => Err(ParseError::new(
                "internal: token buffer underflow",
                Span::default(),
            )),
        }
    }

    pub(crate) fn next(&mut self) -> Result<Token, ParseError> {
        self.peek()?;
        match self.buffer.pop_front() {
            Some(t) => {
                self.last_end = t.span.end;
                Ok(t)
            }
            None => Err(ParseError::new(
                "internal: token buffer underflow",
                Span::default(),
            )),
        }
    }

    /// Consume the punctuator `p` or fail with `message`.
    pub(crate) fn expect(&mut self, p: &str, message: &str) -> Result<Token, ParseError> {
        let token = self.peek()?.clone();
        if token.is(p) {
            return self.next();
        }
        Err(
            ParseError::new(format!("{message}, found {}", token.describe()), token.span)
                .expecting(&[p]),
        )
    }

    pub(crate) fn span_from(&self, start: Span) -> Span {
        Span {
            end: self.last_end.max(start.start),
            ..start
        }
    }

    pub(crate) fn source(&self) -> &'a str {
        self.lexer.source()
    }

    fn statement(&mut self) -> Result<Vec<Statement>, ParseError> {
        if let Some(directive) = self.directive()? {
            return Ok(vec![directive]);
        }
        let first = self.peek()?.clone();
        if let TokenKind::Ident(word) = &first.kind {
            if let Some(message) = unsupported_statement(word) {
                // `function` and `async` may still start an expression we reject later, but at
                // statement start they are always a declaration we cannot run.
                return Err(ParseError::new(message, first.span));
            }
            if matches!(word.as_str(), "const" | "let" | "var") {
                return self.declaration();
            }
            if self.peek_nth(1)?.is("=") {
                let name = word.clone();
                self.next()?;
                self.next()?;
                let value = self.expression()?;
                self.end_of_statement()?;
                return Ok(vec![Statement {
                    span: self.span_from(first.span),
                    kind: StatementKind::Assign { name, value },
                }]);
            }
        }
        let expr = self.expression()?;
        let next = self.peek()?.clone();
        if next.is("=") || next.is("+=") || next.is("-=") || next.is("*=") || next.is("/=") {
            return Err(ParseError::new(
                format!(
                    "assigning to {} is not supported ({NO_JS_ENGINE}): only plain names can be assigned, e.g. const doc = {{ ... }}",
                    expr.path_name()
                ),
                next.span,
            ));
        }
        if next.is("++") || next.is("--") {
            return Err(ParseError::new(
                format!(
                    "'{}' is not supported ({NO_JS_ENGINE}): use $inc in an update instead",
                    match &next.kind {
                        TokenKind::Punct(p) => *p,
                        _ => "++",
                    }
                ),
                next.span,
            ));
        }
        self.end_of_statement()?;
        Ok(vec![Statement {
            span: self.span_from(first.span),
            kind: StatementKind::Expr(expr),
        }])
    }

    /// `const a = 1, b = 2` becomes one statement per declarator.
    fn declaration(&mut self) -> Result<Vec<Statement>, ParseError> {
        let keyword_token = self.next()?;
        let keyword = match &keyword_token.kind {
            TokenKind::Ident(w) => w.clone(),
            _ => "const".to_string(),
        };
        let mut out = Vec::new();
        loop {
            let name_token = self.next()?;
            let name = match &name_token.kind {
                TokenKind::Ident(n) if !is_reserved(n) => n.clone(),
                TokenKind::Punct("{") | TokenKind::Punct("[") => {
                    return Err(ParseError::new(
                        format!(
                            "destructuring ({keyword} {{ a, b }} = ...) is not supported ({NO_JS_ENGINE}): declare one name per value, e.g. {keyword} doc = db.c.findOne()"
                        ),
                        name_token.span,
                    ));
                }
                _ => {
                    return Err(ParseError::new(
                        format!(
                            "expected a variable name after '{keyword}', found {}",
                            name_token.describe()
                        ),
                        name_token.span,
                    )
                    .expecting(&["identifier"]));
                }
            };
            let value = if self.peek()?.is("=") {
                self.next()?;
                self.expression()?
            } else {
                Expr {
                    kind: ExprKind::Undefined,
                    span: name_token.span,
                }
            };
            out.push(Statement {
                span: self.span_from(keyword_token.span),
                kind: StatementKind::Declare {
                    keyword: keyword.clone(),
                    name,
                    value,
                },
            });
            if self.peek()?.is(",") {
                self.next()?;
                continue;
            }
            break;
        }
        self.end_of_statement()?;
        Ok(out)
    }

    /// A statement ends at `;`, a line break, `}` or the end of the cell.
    fn end_of_statement(&mut self) -> Result<(), ParseError> {
        let token = self.peek()?.clone();
        if token.is(";") {
            self.next()?;
            return Ok(());
        }
        if token.kind == TokenKind::Eof || token.newline_before {
            return Ok(());
        }
        let message = match &token.kind {
            TokenKind::Punct("=>") => format!("arrow functions are not supported ({NO_JS_ENGINE}): results print by themselves, so .forEach(...) and callbacks are not needed"),
            TokenKind::Punct("{") => "unexpected '{' (a block or object after a complete statement): put each statement on its own line or separate them with ';'".to_string(),
            _ => format!(
                "unexpected {} after a complete statement: separate statements with ';' or a new line",
                token.describe()
            ),
        };
        Err(ParseError::new(message, token.span).expecting(&[";", "newline"]))
    }

    /// Recognise `use x`, `show dbs`, `it`, ... on the raw line.
    fn directive(&mut self) -> Result<Option<Statement>, ParseError> {
        let token = self.peek()?.clone();
        let TokenKind::Ident(word) = &token.kind else {
            return Ok(None);
        };
        if !DIRECTIVES.contains(&word.as_str()) {
            return Ok(None);
        }
        let source = self.source();
        let rest_start = token.span.end;
        let line_end = source[rest_start..]
            .find('\n')
            .map_or(source.len(), |i| rest_start + i);
        let raw_rest = &source[rest_start..line_end];
        // Strip a trailing comment and semicolon; mongosh strips one trailing ';'.
        let without_comment = match raw_rest.find("//") {
            Some(i) => &raw_rest[..i],
            None => raw_rest,
        };
        let rest = without_comment.trim();
        let rest = rest.strip_suffix(';').unwrap_or(rest).trim();
        // `use(...)`, `show = 1`, `help.x`: JavaScript, not a directive.
        if let Some(c) = rest.chars().next()
            && ("(=.[,;?:+-*/".contains(c) || !raw_rest.starts_with(char::is_whitespace))
        {
            return Ok(None);
        }
        let args: Vec<String> = rest.split_whitespace().map(str::to_string).collect();
        let end = rest_start + without_comment.trim_end().len();
        self.buffer.clear();
        self.lexer.reset_to(line_end);
        self.last_end = end;
        Ok(Some(Statement {
            span: Span { end, ..token.span },
            kind: StatementKind::Directive {
                command: word.clone(),
                args,
            },
        }))
    }
}

/// Names that cannot be variables.
pub(crate) fn is_reserved(word: &str) -> bool {
    matches!(
        word,
        "const"
            | "let"
            | "var"
            | "if"
            | "else"
            | "for"
            | "while"
            | "do"
            | "function"
            | "return"
            | "class"
            | "new"
            | "true"
            | "false"
            | "null"
            | "try"
            | "catch"
            | "switch"
            | "break"
            | "continue"
            | "throw"
            | "import"
            | "export"
            | "typeof"
            | "delete"
            | "in"
            | "of"
    )
}

/// Statements that need a JavaScript engine, with what to write instead.
fn unsupported_statement(word: &str) -> Option<String> {
    let (what, instead) = match word {
        "for" | "while" | "do" => (
            "loops are",
            "write the operations out, or use insertMany([...]), updateMany(...) or an aggregate pipeline instead of a loop",
        ),
        "function" | "async" => (
            "function declarations are",
            "call the helpers directly, one statement per operation",
        ),
        "class" => ("classes are", "call the helpers directly"),
        "if" | "switch" => (
            "conditionals are",
            "run the statements you need, or use $cond / $switch inside an aggregate pipeline",
        ),
        "try" | "throw" => (
            "exceptions are",
            "errors are shown for each failing statement automatically",
        ),
        "return" => (
            "'return' is",
            "write the expression on its own line to print it",
        ),
        "import" | "export" => (
            "modules are",
            "this is Node.js code; in a %%mql cell write db.collection.method(...) directly",
        ),
        _ => return None,
    };
    Some(format!("{what} not supported: {NO_JS_ENGINE}; {instead}"))
}

#[cfg(test)]
mod tests;
