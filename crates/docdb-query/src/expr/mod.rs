//! The aggregation expression language: `"$field"`, `"$$var"`, literals, object and array
//! expressions, and operator expressions (`{$add: [...]}`).
//!
//! Expressions distinguish a *missing* value from `null` (a missing field is left out of a
//! `$project` result, `$ifNull` treats both alike, `$eq` tells them apart), so evaluation works on
//! `Option<Bson>` internally, `None` meaning missing. Operators are grouped by family in
//! submodules (`arith`, `compare`, `string`, `date`, `array`, `convert`, `object`); this file owns
//! variables, field paths and dispatch.

mod args;
mod arith;
mod array;
pub mod calendar;
mod compare;
mod convert;
mod date;
mod object;
mod string;
pub mod zone;

use crate::error::{QueryError, Result};
use bson::{Bson, Document};
use std::collections::HashMap;

pub use arith::{
    Num, add as add_nums, average, avg_values, decimal_from_f64, multiply as multiply_nums,
    std_dev, sum_values,
};
pub use calendar::{Civil, civil_from_millis};
pub use convert::to_string_value;
pub use object::next_random as random;

/// Variables visible to an expression: `$$NOW`, `$$ROOT`/`$$CURRENT` overrides, `let` variables
/// and the names bound by `$let`, `$map`, `$filter` and `$reduce`.
#[derive(Debug, Clone)]
pub struct Variables {
    vars: HashMap<String, Option<Bson>>,
    now: bson::DateTime,
    /// The operation's collation: string comparisons in `$eq`, `$in`, `$cmp`, set operators and
    /// in the matcher follow it (None: binary).
    collation: Option<std::sync::Arc<crate::collation::Collation>>,
}

impl Default for Variables {
    fn default() -> Self {
        Self::new()
    }
}

impl Variables {
    /// No user variables; `$$NOW` is the current time.
    pub fn new() -> Self {
        Variables {
            vars: HashMap::new(),
            now: bson::DateTime::now(),
            collation: None,
        }
    }

    /// No user variables; `$$NOW` is the given time (one value for a whole command).
    pub fn with_now(now: bson::DateTime) -> Self {
        Variables {
            vars: HashMap::new(),
            now,
            collation: None,
        }
    }

    /// Binds a variable (name without `$$`).
    pub fn set(&mut self, name: &str, value: Bson) {
        self.vars.insert(name.to_string(), Some(value));
    }

    /// Binds a variable that may be missing (`None`), as `let: {k: "$absent"}` does.
    pub fn set_optional(&mut self, name: &str, value: Option<Bson>) {
        self.vars.insert(name.to_string(), value);
    }

    /// Reads a user-bound variable (None when unbound or bound to a missing value).
    pub fn get(&self, name: &str) -> Option<&Bson> {
        self.vars.get(name).and_then(Option::as_ref)
    }

    /// The `$$NOW` value.
    pub fn now(&self) -> bson::DateTime {
        self.now
    }

    /// Sets the collation string comparisons follow.
    pub fn set_collation(
        &mut self,
        collation: Option<std::sync::Arc<crate::collation::Collation>>,
    ) {
        self.collation = collation;
    }

    /// The collation string comparisons follow (None: binary).
    pub fn collation(&self) -> Option<&crate::collation::Collation> {
        self.collation.as_deref()
    }

    /// The shared handle of the collation, to pass on to nested evaluations.
    pub fn collation_handle(&self) -> Option<std::sync::Arc<crate::collation::Collation>> {
        self.collation.clone()
    }

    /// Binds every field of a `let` document, evaluating each as an expression against `doc`.
    pub fn bind_let(&mut self, lets: &Document, doc: &Document) -> Result<()> {
        for (name, e) in lets {
            validate_variable_name(name)?;
            let v = evaluate_optional(e, doc, self)?;
            self.vars.insert(name.clone(), v);
        }
        Ok(())
    }
}

/// Checks a user variable name: starts with a lowercase letter or non-ASCII, then word chars.
pub fn validate_variable_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok_first = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || !c.is_ascii());
    if !ok_first || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()) {
        return Err(QueryError::location(
            16867,
            format!("'{name}' starts with an invalid character for a user variable name"),
        ));
    }
    Ok(())
}

/// What an operator sees: the document (`$$ROOT`) and the variables.
pub struct Ctx<'a> {
    pub root: &'a Document,
    pub vars: &'a Variables,
}

/// Evaluates an expression against `doc`; a missing result is returned as `Null`.
pub fn evaluate(expr: &Bson, doc: &Document, vars: &Variables) -> Result<Bson> {
    Ok(evaluate_optional(expr, doc, vars)?.unwrap_or(Bson::Null))
}

/// Evaluates an expression against `doc`; `None` means the result is missing.
pub fn evaluate_optional(expr: &Bson, doc: &Document, vars: &Variables) -> Result<Option<Bson>> {
    eval(expr, &Ctx { root: doc, vars })
}

/// Evaluates in a context.
pub fn eval(expr: &Bson, ctx: &Ctx) -> Result<Option<Bson>> {
    match expr {
        Bson::String(s) if s.starts_with("$$") => variable(&s[2..], ctx),
        Bson::String(s) if s.starts_with('$') => field_path(&s[1..], ctx, s),
        Bson::Document(d) => eval_document(d, ctx),
        Bson::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(eval(item, ctx)?.unwrap_or(Bson::Null));
            }
            Ok(Some(Bson::Array(out)))
        }
        other => Ok(Some(other.clone())),
    }
}

/// Evaluates, turning missing into null.
pub fn eval_value(expr: &Bson, ctx: &Ctx) -> Result<Bson> {
    Ok(eval(expr, ctx)?.unwrap_or(Bson::Null))
}

fn current<'a>(ctx: &'a Ctx) -> Option<&'a Bson> {
    // Most evaluations bind no variable at all: skip hashing the name then.
    if ctx.vars.vars.is_empty() {
        return None;
    }
    match ctx.vars.vars.get("CURRENT") {
        Some(v) => v.as_ref(),
        None => None,
    }
}

fn variable(spec: &str, ctx: &Ctx) -> Result<Option<Bson>> {
    let (name, rest) = match spec.split_once('.') {
        Some((n, r)) => (n, Some(r)),
        None => (spec, None),
    };
    let base: Option<Bson> = match name {
        "ROOT" => Some(Bson::Document(ctx.root.clone())),
        "CURRENT" => Some(
            current(ctx)
                .cloned()
                .unwrap_or_else(|| Bson::Document(ctx.root.clone())),
        ),
        "NOW" => Some(Bson::DateTime(ctx.vars.now)),
        "CLUSTER_TIME" => Some(Bson::Timestamp(bson::Timestamp {
            time: (ctx.vars.now.timestamp_millis() / 1000).max(0) as u32,
            increment: 1,
        })),
        "REMOVE" => None,
        _ => match ctx.vars.vars.get(name) {
            Some(v) => v.clone(),
            None => {
                return Err(QueryError::location(
                    17276,
                    format!("Use of undefined variable: {name}"),
                ));
            }
        },
    };
    match (base, rest) {
        (None, _) => Ok(None),
        (Some(v), None) => Ok(Some(v)),
        (Some(v), Some(path)) => Ok(walk_path(&v, &path.split('.').collect::<Vec<_>>())),
    }
}

fn field_path(path: &str, ctx: &Ctx, raw: &str) -> Result<Option<Bson>> {
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(QueryError::location(
            15998,
            format!("FieldPath field names may not be empty strings: '{raw}'"),
        ));
    }
    Ok(match current(ctx) {
        Some(c) => walk_dotted(c, Some(path)),
        None => {
            let (first, rest) = match path.split_once('.') {
                Some((first, rest)) => (first, Some(rest)),
                None => (path, None),
            };
            ctx.root.get(first).and_then(|v| walk_dotted(v, rest))
        }
    })
}

/// `walk_path` over a dotted path (`None`: nothing left), without splitting it into a vector:
/// field paths are evaluated once per document.
fn walk_dotted(v: &Bson, path: Option<&str>) -> Option<Bson> {
    let Some(path) = path else {
        return Some(v.clone());
    };
    let (first, rest) = match path.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (path, None),
    };
    match v {
        Bson::Document(d) => d.get(first).and_then(|child| walk_dotted(child, rest)),
        Bson::Array(items) => {
            let out: Vec<Bson> = items
                .iter()
                .filter_map(|item| match item {
                    Bson::Document(_) => walk_dotted(item, Some(path)),
                    _ => None,
                })
                .collect();
            Some(Bson::Array(out))
        }
        _ => None,
    }
}

/// Expression-style path walk: documents by field, arrays mapped element by element (numeric
/// components are field names here, not indexes); non-document elements are dropped.
pub fn walk_path(v: &Bson, parts: &[&str]) -> Option<Bson> {
    let Some((first, rest)) = parts.split_first() else {
        return Some(v.clone());
    };
    match v {
        Bson::Document(d) => d.get(*first).and_then(|child| walk_path(child, rest)),
        Bson::Array(items) => {
            let out: Vec<Bson> = items
                .iter()
                .filter_map(|item| match item {
                    // Nested arrays are not entered (MongoDB's golden results confirm this).
                    Bson::Document(_) => walk_path(item, parts),
                    _ => None,
                })
                .collect();
            Some(Bson::Array(out))
        }
        _ => None,
    }
}

/// Reads a field path like `"$a.b"` from a document (for `$group` keys, `$unwind`, ...).
pub fn get_field_path(doc: &Document, path: &str) -> Option<Bson> {
    let parts: Vec<&str> = path.split('.').collect();
    let (first, rest) = parts.split_first()?;
    doc.get(*first).and_then(|v| walk_path(v, rest))
}

fn eval_document(d: &Document, ctx: &Ctx) -> Result<Option<Bson>> {
    let Some(first) = d.keys().next() else {
        return Ok(Some(Bson::Document(Document::new())));
    };
    if first.starts_with('$') {
        if d.len() != 1 {
            return Err(QueryError::location(
                15983,
                format!(
                    "an expression specification must contain exactly one field, the name of the expression. Found {} fields in {}",
                    d.len(),
                    crate::fmt::short(&Bson::Document(d.clone()))
                ),
            ));
        }
        let arg = d.get(first).unwrap_or(&Bson::Null);
        return operator(first, arg, ctx);
    }
    let mut out = Document::new();
    for (k, e) in d {
        if k.starts_with('$') {
            return Err(QueryError::location(
                16410,
                format!("FieldPath field names may not start with '$': '{k}'"),
            ));
        }
        if let Some(v) = eval(e, ctx)? {
            out.insert(k, v);
        }
    }
    Ok(Some(Bson::Document(out)))
}

fn operator(name: &str, arg: &Bson, ctx: &Ctx) -> Result<Option<Bson>> {
    if name == "$function" {
        return crate::js::function::evaluate(arg, ctx);
    }
    if let Some(r) = arith::dispatch(name, arg, ctx)? {
        return Ok(r);
    }
    if let Some(r) = compare::dispatch(name, arg, ctx)? {
        return Ok(r);
    }
    if let Some(r) = string::dispatch(name, arg, ctx)? {
        return Ok(r);
    }
    if let Some(r) = array::dispatch(name, arg, ctx)? {
        return Ok(r);
    }
    if let Some(r) = date::dispatch(name, arg, ctx)? {
        return Ok(r);
    }
    if let Some(r) = convert::dispatch(name, arg, ctx)? {
        return Ok(r);
    }
    if let Some(r) = object::dispatch(name, arg, ctx)? {
        return Ok(r);
    }
    Err(QueryError::new(
        168,
        "InvalidPipelineOperator",
        format!("Unrecognized expression '{name}'"),
    ))
}

#[cfg(test)]
mod tests;
