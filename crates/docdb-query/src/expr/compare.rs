//! Comparison, boolean and conditional operators, plus `$literal` and `$let`.
//!
//! Expression comparison uses the full cross-type BSON order (unlike query predicates, which
//! stay inside one type bracket), and a missing value sorts below everything, so
//! `{$eq: ["$absent", null]}` is false while two missing values are equal.

use super::args::{eval_exact, is_nullish, named, raw_list};
use super::{Ctx, eval, validate_variable_name};
use crate::error::{QueryError, Result};
use crate::value::{compare_with, is_truthy};
use bson::Bson;
use std::cmp::Ordering;

/// Compares two possibly-missing values (missing is lowest), strings under the collation.
pub fn compare_optional_with(
    a: &Option<Bson>,
    b: &Option<Bson>,
    collation: Option<&crate::collation::Collation>,
) -> Ordering {
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => compare_with(x, y, collation),
    }
}

fn truthy(v: &Option<Bson>) -> bool {
    v.as_ref().is_some_and(is_truthy)
}

pub(super) fn dispatch(name: &str, arg: &Bson, ctx: &Ctx) -> Result<Option<Option<Bson>>> {
    let r = match name {
        "$eq" | "$ne" | "$gt" | "$gte" | "$lt" | "$lte" | "$cmp" => {
            let args = eval_exact(name, arg, 2, ctx)?;
            let o = compare_optional_with(&args[0], &args[1], ctx.vars.collation());
            Some(match name {
                "$eq" => Bson::Boolean(o == Ordering::Equal),
                "$ne" => Bson::Boolean(o != Ordering::Equal),
                "$gt" => Bson::Boolean(o == Ordering::Greater),
                "$gte" => Bson::Boolean(o != Ordering::Less),
                "$lt" => Bson::Boolean(o == Ordering::Less),
                "$lte" => Bson::Boolean(o != Ordering::Greater),
                _ => Bson::Int32(match o {
                    Ordering::Less => -1,
                    Ordering::Equal => 0,
                    Ordering::Greater => 1,
                }),
            })
        }
        "$and" => {
            for e in raw_list(arg) {
                if !truthy(&eval(e, ctx)?) {
                    return Ok(Some(Some(Bson::Boolean(false))));
                }
            }
            Some(Bson::Boolean(true))
        }
        "$or" => {
            for e in raw_list(arg) {
                if truthy(&eval(e, ctx)?) {
                    return Ok(Some(Some(Bson::Boolean(true))));
                }
            }
            Some(Bson::Boolean(false))
        }
        "$not" => {
            let v = eval_exact(name, arg, 1, ctx)?;
            Some(Bson::Boolean(!truthy(&v[0])))
        }
        "$cond" => return cond(arg, ctx).map(Some),
        "$ifNull" => {
            let list = raw_list(arg);
            if list.len() < 2 {
                return Err(QueryError::location(
                    1257300,
                    "$ifNull needs at least two arguments",
                ));
            }
            let last = list.len() - 1;
            for (i, e) in list.iter().enumerate() {
                let v = eval(e, ctx)?;
                if i == last || !is_nullish(&v) {
                    return Ok(Some(v));
                }
            }
            None
        }
        "$switch" => return switch(arg, ctx).map(Some),
        "$literal" => Some(arg.clone()),
        "$let" => return let_op(arg, ctx).map(Some),
        _ => return Ok(None),
    };
    Ok(Some(r))
}

fn cond(arg: &Bson, ctx: &Ctx) -> Result<Option<Bson>> {
    let (c, t, f) = match arg {
        Bson::Array(items) if items.len() == 3 => (&items[0], &items[1], &items[2]),
        Bson::Array(items) => return Err(super::args::arity("$cond", "3", items.len())),
        Bson::Document(d) => {
            let get = |k: &str| {
                d.get(k).ok_or_else(|| {
                    QueryError::location(17080, format!("Missing '{k}' parameter to $cond"))
                })
            };
            for k in d.keys() {
                if !matches!(k.as_str(), "if" | "then" | "else") {
                    return Err(QueryError::location(
                        17083,
                        format!("Unrecognized parameter to $cond: {k}"),
                    ));
                }
            }
            (get("if")?, get("then")?, get("else")?)
        }
        _ => return Err(super::args::arity("$cond", "3", 1)),
    };
    if truthy(&eval(c, ctx)?) {
        eval(t, ctx)
    } else {
        eval(f, ctx)
    }
}

fn switch(arg: &Bson, ctx: &Ctx) -> Result<Option<Bson>> {
    let d = named("$switch", arg, &["branches", "default"])?;
    let Some(Bson::Array(branches)) = d.get("branches") else {
        return Err(QueryError::location(
            40061,
            "$switch requires an array of branches",
        ));
    };
    for b in branches {
        let Bson::Document(b) = b else {
            return Err(QueryError::location(
                40061,
                "$switch expected each branch to be an object",
            ));
        };
        let (Some(case), Some(then)) = (b.get("case"), b.get("then")) else {
            return Err(QueryError::location(
                40064,
                "$switch requires each branch to have 'case' and 'then'",
            ));
        };
        if truthy(&eval(case, ctx)?) {
            return eval(then, ctx);
        }
    }
    match d.get("default") {
        Some(e) => eval(e, ctx),
        None => Err(QueryError::location(
            40066,
            "$switch could not find a matching branch for an input, and no default was specified.",
        )),
    }
}

fn let_op(arg: &Bson, ctx: &Ctx) -> Result<Option<Bson>> {
    let d = named("$let", arg, &["vars", "in"])?;
    let Some(Bson::Document(vars)) = d.get("vars") else {
        return Err(QueryError::location(
            16866,
            "$let requires 'vars' to be an object",
        ));
    };
    let Some(body) = d.get("in") else {
        return Err(QueryError::location(
            16865,
            "Missing 'in' parameter to $let",
        ));
    };
    let mut scope = ctx.vars.clone();
    for (k, e) in vars {
        validate_variable_name(k)?;
        scope.set_optional(k, eval(e, ctx)?);
    }
    let inner = Ctx {
        root: ctx.root,
        vars: &scope,
    };
    eval(body, &inner)
}
