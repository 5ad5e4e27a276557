//! Updates: operator documents (`{$set: ..., $inc: ...}`), replacement documents, and update
//! pipelines (`[{$set: ...}, {$unset: ...}]`), plus the document an upsert starts from.
//!
//! An update is parsed once per command (unknown operators, conflicting paths and unused array
//! filters are reported before any document is touched) and applied per matched document.
//! Positional paths are expanded per document (`positional`), the operators themselves live in
//! `ops`. `_id` is immutable: any change to it is error 66.

mod ops;
pub mod positional;

use crate::aggregate::{Catalog, Pipeline, RunContext};
use crate::error::{QueryError, Result};
use crate::expr::Variables;
use crate::matcher::Filter;
use bson::{Bson, Document};
use ops::{PullCondition, PushSpec};
use positional::ArrayFilter;

/// Context of one update application.
#[derive(Debug, Clone)]
pub struct UpdateContext {
    /// True when the update creates a document by upsert: `$setOnInsert` applies.
    pub is_insert: bool,
    /// Array index matched by the query, for the positional `$` operator.
    pub positional: Option<usize>,
    /// Time for `$currentDate` and `$$NOW`.
    pub now: bson::DateTime,
    /// `let` variables for pipeline updates.
    pub vars: Option<Document>,
}

#[derive(Debug, Clone)]
enum Parsed {
    Plain,
    Push(PushSpec),
    Pull(PullCondition),
}

#[derive(Debug, Clone)]
struct Op {
    name: String,
    path: String,
    arg: Bson,
    parsed: Parsed,
}

#[derive(Debug, Clone)]
enum Kind {
    Replacement(Document),
    Operators(Vec<Op>),
    Pipeline(Box<Pipeline>),
}

/// A parsed update.
#[derive(Debug, Clone)]
pub struct Update {
    kind: Kind,
    filters: Vec<ArrayFilter>,
    /// The operation's collation: `$addToSet`, `$pull`, `$pullAll`, `$min`/`$max`, `$push`'s
    /// `$sort` and `arrayFilters` compare strings under it (None: binary).
    collation: Option<std::sync::Arc<crate::collation::Collation>>,
}

const OPERATORS: &[&str] = &[
    "$set",
    "$unset",
    "$inc",
    "$mul",
    "$min",
    "$max",
    "$rename",
    "$setOnInsert",
    "$currentDate",
    "$push",
    "$addToSet",
    "$pop",
    "$pull",
    "$pullAll",
    "$bit",
];

struct NoCollections;

impl Catalog for NoCollections {
    fn scan(&self, _db: &str, coll: &str) -> Result<Vec<std::borrow::Cow<'_, Document>>> {
        Err(QueryError::invalid_options(format!(
            "an update pipeline cannot read other collections (tried to read '{coll}')"
        )))
    }
}

impl Update {
    /// Parses an update: a document of operators, a replacement document, or a pipeline array.
    pub fn parse(spec: &Bson, array_filters: Option<&[Document]>) -> Result<Update> {
        let mut filters = Vec::new();
        for f in array_filters.unwrap_or(&[]) {
            let parsed = ArrayFilter::parse(f)?;
            if filters.iter().any(|x: &ArrayFilter| x.id == parsed.id) {
                return Err(QueryError::failed_to_parse(format!(
                    "Found multiple array filters with the same top-level field name {}",
                    parsed.id
                )));
            }
            filters.push(parsed);
        }
        let kind = match spec {
            Bson::Array(stages) => Kind::Pipeline(Box::new(parse_pipeline(stages)?)),
            Bson::Document(d) if d.keys().next().is_some_and(|k| k.starts_with('$')) => {
                Kind::Operators(parse_operators(d)?)
            }
            Bson::Document(d) => {
                if let Some(k) = d.keys().find(|k| k.starts_with('$')) {
                    return Err(QueryError::dollar_prefixed_field_name(format!(
                        "The dollar ($) prefixed field '{k}' in '{k}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith."
                    )));
                }
                Kind::Replacement(d.clone())
            }
            other => {
                return Err(QueryError::failed_to_parse(format!(
                    "Update argument must be either an object or an array, found {}",
                    crate::value::type_alias(other)
                )));
            }
        };
        if !filters.is_empty() {
            let used: Vec<String> = match &kind {
                Kind::Operators(ops) => ops
                    .iter()
                    .flat_map(|o| positional::identifiers(&o.path))
                    .collect(),
                _ => Vec::new(),
            };
            for f in &filters {
                if !used.contains(&f.id) {
                    return Err(QueryError::failed_to_parse(format!(
                        "The array filter for identifier '{}' was not used in the update",
                        f.id
                    )));
                }
            }
        }
        Ok(Update {
            kind,
            filters,
            collation: None,
        })
    }

    /// True for a replacement document.
    pub fn is_replacement(&self) -> bool {
        matches!(self.kind, Kind::Replacement(_))
    }

    /// Applies the update to `doc`; returns whether the document changed.
    pub fn apply(&self, doc: &mut Document, ctx: &UpdateContext) -> Result<bool> {
        let original_id = doc.get("_id").cloned();
        let before = doc.clone();
        match &self.kind {
            Kind::Replacement(r) => {
                if let (Some(old), Some(new)) = (&original_id, r.get("_id"))
                    && old != new
                {
                    return Err(QueryError::immutable_field(format!(
                        "After applying the update, the (immutable) field '_id' was found to have been altered to _id: {}",
                        crate::fmt::short(new)
                    )));
                }
                let mut out = Document::new();
                if let Some(id) = original_id.clone().or_else(|| r.get("_id").cloned()) {
                    out.insert("_id", id);
                }
                for (k, v) in r {
                    if k != "_id" {
                        out.insert(k.clone(), v.clone());
                    }
                }
                *doc = out;
            }
            Kind::Operators(list) => {
                for op in list {
                    self.apply_op(doc, op, ctx)?;
                }
            }
            Kind::Pipeline(p) => {
                let mut vars = Variables::with_now(ctx.now);
                if let Some(user) = &ctx.vars {
                    vars.bind_let(user, &Document::new())?;
                }
                // One document through a few stages: mongod's budgets, no interruption point.
                let limits = crate::limits::Limits::default();
                let run = RunContext {
                    db: String::new(),
                    catalog: &NoCollections,
                    vars,
                    scorer: None,
                    limits: &limits,
                };
                let mut out = p.run_with(vec![doc.clone()], &run)?.documents;
                let Some(new) = out.pop() else {
                    return Err(QueryError::bad_value(
                        "the update pipeline removed the document",
                    ));
                };
                let mut new = new;
                match (&original_id, new.get("_id")) {
                    (Some(old), Some(now)) if old != now => {
                        return Err(QueryError::immutable_field(format!(
                            "Performing an update on the path '_id' would modify the immutable field '_id' (to {})",
                            crate::fmt::short(now)
                        )));
                    }
                    (Some(old), None) => {
                        let mut with_id = Document::new();
                        with_id.insert("_id", old.clone());
                        with_id.extend(new);
                        new = with_id;
                    }
                    _ => {}
                }
                *doc = new;
            }
        }
        if let Some(old) = &original_id
            && doc.get("_id") != Some(old)
        {
            *doc = before;
            return Err(QueryError::immutable_field(
                "Performing an update on the path '_id' would modify the immutable field '_id'",
            ));
        }
        Ok(*doc != before)
    }

    /// This update with string comparisons under `collation` (None: binary); the filters of
    /// `$pull` and `arrayFilters` take it too.
    pub fn with_collation(
        mut self,
        collation: Option<std::sync::Arc<crate::collation::Collation>>,
    ) -> Update {
        if let Kind::Operators(ops) = &mut self.kind {
            for op in ops {
                if let Parsed::Pull(cond) = &mut op.parsed {
                    cond.set_collation(collation.clone());
                }
            }
        }
        if let Kind::Pipeline(p) = self.kind {
            self.kind = Kind::Pipeline(Box::new(p.with_collation(collation.clone())));
        }
        self.filters = self
            .filters
            .into_iter()
            .map(|f| f.with_collation(collation.clone()))
            .collect();
        self.collation = collation;
        self
    }

    fn apply_op(&self, doc: &mut Document, op: &Op, ctx: &UpdateContext) -> Result<bool> {
        let collation = self.collation.as_deref();
        if op.name == "$setOnInsert" && !ctx.is_insert {
            return Ok(false);
        }
        if op.name == "$rename" {
            let to = op.arg.as_str().unwrap_or_default();
            return ops::rename(doc, &op.path, to);
        }
        let mut changed = false;
        for path in positional::expand(doc, &op.path, ctx.positional, &self.filters)? {
            changed |= match (op.name.as_str(), &op.parsed) {
                ("$set" | "$setOnInsert", _) => ops::set(doc, &path, &op.arg)?,
                ("$unset", _) => ops::unset(doc, &path)?,
                ("$inc", _) => ops::arithmetic(doc, &path, &op.arg, false)?,
                ("$mul", _) => ops::arithmetic(doc, &path, &op.arg, true)?,
                ("$min", _) => ops::min_max(doc, &path, &op.arg, false, collation)?,
                ("$max", _) => ops::min_max(doc, &path, &op.arg, true, collation)?,
                ("$currentDate", _) => ops::current_date(doc, &path, &op.arg, ctx.now)?,
                ("$push", Parsed::Push(spec)) => {
                    ops::push(doc, &path, spec, self.collation.as_ref())?
                }
                ("$addToSet", _) => ops::add_to_set(doc, &path, &op.arg, collation)?,
                ("$pop", _) => ops::pop(doc, &path, &op.arg)?,
                ("$pull", Parsed::Pull(cond)) => ops::pull(doc, &path, cond, collation)?,
                ("$pullAll", _) => ops::pull_all(doc, &path, &op.arg, collation)?,
                ("$bit", _) => ops::bit(doc, &path, &op.arg)?,
                (name, _) => {
                    return Err(QueryError::failed_to_parse(format!(
                        "Unknown modifier: {name}"
                    )));
                }
            };
        }
        Ok(changed)
    }

    /// The document an upsert starts from: the filter's equality conditions (plain values,
    /// `$eq`, and those inside a top-level `$and`), with dotted paths expanded.
    pub fn upsert_seed(filter: &Document) -> Result<Document> {
        let parsed = Filter::parse_allowing_javascript(filter)?;
        let mut seed = Document::new();
        for (path, value) in parsed.equality_fields() {
            if path.split('.').any(|p| p.starts_with('$')) {
                continue;
            }
            if crate::path::get_path(&seed, &path).is_some() {
                return Err(QueryError::new(
                    54,
                    "NotSingleValueField",
                    format!("cannot infer query fields to set, path '{path}' is matched twice"),
                ));
            }
            crate::path::set_path(&mut seed, &path, value)?;
        }
        Ok(seed)
    }
}

fn validate_path(op: &str, path: &str) -> Result<()> {
    if path.is_empty() {
        return Err(QueryError::empty_field_name(format!(
            "An empty update path is not valid (in {op})."
        )));
    }
    for part in path.split('.') {
        if part.is_empty() {
            return Err(QueryError::empty_field_name(format!(
                "The update path '{path}' contains an empty field name, which is not allowed."
            )));
        }
        let positional = part == "$" || (part.starts_with("$[") && part.ends_with(']'));
        if part.starts_with('$') && !positional {
            return Err(QueryError::dollar_prefixed_field_name(format!(
                "The dollar ($) prefixed field '{part}' in '{path}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith."
            )));
        }
    }
    Ok(())
}

fn parse_operators(spec: &Document) -> Result<Vec<Op>> {
    let mut out = Vec::new();
    for (name, fields) in spec {
        if !OPERATORS.contains(&name.as_str()) {
            return Err(QueryError::failed_to_parse(format!(
                "Unknown modifier: {name}. Expected a valid update modifier or pipeline-style update specified as an array"
            )));
        }
        let Bson::Document(fields) = fields else {
            return Err(QueryError::failed_to_parse(format!(
                "Modifiers operate on fields but we found type {} instead. For example: {{$mod: {{<field>: ...}}}} not {{{name}: {}}}",
                crate::value::type_alias(fields),
                crate::fmt::short(fields)
            )));
        };
        for (path, arg) in fields {
            validate_path(name, path)?;
            let parsed = match name.as_str() {
                "$push" => Parsed::Push(PushSpec::parse(arg)?),
                "$pull" => Parsed::Pull(PullCondition::parse(arg)?),
                "$rename" => {
                    let Bson::String(to) = arg else {
                        return Err(QueryError::bad_value(format!(
                            "The 'to' field for $rename must be a string: {path}: {}",
                            crate::fmt::short(arg)
                        )));
                    };
                    validate_path(name, to)?;
                    if positional::is_positional(path) || positional::is_positional(to) {
                        return Err(QueryError::bad_value(
                            "The source and target field for $rename must not contain a positional operator",
                        ));
                    }
                    if to == path {
                        return Err(QueryError::bad_value(format!(
                            "The source and target field for $rename must differ: {path}: \"{to}\""
                        )));
                    }
                    Parsed::Plain
                }
                "$inc" | "$mul" if !crate::number::is_number(arg) => {
                    return Err(QueryError::type_mismatch(format!(
                        "Cannot {} with non-numeric argument: {{{path}: {}}}",
                        if name == "$inc" {
                            "increment"
                        } else {
                            "multiply"
                        },
                        crate::fmt::short(arg)
                    )));
                }
                "$pop" if !matches!(crate::number::to_f64(arg), Some(x) if x == 1.0 || x == -1.0) =>
                {
                    return Err(QueryError::failed_to_parse(format!(
                        "$pop expects 1 or -1, found: {}",
                        crate::fmt::short(arg)
                    )));
                }
                _ => Parsed::Plain,
            };
            out.push(Op {
                name: name.clone(),
                path: path.clone(),
                arg: arg.clone(),
                parsed,
            });
        }
    }
    check_conflicts(&out)?;
    // MongoDB (5.0+) applies update paths in lexicographic order, numeric components in numeric
    // order, so fields an update creates appear sorted whatever the order they were written in.
    out.sort_by(|a, b| compare_paths(&a.path, &b.path));
    Ok(out)
}

fn compare_paths(a: &str, b: &str) -> std::cmp::Ordering {
    let mut pa = a.split('.');
    let mut pb = b.split('.');
    loop {
        match (pa.next(), pb.next()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => {
                let o = match (crate::path::array_index(x), crate::path::array_index(y)) {
                    (Some(i), Some(j)) => i.cmp(&j),
                    _ => x.cmp(y),
                };
                if o != std::cmp::Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

fn targets(op: &Op) -> Vec<&str> {
    match (op.name.as_str(), &op.arg) {
        ("$rename", Bson::String(to)) => vec![op.path.as_str(), to.as_str()],
        _ => vec![op.path.as_str()],
    }
}

/// Two paths conflict when one is a component-wise prefix of the other.
fn conflict_prefix<'a>(a: &'a str, b: &'a str) -> Option<&'a str> {
    let pa: Vec<&str> = a.split('.').collect();
    let pb: Vec<&str> = b.split('.').collect();
    let n = pa.len().min(pb.len());
    if pa[..n] == pb[..n] {
        Some(if pa.len() <= pb.len() { a } else { b })
    } else {
        None
    }
}

fn check_conflicts(ops: &[Op]) -> Result<()> {
    let all: Vec<&str> = ops.iter().flat_map(targets).collect();
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            if let Some(at) = conflict_prefix(a, b) {
                return Err(QueryError::conflicting_update_operators(format!(
                    "Updating the path '{b}' would create a conflict at '{at}'"
                )));
            }
        }
    }
    Ok(())
}

fn parse_pipeline(stages: &[Bson]) -> Result<Pipeline> {
    let mut docs = Vec::new();
    for s in stages {
        let Bson::Document(d) = s else {
            return Err(QueryError::failed_to_parse(
                "each element of an update pipeline must be an object",
            ));
        };
        let name = d.keys().next().map(String::as_str).unwrap_or("");
        if !matches!(
            name,
            "$addFields" | "$set" | "$project" | "$unset" | "$replaceRoot" | "$replaceWith"
        ) {
            return Err(QueryError::invalid_options(format!(
                "{name} is not allowed to be used within an update; use $addFields, $set, $project, $unset, $replaceRoot or $replaceWith"
            )));
        }
        docs.push(d.clone());
    }
    Pipeline::parse(&docs)
}

#[cfg(test)]
mod tests;
