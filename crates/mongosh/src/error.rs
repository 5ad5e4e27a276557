//! The errors a cell can produce before any server is involved.
//!
//! [`ParseError`] is a syntax problem (with the expected tokens, for tooling),
//! [`PlanError`] is a well-formed statement we cannot turn into commands
//! (unknown method, wrong argument, JavaScript we do not run). Both carry a
//! span and render with the source line and a caret, because a notebook user
//! needs to see *where* in a multi-statement cell things went wrong.
//! Server-side failures live in [`crate::shape::ServerError`].

use crate::span::{Span, render_with_caret};

/// A syntax error: the cell is not valid mongosh-subset text.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("SyntaxError: {message} (line {line}, column {column})")]
pub struct ParseError {
    /// What went wrong, written for the user.
    pub message: String,
    /// 1-based line of the offending token.
    pub line: usize,
    /// 1-based column (code points) of the offending token.
    pub column: usize,
    /// What the parser would have accepted here (for completion tooling).
    pub expected: Vec<String>,
    /// The offending token's span.
    pub span: Span,
}

impl ParseError {
    pub(crate) fn new(message: impl Into<String>, span: Span) -> Self {
        ParseError {
            message: message.into(),
            line: span.line,
            column: span.column,
            expected: Vec::new(),
            span,
        }
    }

    pub(crate) fn expecting(mut self, expected: &[&str]) -> Self {
        self.expected = expected.iter().map(|s| s.to_string()).collect();
        self
    }

    /// The message, the offending line and a caret under the column.
    pub fn render(&self, source: &str) -> String {
        render_with_caret(
            source,
            &format!("SyntaxError: {}", self.message),
            self.line,
            self.column,
        )
    }
}

/// The class of a [`PlanError`], named like the JavaScript error mongosh would throw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanErrorKind {
    /// Calling something that is not a function (`db.users.fnd()`).
    TypeError,
    /// Using a name that was never declared.
    ReferenceError,
    /// A bad argument to a helper or constructor (`ISODate('yesterday')`).
    InvalidInput,
    /// JavaScript that this kernel does not run (loops, functions, ...).
    Unsupported,
}

impl PlanErrorKind {
    /// The prefix printed before the message.
    pub fn name(self) -> &'static str {
        match self {
            PlanErrorKind::TypeError => "TypeError",
            PlanErrorKind::ReferenceError => "ReferenceError",
            PlanErrorKind::InvalidInput => "MongoshInvalidInputError",
            PlanErrorKind::Unsupported => "UnsupportedError",
        }
    }
}

/// A statement that parses but cannot be planned into commands.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {message}", kind.name())]
pub struct PlanError {
    /// The error class.
    pub kind: PlanErrorKind,
    /// What went wrong and how to fix it.
    pub message: String,
    /// The expression the error is about.
    pub span: Span,
}

impl PlanError {
    pub(crate) fn new(kind: PlanErrorKind, message: impl Into<String>, span: Span) -> Self {
        PlanError {
            kind,
            message: message.into(),
            span,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>, span: Span) -> Self {
        Self::new(PlanErrorKind::InvalidInput, message, span)
    }

    pub(crate) fn type_error(message: impl Into<String>, span: Span) -> Self {
        Self::new(PlanErrorKind::TypeError, message, span)
    }

    pub(crate) fn unsupported(message: impl Into<String>, span: Span) -> Self {
        Self::new(PlanErrorKind::Unsupported, message, span)
    }

    /// The message, the offending line and a caret under the expression.
    pub fn render(&self, source: &str) -> String {
        render_with_caret(source, &self.to_string(), self.span.line, self.span.column)
    }
}

/// The advice appended to every "this is JavaScript we do not run" error.
pub(crate) const NO_JS_ENGINE: &str =
    "this kernel runs the mongosh subset without a JavaScript engine";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_error_renders_caret() {
        let src = "db.users.find({ name: 'x' age: 3 })";
        let span = Span {
            start: 26,
            end: 29,
            line: 1,
            column: 27,
        };
        let err = ParseError::new(
            "expected ',' or '}' after property value, found 'age'",
            span,
        );
        assert_eq!(
            err.render(src),
            "SyntaxError: expected ',' or '}' after property value, found 'age' (line 1, column 27)\n  db.users.find({ name: 'x' age: 3 })\n                            ^"
        );
    }

    #[test]
    fn plan_error_displays_kind() {
        let err = PlanError::type_error("db.users.fnd is not a function", Span::default());
        assert_eq!(err.to_string(), "TypeError: db.users.fnd is not a function");
    }
}
