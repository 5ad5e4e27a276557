//! Array operators: size and access, higher-order `$map`/`$filter`/`$reduce`, construction
//! (`$range`, `$concatArrays`, `$zip`, `$slice`), search (`$in`, `$indexOfArray`), set operators
//! and `$sortArray`.
//!
//! Higher-order operators bind their variable (`$$this` by default, or the `as` name) in a copy of
//! the variables, so nested `$map`s see their own element.

use super::args::{eval_exact, eval_list, eval_named, eval_range, is_nullish, named};
use super::{Ctx, eval, validate_variable_name};
use crate::error::{QueryError, Result};
use crate::value::{compare, compare_with, equal_with, is_truthy};
use bson::{Bson, Document};

fn want_array(op: &str, code: i32, v: &Bson) -> Result<Vec<Bson>> {
    match v {
        Bson::Array(items) => Ok(items.clone()),
        _ => Err(QueryError::location(
            code,
            format!(
                "{op}'s argument must be an array, but is {}",
                crate::value::type_alias(v)
            ),
        )),
    }
}

fn want_int(op: &str, v: &Option<Bson>) -> Result<i64> {
    v.as_ref()
        .and_then(crate::number::integral_i64)
        .ok_or_else(|| {
            QueryError::location(
                28765,
                format!(
                    "{op} requires an integral argument, found {}",
                    v.as_ref().map_or("missing", crate::value::type_alias)
                ),
            )
        })
}

pub(super) fn dispatch(name: &str, arg: &Bson, ctx: &Ctx) -> Result<Option<Option<Bson>>> {
    let r = match name {
        "$size" => {
            let v = eval_exact(name, arg, 1, ctx)?
                .pop()
                .flatten()
                .unwrap_or(Bson::Null);
            match v {
                Bson::Array(items) => Some(Bson::Int32(items.len() as i32)),
                other => {
                    return Err(QueryError::location(
                        17124,
                        format!(
                            "The argument to $size must be an array. Type of argument: {}",
                            crate::value::type_alias(&other)
                        ),
                    ));
                }
            }
        }
        "$isArray" => {
            let v = eval_exact(name, arg, 1, ctx)?.pop().flatten();
            Some(Bson::Boolean(matches!(v, Some(Bson::Array(_)))))
        }
        "$arrayElemAt" => {
            let args = eval_exact(name, arg, 2, ctx)?;
            if args.iter().any(is_nullish) {
                return Ok(Some(Some(Bson::Null)));
            }
            let items = want_array(name, 28689, args[0].as_ref().unwrap_or(&Bson::Null))?;
            let idx = want_int(name, &args[1])?;
            let i = if idx < 0 {
                (items.len() as i64).saturating_add(idx)
            } else {
                idx
            };
            if i < 0 {
                None
            } else {
                items.get(i as usize).cloned()
            }
        }
        "$first" | "$last" => {
            let v = eval_exact(name, arg, 1, ctx)?.pop().flatten();
            match v {
                None => None,
                Some(Bson::Null) | Some(Bson::Undefined) => Some(Bson::Null),
                Some(Bson::Array(items)) => {
                    if name == "$first" {
                        items.first().cloned()
                    } else {
                        items.last().cloned()
                    }
                }
                Some(other) => {
                    return Err(QueryError::location(
                        28689,
                        format!(
                            "{name}'s argument must be an array, but is {}",
                            crate::value::type_alias(&other)
                        ),
                    ));
                }
            }
        }
        "$in" => {
            let args = eval_exact(name, arg, 2, ctx)?;
            let items = match &args[1] {
                Some(Bson::Array(items)) => items,
                other => {
                    return Err(QueryError::location(
                        40081,
                        format!(
                            "$in requires an array as a second argument, found: {}",
                            other.as_ref().map_or("missing", crate::value::type_alias)
                        ),
                    ));
                }
            };
            let needle = args[0].clone().unwrap_or(Bson::Null);
            Some(Bson::Boolean(
                args[0].is_some()
                    && items
                        .iter()
                        .any(|x| equal_with(x, &needle, ctx.vars.collation())),
            ))
        }
        "$concatArrays" => {
            let mut out = Vec::new();
            for v in eval_list(arg, ctx)? {
                if is_nullish(&v) {
                    return Ok(Some(Some(Bson::Null)));
                }
                out.extend(want_array(name, 28664, v.as_ref().unwrap_or(&Bson::Null))?);
            }
            Some(Bson::Array(out))
        }
        "$reverseArray" => {
            let v = eval_exact(name, arg, 1, ctx)?.pop().flatten();
            if is_nullish(&v) {
                return Ok(Some(Some(Bson::Null)));
            }
            let mut items = want_array(name, 34435, v.as_ref().unwrap_or(&Bson::Null))?;
            items.reverse();
            Some(Bson::Array(items))
        }
        "$slice" => {
            let args = eval_range(name, arg, 2, 3, ctx)?;
            if args.iter().any(is_nullish) {
                return Ok(Some(Some(Bson::Null)));
            }
            let items = want_array(name, 28724, args[0].as_ref().unwrap_or(&Bson::Null))?;
            let out = if args.len() == 2 {
                crate::projection::slice_array(&items, want_int(name, &args[1])?, None)
            } else {
                let n = want_int(name, &args[2])?;
                if n <= 0 {
                    return Err(QueryError::location(
                        28729,
                        "$slice: third argument must be positive",
                    ));
                }
                crate::projection::slice_array(&items, want_int(name, &args[1])?, Some(n))
            };
            Some(Bson::Array(out))
        }
        "$range" => {
            let args = eval_range(name, arg, 2, 3, ctx)?;
            let start = want_int(name, &args[0])?;
            let end = want_int(name, &args[1])?;
            let step = match args.get(2) {
                Some(s) => want_int(name, s)?,
                None => 1,
            };
            if step == 0 {
                return Err(QueryError::location(
                    34449,
                    "$range requires a non-zero step value",
                ));
            }
            let mut out = Vec::new();
            let mut i = start;
            while (step > 0 && i < end) || (step < 0 && i > end) {
                if out.len() >= 2_000_000 {
                    return Err(QueryError::location(
                        34451,
                        "$range would produce too many elements",
                    ));
                }
                out.push(i32::try_from(i).map_or(Bson::Int64(i), Bson::Int32));
                match i.checked_add(step) {
                    Some(next) => i = next,
                    None => break,
                }
            }
            Some(Bson::Array(out))
        }
        "$indexOfArray" => {
            let args = eval_range(name, arg, 2, 4, ctx)?;
            if is_nullish(&args[0]) {
                return Ok(Some(Some(Bson::Null)));
            }
            let items = want_array(name, 40090, args[0].as_ref().unwrap_or(&Bson::Null))?;
            let needle = args[1].clone().unwrap_or(Bson::Null);
            let start = match args.get(2) {
                Some(v) => want_int(name, v)?.max(0) as usize,
                None => 0,
            };
            let end = match args.get(3) {
                Some(v) => (want_int(name, v)?.max(0) as usize).min(items.len()),
                None => items.len(),
            };
            let found =
                (start..end).find(|i| equal_with(&items[*i], &needle, ctx.vars.collation()));
            Some(Bson::Int32(found.map_or(-1, |i| i as i32)))
        }
        "$map" => {
            let d = named(name, arg, &["input", "as", "in"])?;
            let input = eval_named(d, "input", ctx)?;
            if is_nullish(&input) {
                return Ok(Some(Some(Bson::Null)));
            }
            let items = want_array(name, 16883, input.as_ref().unwrap_or(&Bson::Null))?;
            let var = bound_name(d)?;
            let body = d
                .get("in")
                .ok_or_else(|| QueryError::location(16882, "Missing 'in' parameter to $map"))?;
            let mut scope = ctx.vars.clone();
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                scope.set(&var, item);
                out.push(
                    eval(
                        body,
                        &Ctx {
                            root: ctx.root,
                            vars: &scope,
                        },
                    )?
                    .unwrap_or(Bson::Null),
                );
            }
            Some(Bson::Array(out))
        }
        "$filter" => {
            let d = named(name, arg, &["input", "as", "cond", "limit"])?;
            let input = eval_named(d, "input", ctx)?;
            if is_nullish(&input) {
                return Ok(Some(Some(Bson::Null)));
            }
            let items = want_array(name, 28651, input.as_ref().unwrap_or(&Bson::Null))?;
            let var = bound_name(d)?;
            let cond = d.get("cond").ok_or_else(|| {
                QueryError::location(28648, "Missing 'cond' parameter to $filter")
            })?;
            let limit = match eval_named(d, "limit", ctx)? {
                None | Some(Bson::Null) => usize::MAX,
                Some(v) => match crate::number::integral_i64(&v) {
                    Some(n) if n > 0 => n as usize,
                    _ => {
                        return Err(QueryError::location(
                            327391,
                            "$filter: limit must be a positive integer",
                        ));
                    }
                },
            };
            let mut scope = ctx.vars.clone();
            let mut out = Vec::new();
            for item in items {
                if out.len() >= limit {
                    break;
                }
                scope.set(&var, item.clone());
                if eval(
                    cond,
                    &Ctx {
                        root: ctx.root,
                        vars: &scope,
                    },
                )?
                .as_ref()
                .is_some_and(is_truthy)
                {
                    out.push(item);
                }
            }
            Some(Bson::Array(out))
        }
        "$reduce" => {
            let d = named(name, arg, &["input", "initialValue", "in"])?;
            let input = eval_named(d, "input", ctx)?;
            if is_nullish(&input) {
                return Ok(Some(Some(Bson::Null)));
            }
            let items = want_array(name, 40080, input.as_ref().unwrap_or(&Bson::Null))?;
            let mut acc = eval_named(d, "initialValue", ctx)?.unwrap_or(Bson::Null);
            let body = d
                .get("in")
                .ok_or_else(|| QueryError::location(40079, "Missing 'in' parameter to $reduce"))?;
            let mut scope = ctx.vars.clone();
            for item in items {
                scope.set("this", item);
                scope.set("value", acc);
                acc = eval(
                    body,
                    &Ctx {
                        root: ctx.root,
                        vars: &scope,
                    },
                )?
                .unwrap_or(Bson::Null);
            }
            Some(acc)
        }
        "$zip" => zip(arg, ctx)?,
        "$firstN" | "$lastN" | "$maxN" | "$minN" => {
            let d = named(name, arg, &["n", "input"])?;
            let n = match eval_named(d, "n", ctx)?
                .as_ref()
                .and_then(crate::number::integral_i64)
            {
                Some(n) if n > 0 => n as usize,
                _ => {
                    return Err(QueryError::location(
                        5787908,
                        format!("{name}: 'n' must be a positive integer"),
                    ));
                }
            };
            let input = eval_named(d, "input", ctx)?;
            if is_nullish(&input) {
                return Ok(Some(Some(Bson::Null)));
            }
            let mut items = want_array(name, 5788200, input.as_ref().unwrap_or(&Bson::Null))?;
            match name {
                "$firstN" => items.truncate(n),
                "$lastN" => {
                    let skip = items.len().saturating_sub(n);
                    items.drain(..skip);
                }
                _ => {
                    items.retain(|v| !matches!(v, Bson::Null | Bson::Undefined));
                    items.sort_by(compare);
                    if name == "$maxN" {
                        items.reverse();
                    }
                    items.truncate(n);
                }
            }
            Some(Bson::Array(items))
        }
        "$arrayToObject" => {
            let v = eval_exact(name, arg, 1, ctx)?.pop().flatten();
            if is_nullish(&v) {
                return Ok(Some(Some(Bson::Null)));
            }
            let items = want_array(name, 40386, v.as_ref().unwrap_or(&Bson::Null))?;
            let mut out = Document::new();
            for item in items {
                let (k, val) = match &item {
                    Bson::Array(pair) if pair.len() == 2 => match &pair[0] {
                        Bson::String(k) => (k.clone(), pair[1].clone()),
                        _ => {
                            return Err(QueryError::location(
                                40395,
                                "$arrayToObject requires string keys",
                            ));
                        }
                    },
                    Bson::Document(kv) => match (kv.get("k"), kv.get("v")) {
                        (Some(Bson::String(k)), Some(v)) if kv.len() == 2 => (k.clone(), v.clone()),
                        _ => {
                            return Err(QueryError::location(
                                40392,
                                "$arrayToObject requires documents of the form {k: <string>, v: <value>}",
                            ));
                        }
                    },
                    _ => {
                        return Err(QueryError::location(
                            40398,
                            "$arrayToObject requires [key, value] pairs or {k, v} documents",
                        ));
                    }
                };
                out.insert(k, val);
            }
            Some(Bson::Document(out))
        }
        "$objectToArray" => {
            let v = eval_exact(name, arg, 1, ctx)?.pop().flatten();
            match v {
                None | Some(Bson::Null) | Some(Bson::Undefined) => Some(Bson::Null),
                Some(Bson::Document(d)) => Some(Bson::Array(
                    d.iter()
                        .map(|(k, v)| {
                            let mut kv = Document::new();
                            kv.insert("k", k.clone());
                            kv.insert("v", v.clone());
                            Bson::Document(kv)
                        })
                        .collect(),
                )),
                Some(other) => {
                    return Err(QueryError::location(
                        40390,
                        format!(
                            "$objectToArray requires a document input, found: {}",
                            crate::value::type_alias(&other)
                        ),
                    ));
                }
            }
        }
        "$setUnion" | "$setIntersection" | "$setDifference" | "$setEquals" | "$setIsSubset" => {
            set_op(name, arg, ctx)?
        }
        "$anyElementTrue" | "$allElementsTrue" => {
            let v = eval_exact(name, arg, 1, ctx)?
                .pop()
                .flatten()
                .unwrap_or(Bson::Null);
            let items = want_array(name, 17041, &v)?;
            Some(Bson::Boolean(if name == "$anyElementTrue" {
                items.iter().any(is_truthy)
            } else {
                items.iter().all(is_truthy)
            }))
        }
        "$sortArray" => {
            let d = named(name, arg, &["input", "sortBy"])?;
            let input = eval_named(d, "input", ctx)?;
            if is_nullish(&input) {
                return Ok(Some(Some(Bson::Null)));
            }
            let mut items = want_array(name, 2942504, input.as_ref().unwrap_or(&Bson::Null))?;
            match d.get("sortBy") {
                Some(Bson::Document(spec)) => {
                    let spec = crate::sort::SortSpec::parse(spec)?
                        .with_collation(ctx.vars.collation_handle());
                    let collation = ctx.vars.collation();
                    items.sort_by(|a, b| match (a, b) {
                        (Bson::Document(x), Bson::Document(y)) => spec.compare(x, y),
                        _ => compare_with(a, b, collation),
                    });
                }
                Some(dir) => {
                    let desc = crate::number::to_f64(dir) == Some(-1.0);
                    let collation = ctx.vars.collation();
                    items.sort_by(|a, b| {
                        if desc {
                            compare_with(b, a, collation)
                        } else {
                            compare_with(a, b, collation)
                        }
                    });
                }
                None => {
                    return Err(QueryError::location(
                        2942505,
                        "$sortArray requires 'sortBy'",
                    ));
                }
            }
            Some(Bson::Array(items))
        }
        _ => return Ok(None),
    };
    Ok(Some(r))
}

fn bound_name(d: &Document) -> Result<String> {
    match d.get("as") {
        None => Ok("this".to_string()),
        Some(Bson::String(s)) => {
            validate_variable_name(s)?;
            Ok(s.clone())
        }
        Some(_) => Err(QueryError::location(
            16866,
            "'as' must be a string naming a variable",
        )),
    }
}

fn zip(arg: &Bson, ctx: &Ctx) -> Result<Option<Bson>> {
    let d = named("$zip", arg, &["inputs", "useLongestLength", "defaults"])?;
    let inputs = match eval_named(d, "inputs", ctx)? {
        Some(Bson::Array(items)) => items,
        _ => {
            return Err(QueryError::location(
                34460,
                "$zip requires 'inputs' to be an array of arrays",
            ));
        }
    };
    let mut arrays = Vec::new();
    for i in inputs {
        match i {
            Bson::Null | Bson::Undefined => return Ok(Some(Bson::Null)),
            Bson::Array(a) => arrays.push(a),
            _ => {
                return Err(QueryError::location(
                    34468,
                    "$zip found a non-array expression in input",
                ));
            }
        }
    }
    let longest = eval_named(d, "useLongestLength", ctx)?
        .as_ref()
        .is_some_and(is_truthy);
    let defaults = match eval_named(d, "defaults", ctx)? {
        Some(Bson::Array(items)) => items,
        _ => Vec::new(),
    };
    let len = if longest {
        arrays.iter().map(Vec::len).max()
    } else {
        arrays.iter().map(Vec::len).min()
    }
    .unwrap_or(0);
    let out = (0..len)
        .map(|i| {
            Bson::Array(
                arrays
                    .iter()
                    .enumerate()
                    .map(|(j, a)| {
                        a.get(i)
                            .cloned()
                            .or_else(|| defaults.get(j).cloned())
                            .unwrap_or(Bson::Null)
                    })
                    .collect(),
            )
        })
        .collect();
    Ok(Some(Bson::Array(out)))
}

fn dedup(items: Vec<Bson>, collation: Option<&crate::collation::Collation>) -> Vec<Bson> {
    let mut out: Vec<Bson> = Vec::new();
    for item in items {
        if !out.iter().any(|x| equal_with(x, &item, collation)) {
            out.push(item);
        }
    }
    out
}

fn set_op(name: &str, arg: &Bson, ctx: &Ctx) -> Result<Option<Bson>> {
    let args = eval_list(arg, ctx)?;
    if args.iter().any(is_nullish)
        && matches!(name, "$setUnion" | "$setIntersection" | "$setDifference")
    {
        return Ok(Some(Bson::Null));
    }
    let mut sets = Vec::new();
    for a in &args {
        sets.push(want_array(name, 17044, a.as_ref().unwrap_or(&Bson::Null))?);
    }
    let collation = ctx.vars.collation();
    let contains = |set: &[Bson], v: &Bson| set.iter().any(|x| equal_with(x, v, collation));
    Ok(Some(match name {
        "$setUnion" => Bson::Array(dedup(sets.into_iter().flatten().collect(), collation)),
        "$setIntersection" => {
            let mut iter = sets.into_iter();
            let first = dedup(iter.next().unwrap_or_default(), collation);
            let rest: Vec<Vec<Bson>> = iter.collect();
            Bson::Array(
                first
                    .into_iter()
                    .filter(|v| rest.iter().all(|s| contains(s, v)))
                    .collect(),
            )
        }
        "$setDifference" => {
            if sets.len() != 2 {
                return Err(super::args::arity(name, "2", sets.len()));
            }
            Bson::Array(
                dedup(sets[0].clone(), collation)
                    .into_iter()
                    .filter(|v| !contains(&sets[1], v))
                    .collect(),
            )
        }
        "$setEquals" => {
            if sets.len() < 2 {
                return Err(QueryError::location(
                    17045,
                    "$setEquals needs at least two arguments",
                ));
            }
            let first = &sets[0];
            Bson::Boolean(sets.iter().all(|s| {
                s.iter().all(|v| contains(first, v)) && first.iter().all(|v| contains(s, v))
            }))
        }
        _ => {
            if sets.len() != 2 {
                return Err(super::args::arity(name, "2", sets.len()));
            }
            Bson::Boolean(sets[0].iter().all(|v| contains(&sets[1], v)))
        }
    }))
}
