//! Stages that reshape documents one at a time: `$addFields`/`$set`, `$unwind`,
//! `$replaceRoot`/`$replaceWith` and `$redact`.

use crate::error::{QueryError, Result};
use crate::expr::{Variables, evaluate_optional};
use crate::path::set_path;
use bson::{Bson, Document};

/// Flattens an `$addFields` spec: nested plain objects are merged into embedded documents, so
/// `{a: {b: 1}}` adds `a.b` rather than replacing `a`.
pub fn flatten_add_fields(
    spec: &Document,
    prefix: &str,
    out: &mut Vec<(String, Bson)>,
) -> Result<()> {
    for (k, v) in spec {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        if k.starts_with('$') {
            return Err(QueryError::location(
                16410,
                format!("FieldPath field names may not start with '$': '{path}'"),
            ));
        }
        if k.is_empty() || path.split('.').any(str::is_empty) {
            return Err(QueryError::location(
                40352,
                format!("FieldPath cannot be constructed with empty string: '{path}'"),
            ));
        }
        match v {
            Bson::Document(d)
                if !d.is_empty() && !d.keys().next().is_some_and(|f| f.starts_with('$')) =>
            {
                flatten_add_fields(d, &path, out)?;
            }
            _ => out.push((path, v.clone())),
        }
    }
    Ok(())
}

/// Applies `$addFields`: every expression sees the input document; a missing result
/// (`$$REMOVE`) removes the field.
pub fn add_fields(doc: Document, fields: &[(String, Bson)], vars: &Variables) -> Result<Document> {
    let mut values = Vec::with_capacity(fields.len());
    for (_, e) in fields {
        values.push(evaluate_optional(e, &doc, vars)?);
    }
    let mut out = doc;
    for ((path, _), v) in fields.iter().zip(values) {
        let parts: Vec<&str> = path.split('.').collect();
        set_through_arrays(&mut out, &parts, v);
    }
    Ok(out)
}

/// Sets a dotted path the way `$addFields` does: through arrays element by element, replacing
/// non-document values on the way by new documents.
fn set_through_arrays(doc: &mut Document, parts: &[&str], value: Option<Bson>) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    if rest.is_empty() {
        match value {
            Some(v) => {
                doc.insert(*first, v);
            }
            None => {
                doc.remove(*first);
            }
        }
        return;
    }
    match doc.get_mut(*first) {
        Some(Bson::Document(child)) => set_through_arrays(child, rest, value),
        Some(Bson::Array(items)) => {
            for item in items.iter_mut() {
                if !matches!(item, Bson::Document(_)) {
                    *item = Bson::Document(Document::new());
                }
                if let Bson::Document(child) = item {
                    set_through_arrays(child, rest, value.clone());
                }
            }
        }
        _ => {
            // Parents are created even when the value is missing, as MongoDB does.
            let mut child = Document::new();
            set_through_arrays(&mut child, rest, value);
            doc.insert(*first, child);
        }
    }
}

/// A parsed `$unwind`.
#[derive(Debug, Clone)]
pub struct Unwind {
    pub path: String,
    pub include_index: Option<String>,
    pub preserve: bool,
}

impl Unwind {
    /// Parses `"$path"` or `{path, includeArrayIndex, preserveNullAndEmptyArrays}`.
    pub fn parse(spec: &Bson) -> Result<Unwind> {
        let (path, include_index, preserve) = match spec {
            Bson::String(p) => (p.clone(), None, false),
            Bson::Document(d) => {
                for k in d.keys() {
                    if !matches!(
                        k.as_str(),
                        "path" | "includeArrayIndex" | "preserveNullAndEmptyArrays"
                    ) {
                        return Err(QueryError::location(
                            28811,
                            format!("unrecognized option to $unwind: {k}"),
                        ));
                    }
                }
                let path = match d.get("path") {
                    Some(Bson::String(p)) => p.clone(),
                    Some(_) => {
                        return Err(QueryError::location(
                            28808,
                            "expected a string as the path for $unwind stage",
                        ));
                    }
                    None => {
                        return Err(QueryError::location(
                            28812,
                            "no path specified to $unwind stage",
                        ));
                    }
                };
                let include_index = match d.get("includeArrayIndex") {
                    None => None,
                    Some(Bson::String(s)) if !s.is_empty() && !s.starts_with('$') => {
                        Some(s.clone())
                    }
                    Some(_) => {
                        return Err(QueryError::location(
                            28810,
                            "includeArrayIndex must be a non-empty string that does not start with '$'",
                        ));
                    }
                };
                let preserve = match d.get("preserveNullAndEmptyArrays") {
                    None => false,
                    Some(Bson::Boolean(b)) => *b,
                    Some(_) => {
                        return Err(QueryError::location(
                            28809,
                            "expected a boolean for the preserveNullAndEmptyArrays option to $unwind stage",
                        ));
                    }
                };
                (path, include_index, preserve)
            }
            _ => {
                return Err(QueryError::location(
                    15981,
                    "expected either a string or an object as specification for $unwind stage",
                ));
            }
        };
        let Some(stripped) = path.strip_prefix('$') else {
            return Err(QueryError::location(
                28818,
                format!("path option to $unwind stage should be prefixed with a '$': {path}"),
            ));
        };
        if stripped.is_empty()
            || stripped.split('.').any(str::is_empty)
            || stripped.starts_with('$')
        {
            return Err(QueryError::location(
                28818,
                format!("invalid $unwind path: {path}"),
            ));
        }
        Ok(Unwind {
            path: stripped.to_string(),
            include_index,
            preserve,
        })
    }

    /// Unwinds one document.
    pub fn apply(&self, doc: Document, out: &mut Vec<Document>) -> Result<()> {
        let value = crate::path::get_path_no_index(&doc, &self.path).cloned();
        match value {
            Some(Bson::Array(items)) if !items.is_empty() => {
                // The array leaves the document before the copies are made: copying it once per
                // element made unwinding an n-element array cost n² (300,000 elements: minutes).
                let mut doc = doc;
                crate::path::set_path_overwrite(&mut doc, &self.path, Bson::Null);
                for (i, item) in items.into_iter().enumerate() {
                    let mut d = doc.clone();
                    set_path(&mut d, &self.path, item)?;
                    if let Some(name) = &self.include_index {
                        crate::path::set_path_overwrite(&mut d, name, Bson::Int64(i as i64));
                    }
                    out.push(d);
                }
            }
            Some(Bson::Array(_)) | Some(Bson::Null) | None => {
                if self.preserve {
                    let mut d = doc;
                    if let Some(name) = &self.include_index {
                        crate::path::set_path_overwrite(&mut d, name, Bson::Null);
                    }
                    if matches!(value, Some(Bson::Array(_))) {
                        crate::path::remove_path(&mut d, &self.path);
                    }
                    out.push(d);
                }
            }
            Some(_) => {
                let mut d = doc;
                if let Some(name) = &self.include_index {
                    set_path(&mut d, name, Bson::Null)?;
                }
                out.push(d);
            }
        }
        Ok(())
    }
}

/// `$replaceRoot`/`$replaceWith`: the new root must be a document.
pub fn replace_root(doc: &Document, expr: &Bson, vars: &Variables) -> Result<Document> {
    match evaluate_optional(expr, doc, vars)? {
        Some(Bson::Document(d)) => Ok(d),
        other => Err(QueryError::location(
            40228,
            format!(
                "'newRoot' expression must evaluate to an object, but resulting value was: {}. Type of resulting value: '{}'. Input document: {}",
                other
                    .as_ref()
                    .map_or("MISSING".to_string(), crate::fmt::short),
                other.as_ref().map_or("missing", crate::value::type_alias),
                crate::fmt::short(&Bson::Document(doc.clone()))
            ),
        )),
    }
}

/// `$redact`: evaluates the expression at each document level with `$$CURRENT` bound to it.
pub fn redact(doc: &Document, expr: &Bson, vars: &Variables) -> Result<Option<Document>> {
    let mut scope = vars.clone();
    scope.set("DESCEND", Bson::String("descend".into()));
    scope.set("PRUNE", Bson::String("prune".into()));
    scope.set("KEEP", Bson::String("keep".into()));
    redact_level(doc, doc, expr, &mut scope)
}

fn redact_level(
    root: &Document,
    current: &Document,
    expr: &Bson,
    scope: &mut Variables,
) -> Result<Option<Document>> {
    scope.set("CURRENT", Bson::Document(current.clone()));
    let decision = evaluate_optional(expr, root, scope)?;
    match decision {
        Some(Bson::String(s)) if s == "keep" => Ok(Some(current.clone())),
        Some(Bson::String(s)) if s == "prune" => Ok(None),
        Some(Bson::String(s)) if s == "descend" => {
            let mut out = Document::new();
            for (k, v) in current {
                match v {
                    Bson::Document(d) => {
                        if let Some(kept) = redact_level(root, d, expr, scope)? {
                            out.insert(k, kept);
                        }
                    }
                    Bson::Array(items) => {
                        let mut kept_items = Vec::new();
                        for item in items {
                            match item {
                                Bson::Document(d) => {
                                    if let Some(kept) = redact_level(root, d, expr, scope)? {
                                        kept_items.push(Bson::Document(kept));
                                    }
                                }
                                other => kept_items.push(other.clone()),
                            }
                        }
                        out.insert(k, kept_items);
                    }
                    other => {
                        out.insert(k, other.clone());
                    }
                }
            }
            Ok(Some(out))
        }
        other => Err(QueryError::location(
            17053,
            format!(
                "$redact's expression should not return anything aside from the variables $$KEEP, $$DESCEND, and $$PRUNE, but returned {}",
                other
                    .as_ref()
                    .map_or("MISSING".to_string(), crate::fmt::short)
            ),
        )),
    }
}
