//! Evaluating pure expressions to BSON, with mongosh's conversion rules.
//!
//! mongosh evaluates JavaScript and then serializes with js-bson; we go
//! straight from the syntax tree to BSON while keeping the observable rules:
//! a number that is an integer in int32 range becomes Int32, any other number
//! a Double (never Int64); `undefined` becomes null; object keys that look
//! like array indexes come first, in numeric order, as in any JS object.
//! Constructors (`ObjectId`, `ISODate`, ...) live in `constructors.rs`,
//! methods on values (`.toString()`, `Math.floor`) in `methods.rs`, and
//! bare function names used as values (`{ email: String }`) in `builtin.rs`.

pub(crate) mod builtin;
mod constructors;
pub mod dates;
mod methods;

use bson::{Bson, Document};

use crate::ast::{BinaryOp, Element, Expr, ExprKind, Property, UnaryOp};
use crate::env::Env;
use crate::error::{PlanError, PlanErrorKind};
use crate::inspect::js_number;

/// Evaluates expressions that do not touch the database.
pub struct Evaluator<'e> {
    env: &'e Env,
    /// Warnings mongosh would print (e.g. `NumberLong` with a number argument).
    pub warnings: Vec<String>,
}

/// A JavaScript number as mongosh serializes it: Int32 when it is an integer
/// in range (and not `-0`), otherwise Double.
pub fn number(n: f64) -> Bson {
    if n.fract() == 0.0
        && n >= i32::MIN as f64
        && n <= i32::MAX as f64
        && !(n == 0.0 && n.is_sign_negative())
    {
        Bson::Int32(n as i32)
    } else {
        Bson::Double(n)
    }
}

/// The numeric value of a BSON value, if JavaScript would treat it as a number.
pub fn as_f64(value: &Bson) -> Option<f64> {
    match value {
        Bson::Int32(i) => Some(*i as f64),
        Bson::Int64(i) => Some(*i as f64),
        Bson::Double(d) => Some(*d),
        Bson::Decimal128(d) => d.to_string().parse().ok(),
        _ => None,
    }
}

/// JavaScript truthiness.
pub fn truthy(value: &Bson) -> bool {
    match value {
        Bson::Boolean(b) => *b,
        Bson::Null | Bson::Undefined => false,
        Bson::String(s) => !s.is_empty(),
        Bson::Int32(i) => *i != 0,
        Bson::Int64(i) => *i != 0,
        Bson::Double(d) => *d != 0.0 && !d.is_nan(),
        _ => true,
    }
}

/// `String(value)` for the values where it is meaningful.
pub fn to_js_string(value: &Bson) -> String {
    match value {
        Bson::String(s) => s.clone(),
        Bson::Int32(i) => i.to_string(),
        Bson::Int64(i) => i.to_string(),
        Bson::Double(d) => js_number(*d),
        Bson::Boolean(b) => b.to_string(),
        Bson::Null => "null".to_string(),
        Bson::Undefined => "undefined".to_string(),
        Bson::ObjectId(oid) => oid.to_hex(),
        Bson::DateTime(dt) => dates::to_date_string(dt.timestamp_millis()),
        Bson::Decimal128(d) => d.to_string(),
        Bson::Array(items) => items
            .iter()
            .map(|v| {
                if matches!(v, Bson::Null | Bson::Undefined) {
                    String::new()
                } else {
                    to_js_string(v)
                }
            })
            .collect::<Vec<_>>()
            .join(","),
        Bson::Document(_) => "[object Object]".to_string(),
        other => match builtin::function_name(other) {
            Some(name) => builtin::source_text(name),
            None => crate::inspect::format(other),
        },
    }
}

/// A short type name for error messages.
pub fn type_name(value: &Bson) -> &'static str {
    match value {
        Bson::Double(_) | Bson::Int32(_) => "number",
        Bson::Int64(_) => "Long",
        Bson::String(_) => "string",
        Bson::Array(_) => "array",
        Bson::Document(_) => "object",
        Bson::Boolean(_) => "boolean",
        Bson::Null => "null",
        Bson::Undefined => "undefined",
        Bson::ObjectId(_) => "ObjectId",
        Bson::DateTime(_) => "Date",
        Bson::Decimal128(_) => "Decimal128",
        Bson::Binary(_) => "Binary",
        Bson::RegularExpression(_) => "RegExp",
        Bson::Timestamp(_) => "Timestamp",
        other if builtin::function_name(other).is_some() => "function",
        _ => "value",
    }
}

/// Whether `key` is a canonical array index ("0", "17"), which JavaScript
/// objects enumerate first, in numeric order.
fn array_index_key(key: &str) -> Option<u32> {
    if key.is_empty()
        || (key.len() > 1 && key.starts_with('0'))
        || !key.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    key.parse::<u32>().ok().filter(|n| *n < u32::MAX)
}

/// Reorder keys as a JavaScript object would hold them.
fn javascript_key_order(doc: Document) -> Document {
    if !doc.keys().any(|k| array_index_key(k).is_some()) {
        return doc;
    }
    let mut indexed: Vec<(u32, String, Bson)> = Vec::new();
    let mut named: Vec<(String, Bson)> = Vec::new();
    for (k, v) in doc {
        match array_index_key(&k) {
            Some(i) => indexed.push((i, k, v)),
            None => named.push((k, v)),
        }
    }
    indexed.sort_by_key(|(i, _, _)| *i);
    let mut out = Document::new();
    for (_, k, v) in indexed {
        out.insert(k, v);
    }
    for (k, v) in named {
        out.insert(k, v);
    }
    out
}

impl<'e> Evaluator<'e> {
    /// An evaluator over `env`.
    pub fn new(env: &'e Env) -> Self {
        Evaluator {
            env,
            warnings: Vec::new(),
        }
    }

    /// Evaluate `expr` to a BSON value.
    pub fn eval(&mut self, expr: &Expr) -> Result<Bson, PlanError> {
        match &expr.kind {
            ExprKind::Number(n) => Ok(number(*n)),
            ExprKind::Str(s) => Ok(Bson::String(s.clone())),
            ExprKind::Regex { pattern, flags } => {
                constructors::regex_literal(pattern, flags, expr.span)
            }
            ExprKind::Bool(b) => Ok(Bson::Boolean(*b)),
            ExprKind::Null | ExprKind::Undefined => Ok(Bson::Null),
            ExprKind::Ident(name) => self.ident(name, expr),
            ExprKind::KernelVar(name) => self.kernel_var(name, expr),
            ExprKind::Object(properties) => self.object(properties),
            ExprKind::Array(elements) => Ok(Bson::Array(self.elements(elements)?)),
            ExprKind::Member {
                object, property, ..
            } => {
                let value = self.eval(object)?;
                methods::member(&value, property, expr.span, &object.path_name())
            }
            ExprKind::Index { object, index } => {
                let value = self.eval(object)?;
                let index = self.eval(index)?;
                methods::index(&value, &index, expr.span)
            }
            ExprKind::Call { callee, args } => {
                let args = self.elements(args)?;
                self.call(callee, args, false, expr)
            }
            ExprKind::New { callee, args } => {
                let args = self.elements(args)?;
                self.call(callee, args, true, expr)
            }
            ExprKind::Unary { op, operand } => {
                let value = self.eval(operand)?;
                self.unary(*op, value, expr)
            }
            ExprKind::Binary { op, left, right } => self.binary(*op, left, right, expr),
            ExprKind::Conditional {
                test,
                then,
                otherwise,
            } => {
                if truthy(&self.eval(test)?) {
                    self.eval(then)
                } else {
                    self.eval(otherwise)
                }
            }
        }
    }

    /// Evaluate an argument or array element list, expanding spreads.
    pub fn elements(&mut self, elements: &[Element]) -> Result<Vec<Bson>, PlanError> {
        let mut out = Vec::with_capacity(elements.len());
        for element in elements {
            match element {
                Element::Value(e) => out.push(self.eval(e)?),
                Element::Spread(e) => match self.eval(e)? {
                    Bson::Array(items) => out.extend(items),
                    other => {
                        return Err(PlanError::type_error(
                            format!(
                                "cannot spread a {} with '...': only arrays can be spread here",
                                type_name(&other)
                            ),
                            e.span,
                        ));
                    }
                },
            }
        }
        Ok(out)
    }

    fn ident(&mut self, name: &str, expr: &Expr) -> Result<Bson, PlanError> {
        if let Some(value) = self.env.get(name) {
            return Ok(value.clone());
        }
        match name {
            "MinKey" => return Ok(Bson::MinKey),
            "MaxKey" => return Ok(Bson::MaxKey),
            "db" => {
                return Err(PlanError::type_error(
                    "db can only be used to call helpers here, e.g. db.collection.find() or db.getName()",
                    expr.span,
                ));
            }
            _ => {}
        }
        if builtin::is_builtin(name) {
            // As in mongosh, a bare constructor name is the function itself
            // (a schema sketch such as `{ email: String }` is valid).
            return Ok(builtin::function_value(name));
        }
        let mut message = format!("{name} is not defined");
        if let Some(close) = crate::suggest::closest(name, self.env.names().into_iter()) {
            message.push_str(&format!(" (did you mean {close}?)"));
        } else {
            message.push_str(": declare it first, e.g. const ");
            message.push_str(name);
            message.push_str(" = ...");
        }
        Err(PlanError::new(
            PlanErrorKind::ReferenceError,
            message,
            expr.span,
        ))
    }

    fn kernel_var(&mut self, name: &str, expr: &Expr) -> Result<Bson, PlanError> {
        // `{{a.b}}` reads a field of a kernel variable.
        let mut parts = name.split('.');
        let head = parts.next().unwrap_or(name);
        let Some(mut value) = self.env.kernel_var(head).cloned() else {
            return Err(PlanError::new(
                PlanErrorKind::ReferenceError,
                format!(
                    "kernel variable {{{{{head}}}}} is not set: define it first, e.g. %set {head} = 5"
                ),
                expr.span,
            ));
        };
        for part in parts {
            value = methods::member(&value, part, expr.span, head)?;
        }
        Ok(value)
    }

    fn object(&mut self, properties: &[Property]) -> Result<Bson, PlanError> {
        let mut doc = Document::new();
        for property in properties {
            match property {
                Property::KeyValue { key, value } => {
                    let value = self.eval(value)?;
                    doc.insert(key.clone(), value);
                }
                Property::Computed { key, value } => {
                    let key = to_js_string(&self.eval(key)?);
                    let value = self.eval(value)?;
                    doc.insert(key, value);
                }
                Property::Spread(e) => match self.eval(e)? {
                    Bson::Document(other) => {
                        for (k, v) in other {
                            doc.insert(k, v);
                        }
                    }
                    Bson::Null => {}
                    other => {
                        return Err(PlanError::type_error(
                            format!(
                                "cannot spread a {} into an object: only objects can be spread here",
                                type_name(&other)
                            ),
                            e.span,
                        ));
                    }
                },
            }
        }
        Ok(Bson::Document(javascript_key_order(doc)))
    }

    fn call(
        &mut self,
        callee: &Expr,
        args: Vec<Bson>,
        is_new: bool,
        expr: &Expr,
    ) -> Result<Bson, PlanError> {
        match &callee.kind {
            ExprKind::Ident(variable) => {
                // A variable holding a built-in function calls it (`const S = String; S(5)`).
                let env = self.env;
                let name = match env.get(variable) {
                    None => variable.as_str(),
                    Some(value) => builtin::function_name(value).ok_or_else(|| {
                        PlanError::type_error(format!("{variable} is not a function"), callee.span)
                    })?,
                };
                if let Some(result) =
                    constructors::construct(name, &args, is_new, expr.span, &mut self.warnings)
                {
                    return result;
                }
                if let Some(result) = methods::global_function(name, &args, expr.span) {
                    return result;
                }
                if builtin::is_builtin(name) {
                    return Err(PlanError::unsupported(
                        format!(
                            "{name}(...) is a JavaScript built-in that this kernel does not call; it can only be used as a value here"
                        ),
                        callee.span,
                    ));
                }
                Err(PlanError::type_error(
                    format!("{name} is not a function"),
                    callee.span,
                ))
            }
            ExprKind::Member {
                object, property, ..
            } => {
                if let ExprKind::Ident(namespace) = &object.kind
                    && self.env.get(namespace).is_none()
                    && let Some(result) =
                        constructors::static_call(namespace, property, &args, expr.span)
                {
                    return result;
                }
                let value = self.eval(object)?;
                methods::call_method(&value, property, &args, expr.span, &object.path_name())
            }
            _ => Err(PlanError::type_error(
                format!("{} is not a function", callee.path_name()),
                callee.span,
            )),
        }
    }

    fn unary(&mut self, op: UnaryOp, value: Bson, expr: &Expr) -> Result<Bson, PlanError> {
        match op {
            UnaryOp::Not => Ok(Bson::Boolean(!truthy(&value))),
            UnaryOp::TypeOf => Ok(Bson::String(
                match &value {
                    Bson::String(_) => "string",
                    Bson::Int32(_) | Bson::Double(_) => "number",
                    Bson::Boolean(_) => "boolean",
                    Bson::Undefined => "undefined",
                    other if builtin::function_name(other).is_some() => "function",
                    _ => "object",
                }
                .to_string(),
            )),
            UnaryOp::Neg => match value {
                Bson::Int64(i) => Ok(Bson::Int64(i.wrapping_neg())),
                Bson::Decimal128(d) => {
                    let text = d.to_string();
                    let negated = match text.strip_prefix('-') {
                        Some(rest) => rest.to_string(),
                        None => format!("-{text}"),
                    };
                    negated
                        .parse()
                        .map(Bson::Decimal128)
                        .map_err(|_| PlanError::invalid("cannot negate this Decimal128", expr.span))
                }
                other => Ok(number(-self.numeric(&other, expr)?)),
            },
            UnaryOp::Plus => Ok(number(self.numeric(&value, expr)?)),
        }
    }

    fn numeric(&self, value: &Bson, expr: &Expr) -> Result<f64, PlanError> {
        match value {
            Bson::Boolean(b) => Ok(if *b { 1.0 } else { 0.0 }),
            Bson::Null => Ok(0.0),
            Bson::String(s) => Ok(s.trim().parse().unwrap_or(f64::NAN)),
            Bson::DateTime(dt) => Ok(dt.timestamp_millis() as f64),
            other => as_f64(other).ok_or_else(|| {
                PlanError::type_error(
                    format!("cannot use a {} in arithmetic", type_name(other)),
                    expr.span,
                )
            }),
        }
    }

    fn binary(
        &mut self,
        op: BinaryOp,
        left: &Expr,
        right: &Expr,
        expr: &Expr,
    ) -> Result<Bson, PlanError> {
        let l = self.eval(left)?;
        match op {
            BinaryOp::And => return if truthy(&l) { self.eval(right) } else { Ok(l) },
            BinaryOp::Or => return if truthy(&l) { Ok(l) } else { self.eval(right) },
            BinaryOp::Coalesce => {
                return if matches!(l, Bson::Null | Bson::Undefined) {
                    self.eval(right)
                } else {
                    Ok(l)
                };
            }
            _ => {}
        }
        let r = self.eval(right)?;
        let strings = matches!(l, Bson::String(_)) || matches!(r, Bson::String(_));
        match op {
            BinaryOp::Add if strings || matches!(l, Bson::Array(_) | Bson::Document(_)) => {
                Ok(Bson::String(to_js_string(&l) + &to_js_string(&r)))
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                let equal = match (as_f64(&l), as_f64(&r)) {
                    (Some(a), Some(b)) => a == b,
                    _ => l == r,
                };
                Ok(Bson::Boolean(equal == (op == BinaryOp::Eq)))
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge if strings => {
                let (a, b) = (to_js_string(&l), to_js_string(&r));
                Ok(Bson::Boolean(match op {
                    BinaryOp::Lt => a < b,
                    BinaryOp::Le => a <= b,
                    BinaryOp::Gt => a > b,
                    _ => a >= b,
                }))
            }
            _ => {
                let a = self.numeric(&l, left)?;
                let b = self.numeric(&r, right)?;
                Ok(match op {
                    BinaryOp::Add => number(a + b),
                    BinaryOp::Sub => number(a - b),
                    BinaryOp::Mul => number(a * b),
                    BinaryOp::Div => number(a / b),
                    BinaryOp::Rem => number(a % b),
                    BinaryOp::Pow => number(a.powf(b)),
                    BinaryOp::Lt => Bson::Boolean(a < b),
                    BinaryOp::Le => Bson::Boolean(a <= b),
                    BinaryOp::Gt => Bson::Boolean(a > b),
                    BinaryOp::Ge => Bson::Boolean(a >= b),
                    _ => {
                        return Err(PlanError::invalid("unsupported operator", expr.span));
                    }
                })
            }
        }
    }
}

/// Evaluate one expression against `env` (warnings are dropped).
pub fn eval(expr: &Expr, env: &Env) -> Result<Bson, PlanError> {
    Evaluator::new(env).eval(expr)
}

#[cfg(test)]
mod tests;
