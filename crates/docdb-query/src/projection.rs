//! Find-style projections: inclusion, exclusion, `_id` rules, dotted paths, positional `$`,
//! `$slice`, `$elemMatch`, `$meta: "textScore"` and (as MongoDB 4.4+ allows) computed fields.
//!
//! The specification is parsed once into a tree keyed by path component, so `{"a.b": 1, "a.c":
//! 1}` and `{a: {b: 1, c: 1}}` are the same projection, conflicting paths are caught at parse
//! time (MongoDB's 31249/31250), and applying it is one walk of the document in which arrays
//! met along a path are projected element by element.

use crate::error::{QueryError, Result};
use crate::expr::{self, Variables};
use crate::matcher::Filter;
use bson::{Bson, Document};

/// What happens to one field.
#[derive(Debug, Clone)]
enum Action {
    Include,
    Exclude,
    Computed(Bson),
    Slice(i64, Option<i64>),
    ElemMatch(Box<Filter>),
    Positional,
    TextScore,
    Nested(Tree),
}

/// Ordered children of one level of the projection.
#[derive(Debug, Clone, Default)]
struct Tree {
    fields: Vec<(String, Action)>,
}

impl Tree {
    fn get(&self, name: &str) -> Option<&Action> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, a)| a)
    }

    fn insert(&mut self, parts: &[&str], action: Action, full: &str) -> Result<()> {
        let Some((first, rest)) = parts.split_first() else {
            return Ok(());
        };
        let existing = self.fields.iter_mut().find(|(k, _)| k == first);
        match (existing, rest.is_empty()) {
            (None, true) => self.fields.push((first.to_string(), action)),
            (None, false) => {
                let mut sub = Tree::default();
                sub.insert(rest, action, full)?;
                self.fields.push((first.to_string(), Action::Nested(sub)));
            }
            (Some((_, Action::Nested(sub))), false) => sub.insert(rest, action, full)?,
            (Some(_), _) => {
                return Err(QueryError::location(
                    31250,
                    format!(
                        "Path collision at {full}: a projection cannot name both a field and a field inside it"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A parsed projection.
#[derive(Debug, Clone, Default)]
pub struct Projection {
    tree: Tree,
    inclusion: bool,
    include_id: bool,
    empty: bool,
}

impl Projection {
    /// Parses a find projection document.
    pub fn parse(spec: &Document) -> Result<Projection> {
        Self::parse_mode(spec, false)
    }

    /// Parses a `$project` stage: every `$`-operator value is an expression (`{$slice: [...]}`
    /// is the array operator, not the find-only `$slice` projection), and it may not be empty.
    pub fn parse_aggregation(spec: &Document) -> Result<Projection> {
        if spec.is_empty() {
            return Err(QueryError::location(
                51272,
                "$project requires at least one output field",
            ));
        }
        Self::parse_mode(spec, true)
    }

    fn parse_mode(spec: &Document, aggregation: bool) -> Result<Projection> {
        let mut tree = Tree::default();
        let mut mode: Option<(bool, String)> = None;
        let mut id_action: Option<bool> = None;
        parse_level(spec, "", &mut tree, &mut mode, &mut id_action, aggregation)?;
        // `{_id: 1}` alone is an inclusion projection; `{_id: 0}` alone an exclusion.
        let inclusion = match &mode {
            Some((inc, _)) => *inc,
            None => id_action == Some(true) || matches!(tree.get("_id"), Some(Action::Nested(_))),
        };
        // `_id` defaults to included, unless sub-fields of `_id` are projected instead.
        let include_id = id_action.unwrap_or(!matches!(tree.get("_id"), Some(Action::Nested(_))));
        Ok(Projection {
            tree,
            inclusion,
            include_id,
            empty: spec.is_empty(),
        })
    }

    /// True when the projection keeps every field unchanged.
    pub fn is_empty(&self) -> bool {
        self.empty
    }

    /// True for inclusion projections (only named fields are kept).
    pub fn is_inclusion(&self) -> bool {
        self.inclusion
    }

    /// Applies the projection. `positional` is the array index the filter matched (for `a.$`),
    /// `text_score` the document's text score (for `$meta: "textScore"`).
    pub fn apply(
        &self,
        doc: &Document,
        positional: Option<usize>,
        text_score: Option<f64>,
    ) -> Result<Document> {
        self.apply_with(doc, positional, text_score, &Variables::new())
    }

    /// `apply` with variables for computed fields (`$$NOW`, `let` variables in pipelines).
    pub fn apply_with(
        &self,
        doc: &Document,
        positional: Option<usize>,
        text_score: Option<f64>,
        vars: &Variables,
    ) -> Result<Document> {
        if self.empty {
            return Ok(doc.clone());
        }
        let ctx = ApplyContext {
            root: doc,
            positional,
            text_score,
            vars,
        };
        let mut out = if self.inclusion {
            include_doc(doc, &self.tree, &ctx)?
        } else {
            exclude_doc(doc, &self.tree, &ctx)?
        };
        if self.inclusion
            && self.include_id
            && !out.contains_key("_id")
            && let Some(id) = doc.get("_id")
        {
            let mut with_id = Document::new();
            with_id.insert("_id", id.clone());
            with_id.extend(out);
            out = with_id;
        }
        if !self.include_id && !matches!(self.tree.get("_id"), Some(Action::Nested(_))) {
            out.remove("_id");
        }
        Ok(out)
    }
}

struct ApplyContext<'a> {
    root: &'a Document,
    positional: Option<usize>,
    text_score: Option<f64>,
    vars: &'a Variables,
}

impl ApplyContext<'_> {
    /// The caller's score, or the one a pipeline's `$text` stage stored in the document.
    fn score(&self) -> Option<f64> {
        self.text_score.or_else(|| {
            self.root
                .get(crate::aggregate::TEXT_SCORE_FIELD)
                .and_then(crate::number::to_f64)
        })
    }
}

fn set_mode(mode: &mut Option<(bool, String)>, inclusion: bool, path: &str) -> Result<()> {
    match mode {
        Some((current, _)) if *current != inclusion => Err(if inclusion {
            QueryError::location(
                31253,
                format!("Cannot do inclusion on field {path} in exclusion projection"),
            )
        } else {
            QueryError::location(
                31254,
                format!("Cannot do exclusion on field {path} in inclusion projection"),
            )
        }),
        Some(_) => Ok(()),
        None => {
            *mode = Some((inclusion, path.to_string()));
            Ok(())
        }
    }
}

fn parse_level(
    spec: &Document,
    prefix: &str,
    tree: &mut Tree,
    mode: &mut Option<(bool, String)>,
    id_action: &mut Option<bool>,
    aggregation: bool,
) -> Result<()> {
    for (key, value) in spec {
        let path = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        if key.is_empty() || path.split('.').any(|p| p.is_empty()) {
            return Err(QueryError::bad_value(format!(
                "projection: empty field name in '{path}'"
            )));
        }
        if key.starts_with('$') && prefix.is_empty() && !path.contains(".$") {
            return Err(QueryError::location(
                16410,
                format!("FieldPath field names may not start with '$': {key}"),
            ));
        }
        if let (false, Some(base)) = (aggregation, path.strip_suffix(".$")) {
            set_mode(mode, true, &path)?;
            let parts: Vec<&str> = base.split('.').collect();
            tree.insert(&parts, Action::Positional, &path)?;
            continue;
        }
        let action = match value {
            Bson::Document(d) if d.is_empty() => {
                return Err(QueryError::location(
                    51270,
                    format!(
                        "An empty sub-projection is not a valid value. Found empty object at path {path}"
                    ),
                ));
            }
            Bson::Document(d) => match d.keys().next().map(String::as_str) {
                Some("$slice") if !aggregation => parse_slice(d, &path)?,
                Some("$elemMatch") if !aggregation => {
                    if path.contains('.') {
                        return Err(QueryError::bad_value(format!(
                            "Cannot use $elemMatch projection on a nested field: {path}"
                        )));
                    }
                    set_mode(mode, true, &path)?;
                    let Some(Bson::Document(f)) = d.get("$elemMatch") else {
                        return Err(QueryError::bad_value(
                            "elemMatch: Invalid argument, object required.",
                        ));
                    };
                    Action::ElemMatch(Box::new(Filter::parse_without_javascript(f)?))
                }
                Some("$meta") => match d.get("$meta") {
                    Some(Bson::String(m)) if m == "textScore" || m == "searchScore" => {
                        Action::TextScore
                    }
                    _ => {
                        return Err(QueryError::bad_value(format!(
                            "unsupported $meta projection at {path}: only \"textScore\" is available"
                        )));
                    }
                },
                Some(k) if k.starts_with('$') => {
                    set_mode(mode, true, &path)?;
                    Action::Computed(value.clone())
                }
                _ => {
                    parse_level(d, &path, tree, mode, id_action, aggregation)?;
                    continue;
                }
            },
            Bson::Boolean(_)
            | Bson::Int32(_)
            | Bson::Int64(_)
            | Bson::Double(_)
            | Bson::Decimal128(_) => {
                let include = crate::value::is_truthy(value);
                if path == "_id" {
                    *id_action = Some(include);
                    if include {
                        continue;
                    }
                    Action::Exclude
                } else {
                    set_mode(mode, include, &path)?;
                    if include {
                        Action::Include
                    } else {
                        Action::Exclude
                    }
                }
            }
            _ => {
                set_mode(mode, true, &path)?;
                Action::Computed(value.clone())
            }
        };
        if path == "_id" && !matches!(action, Action::Exclude | Action::Include) {
            *id_action = Some(true);
        }
        let parts: Vec<&str> = path.split('.').collect();
        tree.insert(&parts, action, &path)?;
    }
    Ok(())
}

fn parse_slice(d: &Document, path: &str) -> Result<Action> {
    let arg = d.get("$slice").unwrap_or(&Bson::Null);
    let int = |v: &Bson| -> Option<i64> {
        crate::number::to_f64(v)
            .filter(|x| x.is_finite())
            .map(|x| x as i64)
    };
    match arg {
        Bson::Array(items) if items.len() == 2 => match (int(&items[0]), int(&items[1])) {
            (Some(skip), Some(limit)) if limit > 0 => Ok(Action::Slice(skip, Some(limit))),
            (Some(_), Some(_)) => Err(QueryError::location(
                28724,
                format!("$slice limit must be positive (at {path})"),
            )),
            _ => Err(QueryError::location(
                28724,
                format!("$slice takes numbers [skip, limit] (at {path})"),
            )),
        },
        _ => match int(arg) {
            Some(n) => Ok(Action::Slice(n, None)),
            None => Err(QueryError::location(
                28667,
                format!("$slice only supports numbers and [skip, limit] arrays (at {path})"),
            )),
        },
    }
}

/// `$slice: n` keeps the first n (last -n); `[skip, limit]` skips (from the end when negative).
pub fn slice_array(items: &[Bson], first: i64, limit: Option<i64>) -> Vec<Bson> {
    let len = items.len() as i64;
    let (start, count) = match limit {
        None if first >= 0 => (0, first),
        None => (len.saturating_add(first).max(0), len),
        Some(l) => {
            let start = if first >= 0 {
                first.min(len)
            } else {
                len.saturating_add(first).max(0)
            };
            (start, l)
        }
    };
    items
        .iter()
        .skip(start as usize)
        .take(count.max(0) as usize)
        .cloned()
        .collect()
}

fn include_doc(doc: &Document, tree: &Tree, ctx: &ApplyContext) -> Result<Document> {
    let mut out = Document::new();
    for (k, v) in doc {
        let Some(action) = tree.get(k) else {
            continue;
        };
        match action {
            Action::Include => {
                out.insert(k, v.clone());
            }
            Action::Nested(sub) => match v {
                Bson::Document(d) => {
                    out.insert(k, include_doc(d, sub, ctx)?);
                }
                Bson::Array(items) => {
                    out.insert(k, include_array(items, sub, ctx)?);
                }
                _ => {}
            },
            Action::Slice(first, limit) => {
                out.insert(k, slice_value(v, *first, *limit));
            }
            Action::ElemMatch(filter) => {
                if let Bson::Array(items) = v
                    && let Some(item) = items.iter().find(|item| elem_matches(filter, item))
                {
                    out.insert(k, Bson::Array(vec![item.clone()]));
                }
            }
            Action::Positional => {
                out.insert(k, positional_value(v, ctx, k)?);
            }
            Action::Exclude | Action::Computed(_) | Action::TextScore => {}
        }
    }
    add_computed(&mut out, tree, ctx)?;
    Ok(out)
}

fn include_array(items: &[Bson], tree: &Tree, ctx: &ApplyContext) -> Result<Bson> {
    let mut out = Vec::new();
    for item in items {
        match item {
            Bson::Document(d) => out.push(Bson::Document(include_doc(d, tree, ctx)?)),
            Bson::Array(inner) => out.push(include_array(inner, tree, ctx)?),
            _ => {}
        }
    }
    Ok(Bson::Array(out))
}

/// Adds computed fields and text scores at this level (creating documents for nested ones).
fn add_computed(out: &mut Document, tree: &Tree, ctx: &ApplyContext) -> Result<()> {
    for (k, action) in &tree.fields {
        match action {
            Action::Computed(e) => {
                if let Some(v) = expr::evaluate_optional(e, ctx.root, ctx.vars)? {
                    out.insert(k, v);
                }
            }
            Action::TextScore => {
                if let Some(score) = ctx.score() {
                    out.insert(k, Bson::Double(score));
                }
            }
            Action::Nested(sub) if !out.contains_key(k) && has_computed(sub) => {
                let mut child = Document::new();
                add_computed(&mut child, sub, ctx)?;
                out.insert(k, child);
            }
            _ => {}
        }
    }
    Ok(())
}

fn has_computed(tree: &Tree) -> bool {
    tree.fields.iter().any(|(_, a)| match a {
        Action::Computed(_) => true,
        Action::Nested(sub) => has_computed(sub),
        _ => false,
    })
}

fn exclude_doc(doc: &Document, tree: &Tree, ctx: &ApplyContext) -> Result<Document> {
    let mut out = Document::new();
    for (k, v) in doc {
        match tree.get(k) {
            None | Some(Action::Include) => {
                out.insert(k, v.clone());
            }
            Some(Action::Exclude) => {}
            Some(Action::Nested(sub)) => match v {
                Bson::Document(d) => {
                    out.insert(k, exclude_doc(d, sub, ctx)?);
                }
                Bson::Array(items) => {
                    out.insert(k, exclude_array(items, sub, ctx)?);
                }
                _ => {
                    out.insert(k, v.clone());
                }
            },
            Some(Action::Slice(first, limit)) => {
                out.insert(k, slice_value(v, *first, *limit));
            }
            Some(_) => {
                out.insert(k, v.clone());
            }
        }
    }
    for (k, action) in &tree.fields {
        if let (Action::TextScore, Some(score)) = (action, ctx.score()) {
            out.insert(k, Bson::Double(score));
        }
    }
    Ok(out)
}

fn exclude_array(items: &[Bson], tree: &Tree, ctx: &ApplyContext) -> Result<Bson> {
    let mut out = Vec::new();
    for item in items {
        out.push(match item {
            Bson::Document(d) => Bson::Document(exclude_doc(d, tree, ctx)?),
            Bson::Array(inner) => exclude_array(inner, tree, ctx)?,
            other => other.clone(),
        });
    }
    Ok(Bson::Array(out))
}

fn slice_value(v: &Bson, first: i64, limit: Option<i64>) -> Bson {
    match v {
        Bson::Array(items) => Bson::Array(slice_array(items, first, limit)),
        other => other.clone(),
    }
}

fn elem_matches(filter: &Filter, item: &Bson) -> bool {
    match item {
        Bson::Document(d) => filter.matches(d),
        Bson::Array(inner) => filter.matches(&crate::matcher::leaf::array_as_document(inner)),
        _ => false,
    }
}

fn positional_value(v: &Bson, ctx: &ApplyContext, field: &str) -> Result<Bson> {
    let Bson::Array(items) = v else {
        return Ok(v.clone());
    };
    let found = ctx.positional.and_then(|i| items.get(i));
    match found {
        Some(item) => Ok(Bson::Array(vec![item.clone()])),
        None => Err(QueryError::bad_value(format!(
            "positional operator '{field}.$' couldn't find a matching element in the array; the query must match an element of '{field}'"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bson::doc;

    fn p(spec: Document, d: Document) -> Document {
        Projection::parse(&spec)
            .expect("valid projection")
            .apply(&d, None, None)
            .expect("apply")
    }

    #[test]
    fn inclusion_keeps_id_by_default() {
        assert_eq!(
            p(doc! {"a": 1}, doc! {"_id": 1, "a": 2, "b": 3}),
            doc! {"_id": 1, "a": 2}
        );
        assert_eq!(
            p(doc! {"a": 1, "_id": 0}, doc! {"_id": 1, "a": 2, "b": 3}),
            doc! {"a": 2}
        );
    }

    #[test]
    fn exclusion_removes_named_fields() {
        assert_eq!(
            p(doc! {"b": 0}, doc! {"_id": 1, "a": 2, "b": 3}),
            doc! {"_id": 1, "a": 2}
        );
        assert_eq!(p(doc! {"_id": 0}, doc! {"_id": 1, "a": 2}), doc! {"a": 2});
    }

    #[test]
    fn dotted_paths_through_arrays() {
        let d = doc! {"_id": 0, "a": [{"b": 1, "c": 2}, 5, [{"b": 3}]]};
        assert_eq!(
            p(doc! {"a.b": 1, "_id": 0}, d.clone()),
            doc! {"a": [{"b": 1}, [{"b": 3}]]}
        );
        assert_eq!(
            p(doc! {"a.b": 0}, d),
            doc! {"_id": 0, "a": [{"c": 2}, 5, [{}]]}
        );
    }

    #[test]
    fn slice_and_elem_match() {
        let d = doc! {"_id": 1, "a": [1, 2, 3, 4]};
        assert_eq!(
            p(doc! {"a": {"$slice": 2}}, d.clone()),
            doc! {"_id": 1, "a": [1, 2]}
        );
        assert_eq!(
            p(doc! {"a": {"$slice": -1}}, d.clone()),
            doc! {"_id": 1, "a": [4]}
        );
        assert_eq!(
            p(doc! {"a": {"$slice": [1, 2]}}, d.clone()),
            doc! {"_id": 1, "a": [2, 3]}
        );
        let d = doc! {"_id": 1, "a": [{"x": 1}, {"x": 2}], "b": 1};
        assert_eq!(
            p(doc! {"a": {"$elemMatch": {"x": 2}}}, d),
            doc! {"_id": 1, "a": [{"x": 2}]}
        );
    }

    #[test]
    fn positional_uses_matched_index() {
        let proj = Projection::parse(&doc! {"a.$": 1}).expect("valid");
        let d = doc! {"_id": 1, "a": [5, 6, 7]};
        assert_eq!(
            proj.apply(&d, Some(1), None).expect("apply"),
            doc! {"_id": 1, "a": [6]}
        );
        assert!(proj.apply(&d, None, None).is_err());
    }

    #[test]
    fn mixing_inclusion_and_exclusion_fails() {
        assert_eq!(
            Projection::parse(&doc! {"a": 1, "b": 0})
                .expect_err("mixed")
                .code,
            31254
        );
        assert_eq!(
            Projection::parse(&doc! {"a": 0, "b": 1})
                .expect_err("mixed")
                .code,
            31253
        );
        assert_eq!(
            Projection::parse(&doc! {"a": 1, "a.b": 1})
                .expect_err("collision")
                .code,
            31250
        );
    }

    #[test]
    fn text_score_meta() {
        let proj = Projection::parse(&doc! {"s": {"$meta": "textScore"}}).expect("valid");
        let out = proj
            .apply(&doc! {"_id": 1, "a": 1}, None, Some(1.5))
            .expect("apply");
        assert_eq!(out, doc! {"_id": 1, "a": 1, "s": 1.5});
    }
}
