//! Argument helpers shared by the operator families: evaluating positional argument lists,
//! reading named arguments of `{$op: {input: ..., ...}}` forms, and arity errors.

use super::{Ctx, eval};
use crate::error::{QueryError, Result};
use bson::{Bson, Document};

/// The raw argument expressions: an array as is, anything else as a one-element list.
pub fn raw_list(arg: &Bson) -> Vec<&Bson> {
    match arg {
        Bson::Array(items) => items.iter().collect(),
        other => vec![other],
    }
}

/// Evaluates every positional argument (missing kept as None).
pub fn eval_list(arg: &Bson, ctx: &Ctx) -> Result<Vec<Option<Bson>>> {
    raw_list(arg).into_iter().map(|e| eval(e, ctx)).collect()
}

/// Evaluates exactly `n` positional arguments.
pub fn eval_exact(name: &str, arg: &Bson, n: usize, ctx: &Ctx) -> Result<Vec<Option<Bson>>> {
    let list = raw_list(arg);
    if list.len() != n {
        return Err(arity(name, &n.to_string(), list.len()));
    }
    list.into_iter().map(|e| eval(e, ctx)).collect()
}

/// Evaluates between `min` and `max` positional arguments.
pub fn eval_range(
    name: &str,
    arg: &Bson,
    min: usize,
    max: usize,
    ctx: &Ctx,
) -> Result<Vec<Option<Bson>>> {
    let list = raw_list(arg);
    if list.len() < min || list.len() > max {
        return Err(arity(name, &format!("between {min} and {max}"), list.len()));
    }
    list.into_iter().map(|e| eval(e, ctx)).collect()
}

/// MongoDB's arity error (code 16020).
pub fn arity(name: &str, expected: &str, got: usize) -> QueryError {
    QueryError::location(
        16020,
        format!("Expression {name} takes exactly {expected} arguments. {got} were passed in."),
    )
}

/// The object argument of a named-argument operator, with unknown fields rejected.
pub fn named<'a>(name: &str, arg: &'a Bson, allowed: &[&str]) -> Result<&'a Document> {
    let Bson::Document(d) = arg else {
        return Err(QueryError::failed_to_parse(format!(
            "{name} expects an object of named arguments but found {}",
            crate::fmt::short(arg)
        )));
    };
    for k in d.keys() {
        if !allowed.contains(&k.as_str()) {
            return Err(QueryError::failed_to_parse(format!(
                "{name} found an unknown argument: {k}"
            )));
        }
    }
    Ok(d)
}

/// Evaluates a named argument (None when absent or missing).
pub fn eval_named(d: &Document, key: &str, ctx: &Ctx) -> Result<Option<Bson>> {
    match d.get(key) {
        None => Ok(None),
        Some(e) => eval(e, ctx),
    }
}

/// Null or missing.
pub fn is_nullish(v: &Option<Bson>) -> bool {
    matches!(v, None | Some(Bson::Null) | Some(Bson::Undefined))
}
