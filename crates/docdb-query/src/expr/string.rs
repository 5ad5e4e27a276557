//! String operators: concatenation, case, substrings (bytes and code points), splitting,
//! trimming, searching, regular expressions and replacement.
//!
//! Null or missing input generally yields null (`$toLower`/`$toUpper` yield ""), and a
//! non-string input is an error with MongoDB's code, as the server does.

use super::Ctx;
use super::args::{eval_exact, eval_list, eval_named, eval_range, is_nullish, named};
use crate::error::{QueryError, Result};
use crate::expr::convert::to_string_value;
use bson::{Bson, Document};

fn want_string(op: &str, code: i32, v: &Bson) -> Result<String> {
    match v {
        Bson::String(s) | Bson::Symbol(s) => Ok(s.clone()),
        _ => Err(QueryError::location(
            code,
            format!(
                "{op} requires a string argument, found: {}",
                crate::value::type_alias(v)
            ),
        )),
    }
}

fn want_int(op: &str, v: &Option<Bson>) -> Result<i64> {
    match v.as_ref().and_then(crate::number::integral_i64) {
        Some(i) => Ok(i),
        None => Err(QueryError::location(
            40096,
            format!(
                "{op} requires an integral argument, found a value of type: {}",
                v.as_ref().map_or("missing", crate::value::type_alias)
            ),
        )),
    }
}

pub(super) fn dispatch(name: &str, arg: &Bson, ctx: &Ctx) -> Result<Option<Option<Bson>>> {
    let r = match name {
        "$concat" => {
            let mut out = String::new();
            for v in eval_list(arg, ctx)? {
                match v {
                    None | Some(Bson::Null) | Some(Bson::Undefined) => {
                        return Ok(Some(Some(Bson::Null)));
                    }
                    Some(v) => out.push_str(&want_string("$concat", 16702, &v)?),
                }
            }
            Some(Bson::String(out))
        }
        "$toLower" | "$toUpper" => {
            let v = eval_exact(name, arg, 1, ctx)?.pop().flatten();
            let s = match v {
                None | Some(Bson::Null) | Some(Bson::Undefined) => String::new(),
                Some(v) => to_string_value(&v).ok_or_else(|| {
                    QueryError::location(
                        16007,
                        format!(
                            "{name} can't convert from BSON type {}",
                            crate::value::type_alias(&v)
                        ),
                    )
                })?,
            };
            Some(Bson::String(if name == "$toLower" {
                s.to_lowercase()
            } else {
                s.to_uppercase()
            }))
        }
        "$substr" | "$substrBytes" | "$substrCP" => {
            let args = eval_exact(name, arg, 3, ctx)?;
            let s = match &args[0] {
                None | Some(Bson::Null) | Some(Bson::Undefined) => String::new(),
                Some(v) => to_string_value(v).ok_or_else(|| {
                    QueryError::location(
                        16007,
                        format!(
                            "{name} can't convert from BSON type {}",
                            crate::value::type_alias(v)
                        ),
                    )
                })?,
            };
            let start = want_int(name, &args[1])?;
            let len = want_int(name, &args[2])?;
            Some(Bson::String(if name == "$substrCP" {
                if start < 0 {
                    return Err(QueryError::location(
                        34455,
                        "$substrCP: starting index must be non-negative",
                    ));
                }
                let take = if len < 0 { usize::MAX } else { len as usize };
                s.chars().skip(start as usize).take(take).collect()
            } else {
                substr_bytes(name, &s, start, len)?
            }))
        }
        "$strLenCP" | "$strLenBytes" => {
            let v = eval_exact(name, arg, 1, ctx)?
                .pop()
                .flatten()
                .unwrap_or(Bson::Null);
            let s = want_string(name, 34471, &v)?;
            Some(Bson::Int32(if name == "$strLenCP" {
                s.chars().count()
            } else {
                s.len()
            } as i32))
        }
        "$split" => {
            let args = eval_exact(name, arg, 2, ctx)?;
            if is_nullish(&args[0]) {
                return Ok(Some(Some(Bson::Null)));
            }
            let s = want_string(name, 40085, args[0].as_ref().unwrap_or(&Bson::Null))?;
            let d = want_string(name, 40086, args[1].as_ref().unwrap_or(&Bson::Null))?;
            if d.is_empty() {
                return Err(QueryError::location(
                    40087,
                    "$split requires a non-empty separator",
                ));
            }
            Some(Bson::Array(
                s.split(d.as_str())
                    .map(|p| Bson::String(p.to_string()))
                    .collect(),
            ))
        }
        "$trim" | "$ltrim" | "$rtrim" => {
            let d = named(name, arg, &["input", "chars"])?;
            let input = eval_named(d, "input", ctx)?;
            if is_nullish(&input) {
                return Ok(Some(Some(Bson::Null)));
            }
            let s = want_string(name, 50699, input.as_ref().unwrap_or(&Bson::Null))?;
            let chars: Option<Vec<char>> = match eval_named(d, "chars", ctx)? {
                None => None,
                Some(Bson::Null) => return Ok(Some(Some(Bson::Null))),
                Some(c) => Some(want_string(name, 50700, &c)?.chars().collect()),
            };
            let is_trim = |c: char| match &chars {
                Some(set) => set.contains(&c),
                None => c.is_whitespace() || c == '\0',
            };
            Some(Bson::String(match name {
                "$trim" => s.trim_matches(is_trim).to_string(),
                "$ltrim" => s.trim_start_matches(is_trim).to_string(),
                _ => s.trim_end_matches(is_trim).to_string(),
            }))
        }
        "$indexOfCP" | "$indexOfBytes" => {
            let args = eval_range(name, arg, 2, 4, ctx)?;
            if is_nullish(&args[0]) {
                return Ok(Some(Some(Bson::Null)));
            }
            let s = want_string(name, 40091, args[0].as_ref().unwrap_or(&Bson::Null))?;
            let sub = want_string(name, 40092, args[1].as_ref().unwrap_or(&Bson::Null))?;
            let units: Vec<String> = if name == "$indexOfCP" {
                s.chars().map(String::from).collect()
            } else {
                s.bytes().map(|b| (b as char).to_string()).collect()
            };
            let needle: Vec<String> = if name == "$indexOfCP" {
                sub.chars().map(String::from).collect()
            } else {
                sub.bytes().map(|b| (b as char).to_string()).collect()
            };
            let start = match args.get(2) {
                Some(v) => want_int(name, v)?.max(0) as usize,
                None => 0,
            };
            let end = match args.get(3) {
                Some(v) => (want_int(name, v)?.max(0) as usize).min(units.len()),
                None => units.len(),
            };
            let mut found = -1i32;
            let mut i = start;
            while i + needle.len() <= end {
                if units[i..i + needle.len()] == needle[..] {
                    found = i as i32;
                    break;
                }
                i += 1;
            }
            Some(Bson::Int32(found))
        }
        "$strcasecmp" => {
            let args = eval_exact(name, arg, 2, ctx)?;
            let text = |v: &Option<Bson>| -> String {
                v.as_ref()
                    .and_then(to_string_value)
                    .unwrap_or_default()
                    .to_lowercase()
            };
            Some(Bson::Int32(match text(&args[0]).cmp(&text(&args[1])) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            }))
        }
        "$regexMatch" | "$regexFind" | "$regexFindAll" => regex_op(name, arg, ctx)?,
        "$replaceOne" | "$replaceAll" => {
            let d = named(name, arg, &["input", "find", "replacement"])?;
            let input = eval_named(d, "input", ctx)?;
            let find = eval_named(d, "find", ctx)?;
            let repl = eval_named(d, "replacement", ctx)?;
            if is_nullish(&input) || is_nullish(&find) || is_nullish(&repl) {
                return Ok(Some(Some(Bson::Null)));
            }
            let s = want_string(name, 51746, input.as_ref().unwrap_or(&Bson::Null))?;
            let f = want_string(name, 51745, find.as_ref().unwrap_or(&Bson::Null))?;
            let r = want_string(name, 51744, repl.as_ref().unwrap_or(&Bson::Null))?;
            Some(Bson::String(if name == "$replaceOne" {
                s.replacen(&f, &r, 1)
            } else {
                s.replace(&f, &r)
            }))
        }
        _ => return Ok(None),
    };
    Ok(Some(r))
}

fn substr_bytes(name: &str, s: &str, start: i64, len: i64) -> Result<String> {
    let bytes = s.as_bytes();
    if start < 0 || start as usize >= bytes.len() {
        return Ok(String::new());
    }
    let start = start as usize;
    let end = if len < 0 {
        bytes.len()
    } else {
        (start + len as usize).min(bytes.len())
    };
    if !s.is_char_boundary(start) || !s.is_char_boundary(end) {
        return Err(QueryError::location(
            28656,
            format!(
                "{name}: Invalid range, the range would split a UTF-8 character; use $substrCP"
            ),
        ));
    }
    Ok(s[start..end].to_string())
}

fn regex_op(name: &str, arg: &Bson, ctx: &Ctx) -> Result<Option<Bson>> {
    let d = named(name, arg, &["input", "regex", "options"])?;
    let input = eval_named(d, "input", ctx)?;
    let regex = eval_named(d, "regex", ctx)?;
    let options = eval_named(d, "options", ctx)?;
    let none = match name {
        "$regexMatch" => Bson::Boolean(false),
        "$regexFind" => Bson::Null,
        _ => Bson::Array(Vec::new()),
    };
    if is_nullish(&input) || is_nullish(&regex) {
        return Ok(Some(none));
    }
    let s = match input.as_ref() {
        Some(Bson::String(s)) => s.clone(),
        Some(other) => {
            return Err(QueryError::location(
                51104,
                format!(
                    "{name} needs 'input' to be of type string, found {}",
                    crate::value::type_alias(other)
                ),
            ));
        }
        None => return Ok(Some(none)),
    };
    let extra = match options {
        None | Some(Bson::Null) => String::new(),
        Some(Bson::String(o)) => o,
        Some(_) => {
            return Err(QueryError::location(
                51106,
                format!("{name} needs 'options' to be a string"),
            ));
        }
    };
    let (pattern, flags) = match regex {
        Some(Bson::String(p)) => (p, extra),
        Some(Bson::RegularExpression(r)) => (
            r.pattern.as_str().to_string(),
            format!("{}{}", r.options.as_str(), extra),
        ),
        _ => {
            return Err(QueryError::location(
                51105,
                format!("{name} needs 'regex' to be a string or a regex"),
            ));
        }
    };
    let re = crate::matcher::regex::compile(&pattern, &flags)?;
    Ok(Some(match name {
        "$regexMatch" => Bson::Boolean(re.try_is_match(&s)?),
        "$regexFind" => re
            .find_at(&s, 0)?
            .map_or(Bson::Null, |found| capture_doc(&s, &found)),
        _ => Bson::Array(
            re.find_all(&s)?
                .iter()
                .map(|found| capture_doc(&s, found))
                .collect(),
        ),
    }))
}

/// `{match, idx, captures}` with `idx` in code points, as mongod counts it.
fn capture_doc(s: &str, found: &crate::matcher::regex::Found) -> Bson {
    let idx = s[..found.start].chars().count();
    let mut d = Document::new();
    d.insert("match", s[found.start..found.end].to_string());
    d.insert("idx", idx as i32);
    let groups: Vec<Bson> = found
        .groups
        .iter()
        .map(|g| g.map_or(Bson::Null, |(a, b)| Bson::String(s[a..b].to_string())))
        .collect();
    d.insert("captures", groups);
    Bson::Document(d)
}
