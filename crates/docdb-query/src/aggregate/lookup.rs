//! Stages that read other collections through the caller's `Catalog`: `$lookup` (equality and
//! correlated-pipeline forms), `$graphLookup` and `$unionWith`.
//!
//! Equality `$lookup` follows query semantics: a local array matches through its elements, and
//! a missing or null local value matches foreign documents whose field is null or missing.

use super::{Pipeline, RunContext};
use crate::error::{QueryError, Result};
use crate::expr::evaluate_optional;
use crate::limits::{Budgeted, Size, document_size, document_sizes};
use crate::matcher::Filter;
use crate::path::values_at_path;
use crate::value::Ordered;
use bson::{Bson, Document};
use std::collections::BTreeSet;

/// A parsed `$lookup`.
#[derive(Debug, Clone)]
pub struct Lookup {
    from: Option<(String, String)>,
    local_field: Option<String>,
    foreign_field: Option<String>,
    lets: Document,
    pipeline: Option<Pipeline>,
    as_field: String,
}

/// Parses a namespace argument: `"coll"` or `{db, coll}`.
pub fn parse_namespace(
    stage: &str,
    v: &Bson,
    default_db: Option<&str>,
) -> Result<(String, String)> {
    match v {
        Bson::String(c) => Ok((default_db.unwrap_or("").to_string(), c.clone())),
        Bson::Document(d) => match (d.get("db"), d.get("coll")) {
            (Some(Bson::String(db)), Some(Bson::String(c))) => Ok((db.clone(), c.clone())),
            (None, Some(Bson::String(c))) => Ok((default_db.unwrap_or("").to_string(), c.clone())),
            _ => Err(QueryError::failed_to_parse(format!(
                "{stage} 'from' must be a collection name or {{db, coll}}"
            ))),
        },
        _ => Err(QueryError::failed_to_parse(format!(
            "{stage} 'from' must be a string"
        ))),
    }
}

impl Lookup {
    /// Parses the stage's object.
    pub fn parse(spec: &Bson) -> Result<Lookup> {
        let Bson::Document(d) = spec else {
            return Err(QueryError::failed_to_parse(
                "the $lookup stage specification must be an object",
            ));
        };
        let mut lookup = Lookup {
            from: None,
            local_field: None,
            foreign_field: None,
            lets: Document::new(),
            pipeline: None,
            as_field: String::new(),
        };
        for (k, v) in d {
            match (k.as_str(), v) {
                ("from", v) => lookup.from = Some(parse_namespace("$lookup", v, None)?),
                ("localField", Bson::String(s)) => lookup.local_field = Some(s.clone()),
                ("foreignField", Bson::String(s)) => lookup.foreign_field = Some(s.clone()),
                ("as", Bson::String(s)) => lookup.as_field = s.clone(),
                ("let", Bson::Document(l)) => {
                    for name in l.keys() {
                        crate::expr::validate_variable_name(name)?;
                    }
                    lookup.lets = l.clone();
                }
                ("pipeline", Bson::Array(stages)) => {
                    let stages: Vec<Document> = stages
                        .iter()
                        .map(|s| match s {
                            Bson::Document(d) => Ok(d.clone()),
                            _ => Err(QueryError::failed_to_parse(
                                "$lookup pipeline stages must be objects",
                            )),
                        })
                        .collect::<Result<_>>()?;
                    lookup.pipeline = Some(Pipeline::parse(&stages)?);
                }
                _ => {
                    return Err(QueryError::failed_to_parse(format!(
                        "unknown or malformed argument to $lookup: {k}: {}",
                        crate::fmt::short(v)
                    )));
                }
            }
        }
        if lookup.as_field.is_empty() {
            return Err(QueryError::failed_to_parse(
                "must specify 'as' field for a $lookup",
            ));
        }
        if lookup.local_field.is_some() != lookup.foreign_field.is_some() {
            return Err(QueryError::failed_to_parse(
                "$lookup requires both or neither of 'localField' and 'foreignField'",
            ));
        }
        if lookup.local_field.is_none() && lookup.pipeline.is_none() {
            return Err(QueryError::failed_to_parse(
                "$lookup requires either 'pipeline' or both 'localField' and 'foreignField'",
            ));
        }
        if lookup.from.is_none() && lookup.pipeline.is_none() {
            return Err(QueryError::failed_to_parse(
                "must specify 'from' field for a $lookup",
            ));
        }
        Ok(lookup)
    }

    /// Runs the lookup for every input document. The other collection is read by reference:
    /// the equality form copies the documents it matched, the pipeline form runs its
    /// sub-pipeline over the references (so its leading `$match` filters before any copy).
    pub fn run(&self, input: Vec<Document>, ctx: &RunContext) -> Result<Vec<Document>> {
        let from = self.from.as_ref().map(|(_, c)| c.as_str()).unwrap_or("");
        let scanned = match &self.from {
            Some((db, coll)) => ctx
                .catalog
                .scan(if db.is_empty() { &ctx.db } else { db }, coll)?,
            None => Vec::new(),
        };
        let foreign: Vec<&Document> = scanned.iter().map(|d| d.as_ref()).collect();
        let mut results = ctx.limits.budget(Budgeted::Results("$lookup"));
        let mut out = Vec::with_capacity(input.len());
        for doc in input {
            ctx.limits.tick()?;
            let candidates: Vec<&Document> = match (&self.local_field, &self.foreign_field) {
                (Some(local), Some(foreign_path)) => {
                    let filter = equality_filter(&doc, local, foreign_path)?
                        .with_collation(ctx.vars.collation_handle());
                    let mut kept = Vec::new();
                    for f in &foreign {
                        ctx.limits.tick()?;
                        if filter.matches(f) {
                            kept.push(*f);
                        }
                    }
                    kept
                }
                _ => foreign.clone(),
            };
            let matched: Vec<Document> = match &self.pipeline {
                Some(pipeline) => {
                    let mut vars = ctx.vars.clone();
                    for (name, e) in &self.lets {
                        vars.set_optional(name, evaluate_optional(e, &doc, &ctx.vars)?);
                    }
                    let sub = RunContext {
                        vars,
                        scorer: None,
                        ..ctx.clone()
                    };
                    pipeline.run_refs_with(candidates, &sub)?.documents
                }
                None => {
                    let mut bytes = 0usize;
                    let mut copies = Vec::with_capacity(candidates.len());
                    for f in candidates {
                        ctx.limits.tick()?;
                        bytes = bytes.saturating_add(document_size(f));
                        ctx.limits.check_lookup_result(from, bytes)?;
                        copies.push(f.clone());
                    }
                    copies
                }
            };
            let mut size = Size::default();
            for m in &matched {
                size = size + document_sizes(m);
            }
            ctx.limits.check_lookup_result(from, size.bson)?;
            results.add(size)?;
            let mut d = doc;
            crate::path::set_path(
                &mut d,
                &self.as_field,
                Bson::Array(matched.into_iter().map(Bson::Document).collect()),
            )?;
            out.push(d);
        }
        Ok(out)
    }
}

/// `{foreignField: {$in: localValues}}`, with a missing local value standing for null.
fn equality_filter(doc: &Document, local: &str, foreign: &str) -> Result<Filter> {
    let mut values: Vec<Bson> = Vec::new();
    for v in values_at_path(doc, local) {
        match v {
            Bson::Array(items) if !items.is_empty() => values.extend(items),
            Bson::Array(_) => {}
            other => values.push(other),
        }
    }
    if values.is_empty() {
        values.push(Bson::Null);
    }
    // Regexes in the local field are compared as values, not used as patterns.
    let values: Vec<Bson> = values
        .into_iter()
        .filter(|v| !matches!(v, Bson::RegularExpression(_)))
        .collect();
    let mut cond = Document::new();
    cond.insert("$in", values);
    let mut f = Document::new();
    f.insert(foreign, cond);
    Filter::parse(&f)
}

/// A parsed `$graphLookup`.
#[derive(Debug, Clone)]
pub struct GraphLookup {
    from: (String, String),
    start_with: Bson,
    connect_from: String,
    connect_to: String,
    as_field: String,
    max_depth: Option<i64>,
    depth_field: Option<String>,
    restrict: Option<Filter>,
}

impl GraphLookup {
    /// Parses the stage's object.
    pub fn parse(spec: &Bson) -> Result<GraphLookup> {
        let Bson::Document(d) = spec else {
            return Err(QueryError::failed_to_parse(
                "$graphLookup must be an object",
            ));
        };
        let string = |k: &str| -> Result<String> {
            match d.get(k) {
                Some(Bson::String(s)) => Ok(s.clone()),
                _ => Err(QueryError::location(
                    40105,
                    format!("$graphLookup requires '{k}' to be a string"),
                )),
            }
        };
        let max_depth = match d.get("maxDepth") {
            None => None,
            Some(v) => match crate::number::integral_i64(v) {
                Some(n) if n >= 0 => Some(n),
                _ => {
                    return Err(QueryError::location(
                        40101,
                        "$graphLookup maxDepth must be a non-negative integer",
                    ));
                }
            },
        };
        let restrict = match d.get("restrictSearchWithMatch") {
            None => None,
            Some(Bson::Document(f)) => Some(Filter::parse_without_javascript(f)?),
            Some(_) => {
                return Err(QueryError::location(
                    40185,
                    "restrictSearchWithMatch must be an object",
                ));
            }
        };
        Ok(GraphLookup {
            from: parse_namespace("$graphLookup", d.get("from").unwrap_or(&Bson::Null), None)?,
            start_with: d
                .get("startWith")
                .cloned()
                .ok_or_else(|| QueryError::location(40105, "$graphLookup requires 'startWith'"))?,
            connect_from: string("connectFromField")?,
            connect_to: string("connectToField")?,
            as_field: string("as")?,
            max_depth,
            depth_field: d.get_str("depthField").ok().map(str::to_string),
            restrict,
        })
    }

    /// Breadth-first search from each document's `startWith` values.
    pub fn run(&self, input: Vec<Document>, ctx: &RunContext) -> Result<Vec<Document>> {
        let (db, coll) = &self.from;
        let scanned = ctx
            .catalog
            .scan(if db.is_empty() { &ctx.db } else { db }, coll)?;
        let mut foreign: Vec<&Document> = Vec::with_capacity(scanned.len());
        let restrict = self
            .restrict
            .clone()
            .map(|r| r.with_collation(ctx.vars.collation_handle()));
        for f in &scanned {
            ctx.limits.tick()?;
            if restrict.as_ref().is_none_or(|r| r.matches(f)) {
                foreign.push(f);
            }
        }
        let mut results = ctx.limits.budget(Budgeted::Results("$graphLookup"));
        let mut out = Vec::with_capacity(input.len());
        for doc in input {
            ctx.limits.tick()?;
            let start = evaluate_optional(&self.start_with, &doc, &ctx.vars)?.unwrap_or(Bson::Null);
            let mut frontier: BTreeSet<Ordered> = match start {
                Bson::Array(items) => items.into_iter().map(Ordered).collect(),
                other => BTreeSet::from([Ordered(other)]),
            };
            let mut seen = vec![false; foreign.len()];
            let mut found: Vec<Document> = Vec::new();
            let mut visited = ctx.limits.budget(Budgeted::GraphLookup);
            let mut depth = 0i64;
            while !frontier.is_empty() && self.max_depth.is_none_or(|m| depth <= m) {
                let mut next = BTreeSet::new();
                for (i, f) in foreign.iter().enumerate() {
                    ctx.limits.tick()?;
                    if seen[i] {
                        continue;
                    }
                    let hit = values_at_path(f, &self.connect_to)
                        .into_iter()
                        .any(|t| match t {
                            Bson::Array(items) => {
                                items.into_iter().any(|t| frontier.contains(&Ordered(t)))
                            }
                            other => frontier.contains(&Ordered(other)),
                        });
                    if hit {
                        seen[i] = true;
                        visited.add_document(f)?;
                        let mut d = (*f).clone();
                        if let Some(df) = &self.depth_field {
                            d.insert(df.clone(), Bson::Int64(depth));
                        }
                        for v in values_at_path(f, &self.connect_from) {
                            match v {
                                Bson::Array(items) => next.extend(items.into_iter().map(Ordered)),
                                other => {
                                    next.insert(Ordered(other));
                                }
                            }
                        }
                        found.push(d);
                    }
                }
                frontier = next;
                depth += 1;
            }
            results.add(visited.used())?;
            let mut d = doc;
            crate::path::set_path(
                &mut d,
                &self.as_field,
                Bson::Array(found.into_iter().map(Bson::Document).collect()),
            )?;
            out.push(d);
        }
        Ok(out)
    }
}

/// A parsed `$unionWith`.
#[derive(Debug, Clone)]
pub struct UnionWith {
    coll: Option<String>,
    pipeline: Option<Pipeline>,
}

impl UnionWith {
    /// Parses `"coll"` or `{coll, pipeline}`.
    pub fn parse(spec: &Bson) -> Result<UnionWith> {
        match spec {
            Bson::String(c) => Ok(UnionWith {
                coll: Some(c.clone()),
                pipeline: None,
            }),
            Bson::Document(d) => {
                let coll = d.get_str("coll").ok().map(str::to_string);
                let pipeline = match d.get("pipeline") {
                    None => None,
                    Some(Bson::Array(stages)) => {
                        let stages: Vec<Document> = stages
                            .iter()
                            .filter_map(|s| s.as_document().cloned())
                            .collect();
                        Some(Pipeline::parse(&stages)?)
                    }
                    Some(_) => {
                        return Err(QueryError::failed_to_parse(
                            "$unionWith pipeline must be an array",
                        ));
                    }
                };
                if coll.is_none() && pipeline.is_none() {
                    return Err(QueryError::failed_to_parse(
                        "$unionWith requires 'coll' or 'pipeline'",
                    ));
                }
                Ok(UnionWith { coll, pipeline })
            }
            _ => Err(QueryError::failed_to_parse(
                "$unionWith must be a collection name or an object",
            )),
        }
    }

    /// Appends the other collection's (piped) documents.
    pub fn run(&self, mut input: Vec<Document>, ctx: &RunContext) -> Result<Vec<Document>> {
        let scanned = match &self.coll {
            Some(c) => ctx.catalog.scan(&ctx.db, c)?,
            None => Vec::new(),
        };
        let docs = match &self.pipeline {
            Some(p) => {
                let refs: Vec<&Document> = scanned.iter().map(|d| d.as_ref()).collect();
                p.run_refs_with(refs, ctx)?.documents
            }
            None => {
                let mut copies = Vec::with_capacity(scanned.len());
                for d in scanned {
                    ctx.limits.tick()?;
                    copies.push(d.into_owned());
                }
                copies
            }
        };
        let mut results = ctx.limits.budget(Budgeted::Results("$unionWith"));
        for d in &docs {
            ctx.limits.tick()?;
            results.add_document(d)?;
        }
        input.extend(docs);
        Ok(input)
    }
}
