//! `$function`: `{body, args, lang: "js"}`, checked as mongod's parser checks it, then the body
//! called with the evaluated arguments.

use bson::{Bson, Document};

use super::code_text;
use crate::error::{QueryError, Result};
use crate::expr::{self, Ctx};

/// The checked parts of a `$function`.
pub struct FunctionSpec<'a> {
    pub body: &'a str,
    pub args: &'a Bson,
}

/// Checks `{body, args, lang}` with mongod's codes (fields mongod does not read are ignored,
/// as mongod ignores them).
pub fn parse(arg: &Bson) -> Result<FunctionSpec<'_>> {
    let Bson::Document(spec) = arg else {
        return Err(QueryError::location(
            31260,
            format!(
                "$function requires an object as an argument, found: {}",
                crate::value::type_alias(arg)
            ),
        ));
    };
    let Some(body) = spec.get("body") else {
        return Err(QueryError::location(
            31261,
            "The body function must be specified.",
        ));
    };
    let body = constant_code(body)?;
    let Some(args) = spec.get("args") else {
        return Err(QueryError::location(
            31263,
            "The args field must be specified.",
        ));
    };
    check_lang(spec)?;
    Ok(FunctionSpec { body, args })
}

fn constant_code(body: &Bson) -> Result<&str> {
    let is_constant = match body {
        Bson::String(s) => !s.starts_with('$'),
        Bson::Document(d) => d.keys().next().is_some_and(|k| k == "$literal"),
        _ => true,
    };
    if !is_constant {
        return Err(QueryError::location(
            31432,
            "The body function must be a constant expression",
        ));
    }
    let body = match body {
        Bson::Document(d) => d.get("$literal").unwrap_or(&Bson::Null),
        other => other,
    };
    code_text(body).ok_or_else(|| {
        QueryError::location(
            31262,
            "The body function must evaluate to type string or code",
        )
    })
}

fn check_lang(spec: &Document) -> Result<()> {
    match spec.get("lang") {
        None => Err(QueryError::location(
            31418,
            "The lang field must be specified.",
        )),
        Some(Bson::String(s)) if s == "js" => Ok(()),
        Some(_) => Err(QueryError::location(
            31419,
            "Currently the only supported language specifier is 'js'.",
        )),
    }
}

/// mongod refuses `$function` anywhere in a collection validator (4660800).
pub fn refuse_in_validator(rule: &Document) -> Result<()> {
    fn walk(v: &Bson) -> bool {
        match v {
            Bson::Document(d) => d.iter().any(|(k, v)| k == "$function" || walk(v)),
            Bson::Array(items) => items.iter().any(walk),
            _ => false,
        }
    }
    if rule.iter().any(|(k, v)| k == "$function" || walk(v)) {
        return Err(QueryError::location(
            4660800,
            "$function cannot be used inside a validator.",
        ));
    }
    Ok(())
}

/// Evaluates a `$function` against the expression context.
pub fn evaluate(arg: &Bson, ctx: &Ctx) -> Result<Option<Bson>> {
    let spec = parse(arg)?;
    let args = match expr::eval(spec.args, ctx)? {
        Some(Bson::Array(items)) => items,
        _ => {
            return Err(QueryError::location(
                31266,
                "The args field must be of type array",
            ));
        }
    };
    super::call(spec.body, &args).map(Some)
}
