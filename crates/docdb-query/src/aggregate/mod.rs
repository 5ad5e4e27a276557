//! Aggregation pipelines: parsing stages once, then running them over a document stream.
//!
//! The pipeline is a pure function of its input documents plus a `Catalog` the caller supplies
//! for stages that read other collections. Writing stages (`$out`, `$merge`) do not write: they
//! are returned as an `OutputStage` for the caller (crate `docdb`), which owns storage. Stage
//! families live in submodules: `group` (grouping and buckets), `reshape` (per-document
//! reshaping), `lookup` (other collections).
//!
//! `Pipeline::run` takes owned documents; `Pipeline::run_borrowed` takes a collection's records
//! by reference and copies only what survives its leading `$match` stages, and nothing at all
//! when a `$group` follows them. Sub-pipelines (`$lookup`, `$unionWith`, `$facet`) read the other
//! collection (or the facet's input) by reference the same way, so a nested `$lookup` copies
//! only the documents it keeps.
//!
//! Every loop ticks the operation's [`Limits`] (so `killOp` and `maxTimeMS` stop a pipeline
//! between two documents), and every stage that holds documents accounts their BSON size
//! against mongod's budgets (see `crate::limits`).

mod field_group;
mod group;
mod lookup;
mod reshape;
mod window;

use crate::error::{QueryError, Result};
use crate::expr::{Variables, evaluate_optional};
use crate::limits::{Budgeted, Limits, Size, document_size};
use crate::matcher::Filter;
use crate::projection::Projection;
use crate::sort::SortSpec;
use crate::text::TextSearch;
use bson::{Bson, Document};
pub use field_group::FieldGroup;

/// Other collections, for `$lookup`, `$graphLookup` and `$unionWith`.
pub trait Catalog {
    /// All documents of `db.coll` (empty when the collection does not exist): borrowed when
    /// the catalog holds `Document`s, decoded copies when it stores something else (docdb
    /// stores raw BSON).
    fn scan(&self, db: &str, coll: &str) -> Result<Vec<std::borrow::Cow<'_, Document>>>;
}

/// Context of one pipeline run.
pub struct AggContext<'a> {
    /// Current database (for `$lookup` and `$out` without an explicit db).
    pub db: String,
    /// Other collections.
    pub catalog: &'a dyn Catalog,
    /// The command's `let` variables.
    pub vars: Document,
    /// `$$NOW` for the whole command.
    pub now: bson::DateTime,
    /// Interruption (`killOp`, `maxTimeMS`) and memory budgets (`allowDiskUse`).
    pub limits: &'a Limits<'a>,
}

/// A write the caller must perform after the pipeline ran.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputStage {
    /// `$out`: replace `db.coll` with the result documents.
    Out { db: String, coll: String },
    /// `$merge` the result documents into `db.coll`.
    Merge {
        db: String,
        coll: String,
        /// Fields identifying a matching target document (default `_id`).
        on: Vec<String>,
        /// "replace" | "keepExisting" | "merge" | "fail" | "pipeline".
        when_matched: String,
        /// "insert" | "discard" | "fail".
        when_not_matched: String,
    },
}

/// Result of a pipeline run.
#[derive(Debug, Clone, Default)]
pub struct AggOutput {
    /// Result documents (for `$out`/`$merge`: the documents to write).
    pub documents: Vec<Document>,
    /// The write to perform, if the pipeline ends in `$out` or `$merge`.
    pub write: Option<OutputStage>,
}

/// Computes a document's `$text` score from the caller's text index (None = no match).
pub type TextScorer<'a> = &'a dyn Fn(&Document, &TextSearch) -> Option<f64>;

/// The hidden field that carries a document's text score between stages, so that
/// `{$meta: "textScore"}` works after the `$match` that computed it. It is removed from the
/// pipeline's output.
pub const TEXT_SCORE_FIELD: &str = "$__textScore";

/// Internal run context: variables already built.
#[derive(Clone)]
pub struct RunContext<'a> {
    pub db: String,
    pub catalog: &'a dyn Catalog,
    pub vars: Variables,
    /// How to score `$text`; without it a `$text` query fails instead of matching nothing.
    pub scorer: Option<TextScorer<'a>>,
    /// The operation's interruption check and memory budgets.
    pub limits: &'a Limits<'a>,
}

#[derive(Debug, Clone)]
enum Stage {
    Match(Box<Filter>),
    Project(Box<Projection>),
    AddFields(Vec<(String, Bson)>),
    Group(Bson, Vec<group::Accumulator>),
    Sort(SortSpec),
    Limit(usize),
    Skip(usize),
    Unwind(reshape::Unwind),
    Lookup(Box<lookup::Lookup>),
    GraphLookup(Box<lookup::GraphLookup>),
    UnionWith(Box<lookup::UnionWith>),
    Count(String),
    Facet(Vec<(String, Pipeline)>),
    Bucket(Document),
    BucketAuto(Document),
    SortByCount(Bson),
    ReplaceRoot(Bson),
    Sample(usize),
    Documents(Bson),
    Redact(Bson),
    SetWindowFields(Box<window::SetWindowFields>),
    Out(OutputStage),
}

/// A parsed pipeline.
#[derive(Debug, Clone)]
pub struct Pipeline {
    stages: Vec<Stage>,
    raw: Vec<Document>,
    /// `$merge`'s `whenMatched` pipeline and `let` variables, when it has one.
    merge_update: Option<(Vec<Document>, Document)>,
    /// The command's collation: `$match`, `$sort`, `$group` keys, `$lookup` equality and
    /// expression comparisons follow it (None: binary).
    collation: Option<std::sync::Arc<crate::collation::Collation>>,
}

fn positive(stage: &str, v: &Bson, code: i32) -> Result<usize> {
    match crate::number::integral_i64(v) {
        Some(n) if n >= 0 => Ok(n as usize),
        _ => Err(QueryError::location(
            code,
            format!(
                "invalid argument to {stage} stage: expected a non-negative integer, got {}",
                crate::fmt::short(v)
            ),
        )),
    }
}

impl Pipeline {
    /// Parses the stages; malformed stages are reported with MongoDB's codes.
    pub fn parse(stages: &[Document]) -> Result<Pipeline> {
        let mut parsed = Vec::with_capacity(stages.len());
        for (i, stage) in stages.iter().enumerate() {
            if stage.len() != 1 {
                return Err(QueryError::location(
                    40323,
                    format!(
                        "A pipeline stage specification object must contain exactly one field (stage {i} has {})",
                        stage.len()
                    ),
                ));
            }
            let Some((name, arg)) = stage.iter().next() else {
                return Err(QueryError::location(
                    40323,
                    "A pipeline stage specification object must contain exactly one field.",
                ));
            };
            let is_last = i + 1 == stages.len();
            parsed.push(parse_stage(name, arg, is_last, i == 0)?);
        }
        let merge_update = stages
            .last()
            .and_then(|s| s.get_document("$merge").ok())
            .and_then(|m| match m.get("whenMatched") {
                Some(Bson::Array(p)) => Some((
                    p.iter()
                        .filter_map(|s| s.as_document().cloned())
                        .collect::<Vec<Document>>(),
                    m.get_document("let")
                        .cloned()
                        .unwrap_or_else(|_| bson::doc! {"new": "$$ROOT"}),
                )),
                _ => None,
            });
        if let Some((stages, _)) = &merge_update {
            crate::update::Update::parse(
                &Bson::Array(stages.iter().cloned().map(Bson::Document).collect()),
                None,
            )?;
        }
        Ok(Pipeline {
            stages: parsed,
            raw: stages.to_vec(),
            merge_update,
            collation: None,
        })
    }

    /// This pipeline with string comparisons under `collation` (None: binary).
    pub fn with_collation(
        mut self,
        collation: Option<std::sync::Arc<crate::collation::Collation>>,
    ) -> Pipeline {
        self.collation = collation;
        self
    }

    /// For `$merge` with `whenMatched: [...]`: the update pipeline and its `let` variables
    /// (default `{new: "$$ROOT"}`), for `apply_merge_pipeline`.
    pub fn merge_pipeline(&self) -> Option<(&[Document], &Document)> {
        self.merge_update.as_ref().map(|(p, l)| (p.as_slice(), l))
    }

    /// The first stage if it is a `$match`, so the caller can use an index.
    pub fn leading_match(&self) -> Option<&Document> {
        match self.stages.first() {
            Some(Stage::Match(_)) => self.raw.first().and_then(|s| s.get_document("$match").ok()),
            _ => None,
        }
    }

    /// Runs the pipeline over `input`.
    pub fn run(&self, input: Vec<Document>, ctx: &AggContext) -> Result<AggOutput> {
        self.run_inner(input, ctx, None)
    }

    /// Runs a pipeline whose `$match` uses `$text`: `scorer` computes each document's score
    /// from the caller's text index (None = not a match), and `{$meta: "textScore"}` reads it.
    pub fn run_scored(
        &self,
        input: Vec<Document>,
        ctx: &AggContext,
        scorer: TextScorer,
    ) -> Result<AggOutput> {
        self.run_inner(input, ctx, Some(scorer))
    }

    /// The `$text` parameters of the pipeline's `$match`, if any (so the caller knows to use
    /// `run_scored` and which text index to consult).
    pub fn text_search(&self) -> Option<&TextSearch> {
        self.stages.iter().find_map(|s| match s {
            Stage::Match(f) => f.text_search(),
            _ => None,
        })
    }

    /// Runs the pipeline over borrowed documents (a collection's records), copying only what
    /// the pipeline keeps: leading `$match` stages filter before any copy, and a `$group`
    /// right after them reads the documents in place, so `$match` + `$group` over a
    /// collection copies none of its documents.
    pub fn run_borrowed<'d>(
        &self,
        input: impl IntoIterator<Item = &'d Document>,
        ctx: &AggContext,
    ) -> Result<AggOutput> {
        let run = self.run_context(ctx, None)?;
        let out = run_refs(&self.stages, input.into_iter().collect(), &run)?;
        finish_top_level(out, &run)
    }

    /// Runs a pipeline that starts with `$group` over documents produced one at a time: the
    /// group keeps only its keys and accumulators, so each input document is dropped once
    /// grouped and a caller can build narrowed copies on the fly (see docdb's
    /// `group_input.rs`). `None` when the first stage is not `$group`.
    pub fn run_grouping(
        &self,
        input: impl Iterator<Item = Result<Document>>,
        ctx: &AggContext,
    ) -> Option<Result<AggOutput>> {
        let Some((Stage::Group(id, accs), rest)) = self.stages.split_first() else {
            return None;
        };
        let run = || -> Result<AggOutput> {
            let run = self.run_context(ctx, None)?;
            let mut failed = None;
            let docs = input.map_while(|d| match d {
                Ok(d) => Some(d),
                Err(e) => {
                    failed = Some(e);
                    None
                }
            });
            let grouped = group::group(docs, id, accs, &run.vars, run.limits)?;
            if let Some(e) = failed {
                return Err(e);
            }
            let out = run_stages(rest, grouped, &run)?;
            finish_top_level(out, &run)
        };
        Some(run())
    }

    /// The leading `$group` in its field-only form (`field_group.rs`), when it has that shape.
    pub fn field_group(&self) -> Option<FieldGroup> {
        match self.stages.first() {
            Some(Stage::Group(id, accs)) => FieldGroup::of(id, accs),
            _ => None,
        }
    }

    /// Runs a pipeline whose leading `$group` is `group` (from `field_group`) over documents
    /// given as the values of `group.fields`: `feed` calls the adder once per document, in
    /// input order (the adder consumes the values), and returns the first error it meets.
    pub fn run_field_group(
        &self,
        group: &FieldGroup,
        ctx: &AggContext,
        feed: impl FnOnce(&mut dyn FnMut(&mut [Option<Bson>]) -> Result<()>) -> Result<()>,
    ) -> Result<AggOutput> {
        let Some((Stage::Group(_, accs), rest)) = self.stages.split_first() else {
            return Err(QueryError::new(
                1,
                "InternalError",
                "run_field_group called on a pipeline that does not start with $group",
            ));
        };
        let run = self.run_context(ctx, None)?;
        let mut grouper = group::Grouper::new(accs, &run.vars, run.limits);
        feed(&mut |values| group.add(&mut grouper, values))?;
        let grouped = grouper.finish()?;
        let out = run_stages(rest, grouped, &run)?;
        finish_top_level(out, &run)
    }

    /// Runs with prepared variables over borrowed documents (sub-pipelines of `$lookup` and
    /// `$unionWith` over another collection, `$facet` over its input).
    pub fn run_refs_with(&self, input: Vec<&Document>, ctx: &RunContext) -> Result<AggOutput> {
        run_refs(&self.stages, input, ctx)
    }

    /// The run context of a top-level run: `$$NOW` and the command's `let` variables.
    fn run_context<'a>(
        &self,
        ctx: &AggContext<'a>,
        scorer: Option<TextScorer<'a>>,
    ) -> Result<RunContext<'a>> {
        let mut vars = Variables::with_now(ctx.now);
        vars.set_collation(self.collation.clone());
        vars.bind_let(&ctx.vars, &Document::new())?;
        Ok(RunContext {
            db: ctx.db.clone(),
            catalog: ctx.catalog,
            vars,
            scorer,
            limits: ctx.limits,
        })
    }

    fn run_inner(
        &self,
        input: Vec<Document>,
        ctx: &AggContext,
        scorer: Option<TextScorer>,
    ) -> Result<AggOutput> {
        let run = self.run_context(ctx, scorer)?;
        let out = self.run_with(input, &run)?;
        finish_top_level(out, &run)
    }

    /// Runs with prepared variables (sub-pipelines of `$lookup`, `$facet`, `$unionWith`).
    pub fn run_with(&self, input: Vec<Document>, ctx: &RunContext) -> Result<AggOutput> {
        run_stages(&self.stages, input, ctx)
    }
}

/// The end of a top-level run: hidden text scores removed, and every document checked
/// against the document size limit, as mongod checks what it hands to the client.
fn finish_top_level(mut out: AggOutput, ctx: &RunContext) -> Result<AggOutput> {
    for d in &mut out.documents {
        ctx.limits.tick()?;
        strip_score(d);
        ctx.limits.check_document(d)?;
    }
    Ok(out)
}

/// Runs `stages` over borrowed documents: leading `$match` stages filter before any copy,
/// and a `$group` (or `$facet`) right after them reads the documents in place.
fn run_refs(stages: &[Stage], input: Vec<&Document>, ctx: &RunContext) -> Result<AggOutput> {
    let mut refs = input;
    let mut rest = stages;
    while let Some((Stage::Match(filter), tail)) = rest.split_first()
        && filter.text_search().is_none()
    {
        let mut kept = Vec::with_capacity(refs.len());
        for d in refs {
            ctx.limits.tick()?;
            if filter.try_matches_vars(d, &ctx.vars)? {
                kept.push(d);
            }
        }
        refs = kept;
        rest = tail;
    }
    let docs = match rest.split_first() {
        Some((Stage::Group(id, accs), tail)) => {
            rest = tail;
            group::group(refs, id, accs, &ctx.vars, ctx.limits)?
        }
        Some((Stage::Facet(facets), tail)) => {
            rest = tail;
            vec![facet(facets, &refs, ctx)?]
        }
        _ => {
            let mut docs = Vec::with_capacity(refs.len());
            for d in refs {
                ctx.limits.tick()?;
                docs.push(d.clone());
            }
            docs
        }
    };
    run_stages(rest, docs, ctx)
}

/// Runs `stages` in order; `$out`/`$merge` is returned as the write to perform.
fn run_stages(stages: &[Stage], input: Vec<Document>, ctx: &RunContext) -> Result<AggOutput> {
    let mut docs = input;
    let mut write = None;
    let mut i = 0;
    while let Some(stage) = stages.get(i) {
        docs = match (stage, stages.get(i + 1)) {
            (Stage::Out(o), _) => {
                let mut o = o.clone();
                fill_db(&mut o, &ctx.db);
                write = Some(o);
                docs
            }
            // `$sort` + `$limit` keeps only the first documents, as mongod's top-k sort does.
            (Stage::Sort(spec), Some(Stage::Limit(n))) => {
                i += 1;
                sort_documents(docs, spec, Some(*n), ctx)?
            }
            _ => run_stage(stage, docs, ctx)?,
        };
        i += 1;
    }
    Ok(AggOutput {
        documents: docs,
        write,
    })
}

/// `$sort` (with the `$limit` that follows it, if any): the documents held are accounted
/// against the blocking-sort budget — all of them, or the `limit` kept by a top-k sort.
fn sort_documents(
    docs: Vec<Document>,
    spec: &SortSpec,
    limit: Option<usize>,
    ctx: &RunContext,
) -> Result<Vec<Document>> {
    let limits = ctx.limits;
    let collated;
    let spec = match ctx.vars.collation_handle() {
        Some(c) => {
            collated = spec.clone().with_collation(Some(c));
            &collated
        }
        None => spec,
    };
    // The documents are moved, not copied: they count for mongod's budget only.
    let mut budget = limits.budget(Budgeted::Sort);
    if limit.is_none() {
        for d in &docs {
            budget.add(Size::bson_only(document_size(d)))?;
        }
    }
    let mut sorted = limits.sort_by(docs, |a, b| spec.compare(a, b))?;
    if let Some(n) = limit {
        sorted.truncate(n);
        for d in &sorted {
            budget.add(Size::bson_only(document_size(d)))?;
        }
    }
    Ok(sorted)
}

/// `$facet`: every sub-pipeline reads the same input by reference; the document built is
/// limited to the stage budget (mongod's 4031700).
fn facet(facets: &[(String, Pipeline)], input: &[&Document], ctx: &RunContext) -> Result<Document> {
    let mut budget = ctx.limits.budget(Budgeted::Facet);
    let mut d = Document::new();
    for (name, p) in facets {
        let out = p.run_refs_with(input.to_vec(), ctx)?;
        for doc in &out.documents {
            budget.add_document(doc)?;
        }
        d.insert(
            name.clone(),
            Bson::Array(out.documents.into_iter().map(Bson::Document).collect()),
        );
    }
    Ok(d)
}

/// Applies `$merge`'s `whenMatched` pipeline to the matched target document, with the `let`
/// variables evaluated against the incoming document (so `$$new` is the pipeline's output
/// document).
pub fn apply_merge_pipeline(
    existing: &Document,
    incoming: &Document,
    stages: &[Document],
    lets: &Document,
    now: bson::DateTime,
) -> Result<Document> {
    let mut vars = Document::new();
    let scope = Variables::with_now(now);
    for (name, e) in lets {
        if let Some(v) = evaluate_optional(e, incoming, &scope)? {
            vars.insert(name.clone(), v);
        }
    }
    let update = crate::update::Update::parse(
        &Bson::Array(stages.iter().cloned().map(Bson::Document).collect()),
        None,
    )?;
    let mut doc = existing.clone();
    let ctx = crate::update::UpdateContext {
        is_insert: false,
        positional: None,
        now,
        vars: Some(vars),
    };
    update.apply(&mut doc, &ctx)?;
    Ok(doc)
}

fn fill_db(o: &mut OutputStage, db: &str) {
    match o {
        OutputStage::Out { db: d, .. } | OutputStage::Merge { db: d, .. } if d.is_empty() => {
            *d = db.to_string()
        }
        _ => {}
    }
}

fn parse_stage(name: &str, arg: &Bson, is_last: bool, is_first: bool) -> Result<Stage> {
    let want_doc = |arg: &Bson| -> Result<Document> {
        match arg {
            Bson::Document(d) => Ok(d.clone()),
            _ => Err(QueryError::location(
                15947,
                format!(
                    "{name} specification must be an object, found {}",
                    crate::value::type_alias(arg)
                ),
            )),
        }
    };
    Ok(match name {
        "$match" => Stage::Match(Box::new(Filter::parse_without_javascript(&want_doc(arg)?)?)),
        "$project" => Stage::Project(Box::new(Projection::parse_aggregation(&want_doc(arg)?)?)),
        "$addFields" | "$set" => {
            let mut fields = Vec::new();
            reshape::flatten_add_fields(&want_doc(arg)?, "", &mut fields)?;
            Stage::AddFields(fields)
        }
        "$unset" => {
            let paths: Vec<String> = match arg {
                Bson::String(s) => vec![s.clone()],
                Bson::Array(items) if !items.is_empty() => items
                    .iter()
                    .map(|i| match i {
                        Bson::String(s) => Ok(s.clone()),
                        _ => Err(QueryError::location(31120, "$unset specification must be a string or an array containing only string values")),
                    })
                    .collect::<Result<_>>()?,
                _ => return Err(QueryError::location(31002, "$unset specification must be a string or an array with at least one field")),
            };
            let mut spec = Document::new();
            for p in paths {
                spec.insert(p, 0);
            }
            Stage::Project(Box::new(Projection::parse_aggregation(&spec)?))
        }
        "$group" => {
            let d = want_doc(arg)?;
            let id = d.get("_id").cloned().ok_or_else(|| {
                QueryError::location(15955, "a group specification must include an _id")
            })?;
            Stage::Group(id, group::parse_accumulators(&d)?)
        }
        "$sort" => {
            let d = want_doc(arg)?;
            if d.is_empty() {
                return Err(QueryError::location(
                    15976,
                    "$sort stage must have at least one sort key",
                ));
            }
            Stage::Sort(SortSpec::parse(&d)?)
        }
        "$limit" => {
            let n = positive(name, arg, 15958)?;
            if n == 0 {
                return Err(QueryError::location(15958, "the limit must be positive"));
            }
            Stage::Limit(n)
        }
        "$skip" => Stage::Skip(positive(name, arg, 15956)?),
        "$unwind" => Stage::Unwind(reshape::Unwind::parse(arg)?),
        "$lookup" => Stage::Lookup(Box::new(lookup::Lookup::parse(arg)?)),
        "$graphLookup" => Stage::GraphLookup(Box::new(lookup::GraphLookup::parse(arg)?)),
        "$unionWith" => Stage::UnionWith(Box::new(lookup::UnionWith::parse(arg)?)),
        "$count" => match arg {
            Bson::String(s)
                if !s.is_empty() && !s.starts_with('$') && !s.contains('.') && s != "_id" =>
            {
                Stage::Count(s.clone())
            }
            _ => {
                return Err(QueryError::location(
                    40156,
                    "the count field must be a non-empty string that does not start with '$', contain '.', or equal '_id'",
                ));
            }
        },
        "$facet" => {
            let d = want_doc(arg)?;
            let mut facets = Vec::new();
            for (k, v) in &d {
                let Bson::Array(stages) = v else {
                    return Err(QueryError::location(
                        40170,
                        format!(
                            "arguments to $facet must be arrays, {k} is type {}",
                            crate::value::type_alias(v)
                        ),
                    ));
                };
                let stages: Vec<Document> = stages
                    .iter()
                    .filter_map(|s| s.as_document().cloned())
                    .collect();
                for s in &stages {
                    if let Some(n) = s.keys().next()
                        && matches!(
                            n.as_str(),
                            "$out" | "$merge" | "$facet" | "$indexStats" | "$collStats"
                        )
                    {
                        return Err(QueryError::location(
                            40600,
                            format!("{n} is not allowed to be used within a $facet stage"),
                        ));
                    }
                }
                facets.push((k.clone(), Pipeline::parse(&stages)?));
            }
            Stage::Facet(facets)
        }
        "$bucket" => Stage::Bucket(want_doc(arg)?),
        "$bucketAuto" => Stage::BucketAuto(want_doc(arg)?),
        "$sortByCount" => match arg {
            Bson::String(s) if s.starts_with('$') => Stage::SortByCount(arg.clone()),
            Bson::Document(d) if d.keys().next().is_some_and(|k| k.starts_with('$')) => {
                Stage::SortByCount(arg.clone())
            }
            _ => {
                return Err(QueryError::location(
                    40148,
                    "the sortKey specification of $sortByCount must be an expression or a field path",
                ));
            }
        },
        "$replaceRoot" => {
            let d = want_doc(arg)?;
            Stage::ReplaceRoot(d.get("newRoot").cloned().ok_or_else(|| {
                QueryError::location(40231, "no newRoot specified for the $replaceRoot stage")
            })?)
        }
        "$replaceWith" => Stage::ReplaceRoot(arg.clone()),
        "$sample" => {
            let d = want_doc(arg)?;
            let size = d
                .get("size")
                .ok_or_else(|| QueryError::location(28749, "$sample stage must specify a size"))?;
            Stage::Sample(positive(name, size, 28747)?)
        }
        "$documents" => {
            if !is_first {
                return Err(QueryError::location(
                    40602,
                    "$documents is only valid as the first stage in a pipeline",
                ));
            }
            Stage::Documents(arg.clone())
        }
        "$redact" => Stage::Redact(arg.clone()),
        "$setWindowFields" => {
            Stage::SetWindowFields(Box::new(window::SetWindowFields::parse(&want_doc(arg)?)?))
        }
        "$out" | "$merge" => {
            if !is_last {
                return Err(QueryError::location(
                    40601,
                    format!("{name} can only be the final stage in the pipeline"),
                ));
            }
            Stage::Out(parse_output(name, arg)?)
        }
        "$geoNear" | "$search" | "$searchMeta" | "$vectorSearch" | "$changeStream"
        | "$currentOp" | "$listSessions" | "$indexStats" | "$collStats" | "$planCacheStats" => {
            return Err(QueryError::not_supported(&format!("the {name} stage")));
        }
        _ => {
            return Err(QueryError::location(
                40324,
                format!("Unrecognized pipeline stage name: '{name}'"),
            ));
        }
    })
}

fn parse_output(name: &str, arg: &Bson) -> Result<OutputStage> {
    if name == "$out" {
        let (db, coll) = lookup::parse_namespace("$out", arg, None)?;
        return Ok(OutputStage::Out { db, coll });
    }
    let (into, d) = match arg {
        Bson::String(_) => (arg.clone(), Document::new()),
        Bson::Document(d) => (
            d.get("into").cloned().ok_or_else(|| {
                QueryError::location(
                    40414,
                    "BSON field '$merge.into' is missing but a required field",
                )
            })?,
            d.clone(),
        ),
        _ => {
            return Err(QueryError::location(
                51182,
                "$merge requires a string or an object",
            ));
        }
    };
    let (db, coll) = lookup::parse_namespace("$merge", &into, None)?;
    let on = match d.get("on") {
        None => vec!["_id".to_string()],
        Some(Bson::String(s)) => vec![s.clone()],
        Some(Bson::Array(items)) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        Some(_) => {
            return Err(QueryError::location(
                51186,
                "$merge 'on' must be a string or an array of strings",
            ));
        }
    };
    let when_matched = match d.get("whenMatched") {
        None => "merge".to_string(),
        Some(Bson::String(s))
            if matches!(s.as_str(), "replace" | "keepExisting" | "merge" | "fail") =>
        {
            s.clone()
        }
        Some(Bson::Array(_)) => "pipeline".to_string(),
        Some(other) => {
            return Err(QueryError::bad_value(format!(
                "Enumeration value '{}' for field 'whenMatched' is not a valid value.",
                crate::fmt::short(other)
            )));
        }
    };
    let when_not_matched = match d.get("whenNotMatched") {
        None => "insert".to_string(),
        Some(Bson::String(s)) if matches!(s.as_str(), "insert" | "discard" | "fail") => s.clone(),
        Some(other) => {
            return Err(QueryError::bad_value(format!(
                "Enumeration value '{}' for field 'whenNotMatched' is not a valid value.",
                crate::fmt::short(other)
            )));
        }
    };
    Ok(OutputStage::Merge {
        db,
        coll,
        on,
        when_matched,
        when_not_matched,
    })
}

fn strip_score(d: &mut Document) {
    d.remove(TEXT_SCORE_FIELD);
    for (_, v) in d.iter_mut() {
        if let Bson::Array(items) = v {
            for item in items {
                if let Bson::Document(inner) = item {
                    inner.remove(TEXT_SCORE_FIELD);
                }
            }
        }
    }
}

/// Carries the hidden text score over a stage that rebuilds documents, as MongoDB keeps
/// metadata across `$project` and `$replaceRoot`.
fn keep_score(from: &Document, mut to: Document) -> Result<Document> {
    if let Some(score) = from.get(TEXT_SCORE_FIELD) {
        to.insert(TEXT_SCORE_FIELD, score.clone());
    }
    Ok(to)
}

fn text_match(
    filter: &Filter,
    search: &TextSearch,
    docs: Vec<Document>,
    ctx: &RunContext,
) -> Result<Vec<Document>> {
    let Some(scorer) = ctx.scorer else {
        return Err(QueryError::new(
            27,
            "IndexNotFound",
            "text index required for $text query (create one with createIndex({field: \"text\"}))",
        ));
    };
    let mut out = Vec::new();
    for mut d in docs {
        ctx.limits.tick()?;
        let score = scorer(&d, search);
        let mctx = crate::matcher::MatchContext {
            text_score: score,
            vars: None,
        };
        if score.is_some() && filter.try_matches_with_vars(&d, &mctx, &ctx.vars)? {
            d.insert(TEXT_SCORE_FIELD, score.unwrap_or(0.0));
            out.push(d);
        }
    }
    Ok(out)
}

/// Applies `f` to every document, ticking the limits once per document.
fn each<T>(
    docs: Vec<T>,
    limits: &Limits,
    mut f: impl FnMut(T) -> Result<Document>,
) -> Result<Vec<Document>> {
    let mut out = Vec::with_capacity(docs.len());
    for d in docs {
        limits.tick()?;
        out.push(f(d)?);
    }
    Ok(out)
}

fn run_stage(stage: &Stage, docs: Vec<Document>, ctx: &RunContext) -> Result<Vec<Document>> {
    let vars = &ctx.vars;
    let limits = ctx.limits;
    Ok(match stage {
        Stage::Match(filter) => match filter.text_search() {
            Some(search) => text_match(filter, search, docs, ctx)?,
            None => {
                let mut out = Vec::new();
                for d in docs {
                    limits.tick()?;
                    if filter.try_matches_vars(&d, vars)? {
                        out.push(d);
                    }
                }
                out
            }
        },
        Stage::Project(p) => each(docs, limits, |d| {
            keep_score(&d, p.apply_with(&d, None, None, vars)?)
        })?,
        Stage::AddFields(fields) => each(docs, limits, |d| reshape::add_fields(d, fields, vars))?,
        Stage::Group(id, accs) => group::group(docs, id, accs, vars, limits)?,
        Stage::Sort(spec) => sort_documents(docs, spec, None, ctx)?,
        Stage::Limit(n) => docs.into_iter().take(*n).collect(),
        Stage::Skip(n) => docs.into_iter().skip(*n).collect(),
        Stage::Unwind(u) => {
            let mut out = Vec::new();
            let mut budget = limits.budget(Budgeted::Results("$unwind"));
            for d in docs {
                limits.tick()?;
                let before = out.len();
                u.apply(d, &mut out)?;
                for produced in &out[before..] {
                    limits.tick()?;
                    budget.add_document(produced)?;
                }
            }
            out
        }
        Stage::Lookup(l) => l.run(docs, ctx)?,
        Stage::GraphLookup(g) => g.run(docs, ctx)?,
        Stage::UnionWith(u) => u.run(docs, ctx)?,
        Stage::Count(name) => {
            if docs.is_empty() {
                Vec::new()
            } else {
                let mut d = Document::new();
                d.insert(
                    name.clone(),
                    i32::try_from(docs.len()).map_or(Bson::Int64(docs.len() as i64), Bson::Int32),
                );
                vec![d]
            }
        }
        Stage::Facet(facets) => {
            let refs: Vec<&Document> = docs.iter().collect();
            vec![facet(facets, &refs, ctx)?]
        }
        Stage::Bucket(spec) => group::bucket(docs, spec, vars, limits)?,
        Stage::BucketAuto(spec) => group::bucket_auto(docs, spec, vars, limits)?,
        Stage::SortByCount(e) => {
            let accs = vec![group::Accumulator {
                field: "count".into(),
                op: "$sum".into(),
                expr: Bson::Int32(1),
                extra: None,
            }];
            let grouped = group::group(docs, e, &accs, vars, limits)?;
            let spec = SortSpec::parse(&bson::doc! {"count": -1})?;
            limits.sort_by(grouped, |a, b| spec.compare(a, b))?
        }
        Stage::ReplaceRoot(e) => each(docs, limits, |d| {
            keep_score(&d, reshape::replace_root(&d, e, vars)?)
        })?,
        Stage::Sample(n) => {
            let mut docs = docs;
            // Fisher-Yates with the expression module's generator.
            for i in (1..docs.len()).rev() {
                let j = (crate::expr::random() * (i + 1) as f64) as usize;
                docs.swap(i, j.min(i));
            }
            docs.truncate(*n);
            docs
        }
        Stage::Documents(e) => match evaluate_optional(e, &Document::new(), vars)? {
            Some(Bson::Array(items)) => items
                .into_iter()
                .map(|i| match i {
                    Bson::Document(d) => Ok(d),
                    other => Err(QueryError::location(
                        40228,
                        format!(
                            "$documents elements must be objects, found {}",
                            crate::value::type_alias(&other)
                        ),
                    )),
                })
                .collect::<Result<_>>()?,
            _ => {
                return Err(QueryError::location(
                    5858203,
                    "$documents must evaluate to an array of objects",
                ));
            }
        },
        Stage::Redact(e) => {
            let mut out = Vec::new();
            for d in &docs {
                limits.tick()?;
                if let Some(kept) = reshape::redact(d, e, vars)? {
                    out.push(kept);
                }
            }
            out
        }
        Stage::SetWindowFields(w) => w.run(docs, vars, limits)?,
        Stage::Out(_) => docs,
    })
}

#[cfg(test)]
mod limits_tests;
#[cfg(test)]
mod tests;
