//! Expression parsing: a Pratt parser for operators plus recursive descent
//! for literals, member chains and calls.
//!
//! Binding powers follow JavaScript's precedence table for the operators we
//! keep. Arrow functions and `function` expressions are recognised only to be
//! refused with a useful message, since there is no engine to run them.

use super::{Parser, is_reserved};
use crate::ast::{BinaryOp, Element, Expr, ExprKind, Property, UnaryOp};
use crate::error::{NO_JS_ENGINE, ParseError};
use crate::lexer::{Token, TokenKind};

/// Left and right binding power of a binary operator token.
fn binary_power(token: &Token) -> Option<(u8, u8, BinaryOp)> {
    let TokenKind::Punct(p) = &token.kind else {
        return None;
    };
    Some(match *p {
        "??" => (3, 4, BinaryOp::Coalesce),
        "||" => (5, 6, BinaryOp::Or),
        "&&" => (7, 8, BinaryOp::And),
        "==" | "===" => (9, 10, BinaryOp::Eq),
        "!=" | "!==" => (9, 10, BinaryOp::Ne),
        "<" => (11, 12, BinaryOp::Lt),
        "<=" => (11, 12, BinaryOp::Le),
        ">" => (11, 12, BinaryOp::Gt),
        ">=" => (11, 12, BinaryOp::Ge),
        "+" => (13, 14, BinaryOp::Add),
        "-" => (13, 14, BinaryOp::Sub),
        "*" => (15, 16, BinaryOp::Mul),
        "/" => (15, 16, BinaryOp::Div),
        "%" => (15, 16, BinaryOp::Rem),
        // Right-associative.
        "**" => (18, 17, BinaryOp::Pow),
        _ => return None,
    })
}

fn arrow_error(span: crate::span::Span) -> ParseError {
    ParseError::new(
        format!(
            "arrow functions are not supported: {NO_JS_ENGINE}; results print by themselves, so drop .forEach(...)/.map(...) callbacks, and use an aggregate pipeline ($project, $addFields) to reshape documents"
        ),
        span,
    )
}

impl Parser<'_> {
    /// A full expression, including `a ? b : c`.
    pub(crate) fn expression(&mut self) -> Result<Expr, ParseError> {
        let test = self.binary(0)?;
        if !self.peek()?.is("?") {
            return Ok(test);
        }
        self.next()?;
        let then = self.expression()?;
        self.expect(":", "expected ':' in conditional expression")?;
        let otherwise = self.expression()?;
        let span = test.span.to(otherwise.span);
        Ok(Expr {
            kind: ExprKind::Conditional {
                test: Box::new(test),
                then: Box::new(then),
                otherwise: Box::new(otherwise),
            },
            span,
        })
    }

    fn binary(&mut self, min_power: u8) -> Result<Expr, ParseError> {
        let mut left = self.unary()?;
        loop {
            let token = self.peek()?.clone();
            let Some((left_power, right_power, op)) = binary_power(&token) else {
                break;
            };
            if left_power < min_power {
                break;
            }
            self.next()?;
            let right = self.binary(right_power)?;
            let span = left.span.to(right.span);
            left = Expr {
                kind: ExprKind::Binary {
                    op,
                    left: Box::new(left),
                    right: Box::new(right),
                },
                span,
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        let token = self.peek()?.clone();
        let op = match &token.kind {
            TokenKind::Punct("-") => Some(UnaryOp::Neg),
            TokenKind::Punct("+") => Some(UnaryOp::Plus),
            TokenKind::Punct("!") => Some(UnaryOp::Not),
            TokenKind::Ident(w) if w == "typeof" => Some(UnaryOp::TypeOf),
            TokenKind::Ident(w) if w == "await" => {
                // mongosh accepts top-level await; helpers already return their results.
                self.next()?;
                return self.unary();
            }
            TokenKind::Punct("++") | TokenKind::Punct("--") => {
                return Err(ParseError::new(
                    format!(
                        "increment/decrement operators are not supported: {NO_JS_ENGINE}; use $inc in an update"
                    ),
                    token.span,
                ));
            }
            _ => None,
        };
        let Some(op) = op else {
            return self.postfix();
        };
        self.next()?;
        let operand = self.unary()?;
        let span = token.span.to(operand.span);
        Ok(Expr {
            kind: ExprKind::Unary {
                op,
                operand: Box::new(operand),
            },
            span,
        })
    }

    fn postfix(&mut self) -> Result<Expr, ParseError> {
        let mut expr = self.primary()?;
        loop {
            let token = self.peek()?.clone();
            match &token.kind {
                TokenKind::Punct(".") | TokenKind::Punct("?.") => {
                    self.next()?;
                    let name = self.next()?;
                    match &name.kind {
                        TokenKind::Ident(property) => {
                            let span = expr.span.to(name.span);
                            expr = Expr {
                                kind: ExprKind::Member {
                                    object: Box::new(expr),
                                    property: property.clone(),
                                    property_span: name.span,
                                },
                                span,
                            };
                        }
                        TokenKind::Punct("(") if token.is("?.") => {
                            let args = self.arguments_after_paren()?;
                            let span = self.span_from(expr.span);
                            expr = Expr {
                                kind: ExprKind::Call {
                                    callee: Box::new(expr),
                                    args,
                                },
                                span,
                            };
                        }
                        _ => {
                            return Err(ParseError::new(
                                format!(
                                    "expected a property name after '.', found {}",
                                    name.describe()
                                ),
                                name.span,
                            )
                            .expecting(&["identifier"]));
                        }
                    }
                }
                TokenKind::Punct("[") => {
                    self.next()?;
                    let index = self.expression()?;
                    self.expect("]", "expected ']' after index")?;
                    let span = self.span_from(expr.span);
                    expr = Expr {
                        kind: ExprKind::Index {
                            object: Box::new(expr),
                            index: Box::new(index),
                        },
                        span,
                    };
                }
                TokenKind::Punct("(") => {
                    self.next()?;
                    let args = self.arguments_after_paren()?;
                    let span = self.span_from(expr.span);
                    expr = Expr {
                        kind: ExprKind::Call {
                            callee: Box::new(expr),
                            args,
                        },
                        span,
                    };
                }
                TokenKind::Template(_) if !token.newline_before => {
                    return Err(ParseError::new(
                        "tagged templates are not supported: call the function with a string argument",
                        token.span,
                    ));
                }
                _ => return Ok(expr),
            }
        }
    }

    /// Arguments after an already consumed `(`, through the closing `)`.
    fn arguments_after_paren(&mut self) -> Result<Vec<Element>, ParseError> {
        let mut args = Vec::new();
        loop {
            if self.peek()?.is(")") {
                self.next()?;
                return Ok(args);
            }
            args.push(self.element()?);
            let token = self.peek()?.clone();
            if token.is(",") {
                self.next()?;
                continue;
            }
            if token.is(")") {
                self.next()?;
                return Ok(args);
            }
            if token.is("=>") {
                return Err(arrow_error(token.span));
            }
            return Err(ParseError::new(
                format!(
                    "expected ',' or ')' after argument, found {}",
                    token.describe()
                ),
                token.span,
            )
            .expecting(&[",", ")"]));
        }
    }

    fn element(&mut self) -> Result<Element, ParseError> {
        if self.peek()?.is("...") {
            self.next()?;
            return Ok(Element::Spread(self.expression()?));
        }
        Ok(Element::Value(self.expression()?))
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let token = self.next()?;
        let span = token.span;
        let kind = match token.kind {
            TokenKind::Number(n) => ExprKind::Number(n),
            TokenKind::Str(s) | TokenKind::Template(s) => ExprKind::Str(s),
            TokenKind::Regex { pattern, flags } => ExprKind::Regex { pattern, flags },
            TokenKind::KernelVar(name) => ExprKind::KernelVar(name),
            TokenKind::Punct("{") => return self.object(span),
            TokenKind::Punct("[") => return self.array(span),
            TokenKind::Punct("(") => return self.parenthesized(span),
            TokenKind::Ident(word) => return self.word(word, span),
            TokenKind::Eof => {
                return Err(ParseError::new("unexpected end of input: the statement is incomplete (an unclosed bracket or a trailing operator?)", span)
                    .expecting(&["expression"]));
            }
            _ => {
                return Err(ParseError::new(
                    format!("expected an expression, found {}", token.describe()),
                    span,
                )
                .expecting(&["expression"]));
            }
        };
        Ok(Expr { kind, span })
    }

    fn word(&mut self, word: String, span: crate::span::Span) -> Result<Expr, ParseError> {
        let kind = match word.as_str() {
            "true" => ExprKind::Bool(true),
            "false" => ExprKind::Bool(false),
            "null" => ExprKind::Null,
            "undefined" => ExprKind::Undefined,
            "NaN" => ExprKind::Number(f64::NAN),
            "Infinity" => ExprKind::Number(f64::INFINITY),
            "new" => return self.new_expression(span),
            "function" | "async" => {
                return Err(ParseError::new(
                    format!(
                        "functions are not supported: {NO_JS_ENGINE}; results print by themselves, so callbacks such as forEach(function ...) are not needed"
                    ),
                    span,
                ));
            }
            "this" | "super" | "yield" => {
                return Err(ParseError::new(
                    format!("'{word}' is not supported: {NO_JS_ENGINE}"),
                    span,
                ));
            }
            w if is_reserved(w) => {
                return Err(ParseError::new(
                    format!("unexpected keyword '{w}' where an expression was expected"),
                    span,
                )
                .expecting(&["expression"]));
            }
            _ => ExprKind::Ident(word),
        };
        if self.peek()?.is("=>") {
            return Err(arrow_error(span));
        }
        Ok(Expr { kind, span })
    }

    /// `new Callee(args)`; the argument list is optional (`new Date`).
    fn new_expression(&mut self, start: crate::span::Span) -> Result<Expr, ParseError> {
        let token = self.next()?;
        let TokenKind::Ident(name) = &token.kind else {
            return Err(ParseError::new(
                format!(
                    "expected a constructor name after 'new', found {}",
                    token.describe()
                ),
                token.span,
            )
            .expecting(&["identifier"]));
        };
        let mut callee = Expr {
            kind: ExprKind::Ident(name.clone()),
            span: token.span,
        };
        while self.peek()?.is(".") {
            self.next()?;
            let property = self.next()?;
            let TokenKind::Ident(p) = &property.kind else {
                return Err(ParseError::new(
                    format!(
                        "expected a property name after '.', found {}",
                        property.describe()
                    ),
                    property.span,
                ));
            };
            let span = callee.span.to(property.span);
            callee = Expr {
                kind: ExprKind::Member {
                    object: Box::new(callee),
                    property: p.clone(),
                    property_span: property.span,
                },
                span,
            };
        }
        let args = if self.peek()?.is("(") {
            self.next()?;
            self.arguments_after_paren()?
        } else {
            Vec::new()
        };
        Ok(Expr {
            kind: ExprKind::New {
                callee: Box::new(callee),
                args,
            },
            span: self.span_from(start),
        })
    }

    fn parenthesized(&mut self, start: crate::span::Span) -> Result<Expr, ParseError> {
        if self.peek()?.is(")") {
            let close = self.next()?;
            if self.peek()?.is("=>") {
                return Err(arrow_error(start));
            }
            return Err(
                ParseError::new("expected an expression inside '( )'", close.span)
                    .expecting(&["expression"]),
            );
        }
        let inner = self.expression()?;
        let token = self.peek()?.clone();
        if token.is(",") && matches!(inner.kind, ExprKind::Ident(_)) {
            // `(a, b) => ...`
            return Err(arrow_error(start));
        }
        self.expect(")", "expected ')' to close '('")?;
        if self.peek()?.is("=>") {
            return Err(arrow_error(start));
        }
        Ok(Expr {
            kind: inner.kind,
            span: self.span_from(start),
        })
    }

    fn object(&mut self, start: crate::span::Span) -> Result<Expr, ParseError> {
        let mut properties = Vec::new();
        loop {
            let token = self.next()?;
            let key = match &token.kind {
                TokenKind::Punct("}") => break,
                TokenKind::Punct("...") => {
                    properties.push(Property::Spread(self.expression()?));
                    if self.object_separator()? {
                        break;
                    }
                    continue;
                }
                TokenKind::Punct("[") => {
                    let key = self.expression()?;
                    self.expect("]", "expected ']' after computed property name")?;
                    self.expect(":", "expected ':' after computed property name")?;
                    let value = self.expression()?;
                    properties.push(Property::Computed { key, value });
                    if self.object_separator()? {
                        break;
                    }
                    continue;
                }
                TokenKind::Ident(w) => w.clone(),
                TokenKind::Str(s) => s.clone(),
                TokenKind::Number(n) => crate::inspect::js_number(*n),
                TokenKind::Eof => {
                    return Err(ParseError::new(
                        "unexpected end of input: '{' is never closed",
                        start,
                    )
                    .expecting(&["}"]));
                }
                _ => {
                    return Err(ParseError::new(
                        format!(
                            "expected a property name or '}}', found {}",
                            token.describe()
                        ),
                        token.span,
                    )
                    .expecting(&["property name", "}"]));
                }
            };
            let next = self.peek()?.clone();
            let value = if next.is(":") {
                self.next()?;
                self.expression()?
            } else if (next.is(",") || next.is("}")) && matches!(token.kind, TokenKind::Ident(_)) {
                // Shorthand `{ name }` means `{ name: name }`.
                Expr {
                    kind: ExprKind::Ident(key.clone()),
                    span: token.span,
                }
            } else if next.is("(") {
                return Err(ParseError::new(
                    format!("methods in object literals are not supported: {NO_JS_ENGINE}"),
                    next.span,
                ));
            } else {
                return Err(ParseError::new(
                    format!(
                        "expected ':' after property name '{key}', found {}",
                        next.describe()
                    ),
                    next.span,
                )
                .expecting(&[":"]));
            };
            properties.push(Property::KeyValue { key, value });
            if self.object_separator()? {
                break;
            }
        }
        Ok(Expr {
            kind: ExprKind::Object(properties),
            span: self.span_from(start),
        })
    }

    /// After a property: `,` (returns false, or true when `}` follows) or `}` (returns true).
    fn object_separator(&mut self) -> Result<bool, ParseError> {
        let token = self.next()?;
        if token.is("}") {
            return Ok(true);
        }
        if token.is(",") {
            if self.peek()?.is("}") {
                self.next()?;
                return Ok(true);
            }
            return Ok(false);
        }
        let message = match &token.kind {
            TokenKind::Eof => "unexpected end of input: '{' is never closed".to_string(),
            TokenKind::Punct("=>") => return Err(arrow_error(token.span)),
            _ => format!(
                "expected ',' or '}}' after property value, found {}",
                token.describe()
            ),
        };
        Err(ParseError::new(message, token.span).expecting(&[",", "}"]))
    }

    fn array(&mut self, start: crate::span::Span) -> Result<Expr, ParseError> {
        let mut elements = Vec::new();
        loop {
            let token = self.peek()?.clone();
            if token.is("]") {
                self.next()?;
                break;
            }
            if token.is(",") {
                return Err(ParseError::new(
                    "empty array slot (',,'): write null for a missing value",
                    token.span,
                ));
            }
            elements.push(self.element()?);
            let token = self.next()?;
            if token.is("]") {
                break;
            }
            if token.is(",") {
                continue;
            }
            let message = match &token.kind {
                TokenKind::Eof => "unexpected end of input: '[' is never closed".to_string(),
                _ => format!(
                    "expected ',' or ']' after array element, found {}",
                    token.describe()
                ),
            };
            return Err(ParseError::new(message, token.span).expecting(&[",", "]"]));
        }
        Ok(Expr {
            kind: ExprKind::Array(elements),
            span: self.span_from(start),
        })
    }
}
