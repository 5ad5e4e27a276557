//! Query filters: parsing `{field: {$op: value}, $and: [...]}` into a tree, and matching it.
//!
//! Parsing happens once and reports every malformed operator with MongoDB's code and message,
//! so matching (run per document) cannot fail on the filter's shape. The tree has logical nodes
//! (`$and`, `$or`, `$nor`), whole-document nodes (`$expr`, `$jsonSchema`, `$text`) and path nodes
//! holding a predicate; path semantics (array traversal, null vs missing, negation) live in
//! `leaf`, bit tests in `bits`, regex translation in `regex`.

mod bits;
pub mod leaf;
pub mod regex;

use crate::collation::Collation;
use crate::error::{QueryError, Result};
use crate::expr::{self, Variables};
use crate::schema::Schema;
use crate::text::TextSearch;
use crate::value::{alias_to_type_number, is_truthy};
use bits::BitTest;
use bson::{Bson, Document};
use leaf::{CmpOp, Pred, TypeSel};
use std::sync::Arc;

/// Caller-supplied context for matching.
#[derive(Debug, Clone, Copy, Default)]
pub struct MatchContext<'a> {
    /// Text score computed by the caller from its text index; None = no match for `$text`.
    pub text_score: Option<f64>,
    /// `let` variables visible to `$expr`.
    pub vars: Option<&'a Document>,
}

/// What matching needs besides the document: the text score and `$expr` variables.
pub struct EvalContext {
    text_score: Option<f64>,
    vars: Variables,
}

impl EvalContext {
    /// The collation string comparisons follow.
    pub fn collation(&self) -> Option<&crate::collation::Collation> {
        self.vars.collation()
    }

    fn from_match_context(ctx: &MatchContext) -> EvalContext {
        let mut vars = Variables::new();
        if let Some(user) = ctx.vars {
            for (k, v) in user {
                vars.set(k, v.clone());
            }
        }
        EvalContext {
            text_score: ctx.text_score,
            vars,
        }
    }

    /// Context with prepared variables (used by `$match` inside pipelines and `$lookup`).
    pub fn with_variables(vars: Variables) -> EvalContext {
        EvalContext {
            text_score: None,
            vars,
        }
    }
}

/// A node of the parsed filter tree.
#[derive(Debug, Clone)]
pub enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Nor(Vec<Node>),
    Path {
        path: String,
        pred: Pred,
    },
    Expr(Bson),
    Schema(Box<Schema>),
    Text,
    Always(bool),
    /// `$where`: JavaScript source, run with `this` bound to the document.
    Where(String),
}

impl Node {
    /// `Some(position)` when the document matches.
    pub fn eval(&self, doc: &Document, ctx: &EvalContext) -> Result<Option<Option<usize>>> {
        match self {
            Node::And(children) => {
                let mut position = None;
                for c in children {
                    match c.eval(doc, ctx)? {
                        None => return Ok(None),
                        Some(p) => position = position.or(p),
                    }
                }
                Ok(Some(position))
            }
            Node::Or(children) => {
                for c in children {
                    if let Some(p) = c.eval(doc, ctx)? {
                        return Ok(Some(p));
                    }
                }
                Ok(None)
            }
            Node::Nor(children) => {
                for c in children {
                    if c.eval(doc, ctx)?.is_some() {
                        return Ok(None);
                    }
                }
                Ok(Some(None))
            }
            Node::Path { path, pred } => {
                if !path.contains('.') {
                    // No allocation for the usual top-level field.
                    return pred.eval_path(doc, &[path.as_str()], ctx);
                }
                let parts: Vec<&str> = path.split('.').collect();
                pred.eval_path(doc, &parts, ctx)
            }
            Node::Expr(e) => {
                let v = expr::evaluate(e, doc, &ctx.vars)?;
                Ok(is_truthy(&v).then_some(None))
            }
            Node::Schema(s) => Ok(s.validate(doc).then_some(None)),
            Node::Text => Ok(ctx.text_score.is_some().then_some(None)),
            Node::Always(b) => Ok(b.then_some(None)),
            Node::Where(code) => Ok(crate::js::run_predicate(code, doc)?.then_some(None)),
        }
    }
}

/// A parsed query filter.
#[derive(Debug, Clone)]
pub struct Filter {
    root: Node,
    text: Option<TextSearch>,
    /// The operation's collation, applied to every evaluation that does not bring its own.
    collation: Option<Arc<Collation>>,
}

impl Filter {
    /// Parses a command's filter (find, count, distinct, delete, update, findAndModify: where
    /// mongod runs `$where`); malformed operators are reported with MongoDB's codes.
    pub fn parse(filter: &Document) -> Result<Filter> {
        Filter::parse_with(filter, Level::Top(true))
    }

    /// [`Filter::parse`], named so at call sites that mean to run `$where`.
    pub fn parse_allowing_javascript(filter: &Document) -> Result<Filter> {
        Filter::parse_with(filter, Level::Top(true))
    }

    /// Parses a filter where mongod refuses `$where` with "not allowed in this context":
    /// pipelines (`$match`, `$lookup`, `$graphLookup`), validators, partial index filters,
    /// `$pull` conditions, array filters and `$elemMatch` projections.
    pub fn parse_without_javascript(filter: &Document) -> Result<Filter> {
        Filter::parse_with(filter, Level::Top(false))
    }

    fn parse_with(filter: &Document, level: Level) -> Result<Filter> {
        let mut text = None;
        let root = parse_document(filter, &mut text, level)?;
        Ok(Filter {
            root,
            text,
            collation: None,
        })
    }

    /// This filter with string comparisons under `collation` (None: binary).
    pub fn with_collation(mut self, collation: Option<Arc<Collation>>) -> Filter {
        self.collation = collation;
        self
    }

    /// The collation the filter compares strings with.
    pub fn collation(&self) -> Option<&Arc<Collation>> {
        self.collation.as_ref()
    }

    fn collated(&self, mut ctx: EvalContext) -> EvalContext {
        if ctx.vars.collation().is_none() && self.collation.is_some() {
            ctx.vars.set_collation(self.collation.clone());
        }
        ctx
    }

    /// True when the document matches (errors raised by `$expr` count as no match; use
    /// `try_matches_with` to see them).
    pub fn matches(&self, doc: &Document) -> bool {
        self.matches_with(doc, &MatchContext::default())
    }

    /// Match plus the array index the filter matched inside, for positional `$`.
    pub fn matches_positional(&self, doc: &Document) -> (bool, Option<usize>) {
        let ctx = self.collated(EvalContext::from_match_context(&MatchContext::default()));
        match self.root.eval(doc, &ctx) {
            Ok(Some(pos)) => (true, pos),
            _ => (false, None),
        }
    }

    /// Top-level `field == value` conditions (plain values and `$eq`, also inside a top-level
    /// `$and`), for upsert seeds and index selection.
    pub fn equality_fields(&self) -> Vec<(String, Bson)> {
        let mut out = Vec::new();
        collect_equalities(&self.root, &mut out);
        out
    }

    /// `$text` parameters if the filter has `$text`.
    pub fn text_search(&self) -> Option<&TextSearch> {
        self.text.as_ref()
    }

    /// Match with a text score and `$expr` variables.
    pub fn matches_with(&self, doc: &Document, ctx: &MatchContext) -> bool {
        self.try_matches_with(doc, ctx).unwrap_or(false)
    }

    /// Like `matches_with` but reports `$expr` evaluation errors.
    pub fn try_matches_with(&self, doc: &Document, ctx: &MatchContext) -> Result<bool> {
        let ctx = self.collated(EvalContext::from_match_context(ctx));
        Ok(self.root.eval(doc, &ctx)?.is_some())
    }

    /// Match with prepared variables (pipelines pass `$$NOW` and `let` through here).
    pub fn try_matches_vars(&self, doc: &Document, vars: &Variables) -> Result<bool> {
        let ctx = self.collated(EvalContext::with_variables(vars.clone()));
        Ok(self.root.eval(doc, &ctx)?.is_some())
    }

    /// Match with a text score and prepared variables.
    pub fn try_matches_with_vars(
        &self,
        doc: &Document,
        ctx: &MatchContext,
        vars: &Variables,
    ) -> Result<bool> {
        let ctx = self.collated(EvalContext {
            text_score: ctx.text_score,
            vars: vars.clone(),
        });
        Ok(self.root.eval(doc, &ctx)?.is_some())
    }

    /// The parsed tree.
    pub fn root(&self) -> &Node {
        &self.root
    }

    /// The filter with its evaluation context (variables, `$$NOW`, collation) built once, for
    /// matching many documents: scans call this instead of building it per document.
    pub fn prepare(&self, ctx: &MatchContext) -> Prepared<'_> {
        Prepared {
            filter: self,
            ctx: self.collated(EvalContext::from_match_context(ctx)),
        }
    }
}

/// A filter ready to match many documents under one context (see [`Filter::prepare`]).
pub struct Prepared<'f> {
    filter: &'f Filter,
    ctx: EvalContext,
}

impl Prepared<'_> {
    /// As [`Filter::matches_with`] (errors raised by `$expr` count as no match).
    pub fn matches(&self, doc: &Document) -> bool {
        matches!(self.filter.root.eval(doc, &self.ctx), Ok(Some(_)))
    }

    /// As [`Filter::matches_positional`].
    pub fn matches_positional(&self, doc: &Document) -> (bool, Option<usize>) {
        match self.filter.root.eval(doc, &self.ctx) {
            Ok(Some(pos)) => (true, pos),
            _ => (false, None),
        }
    }

    /// The top-level fields the filter reads, when it reads nothing else: every condition is
    /// on a field path without dots (and `$and`/`$or`/`$nor` of such). `None` when some
    /// condition needs the whole document (`$expr`, `$where`, `$jsonSchema`, `$text`) or a
    /// dotted path. Such a filter can be decided from those fields' values alone.
    pub fn top_level_fields(&self) -> Option<Vec<&str>> {
        fn walk<'n>(node: &'n Node, out: &mut Vec<&'n str>) -> bool {
            match node {
                Node::And(c) | Node::Or(c) | Node::Nor(c) => c.iter().all(|n| walk(n, out)),
                Node::Path { path, .. } if !path.contains('.') && !path.is_empty() => {
                    if !out.contains(&path.as_str()) {
                        out.push(path);
                    }
                    true
                }
                Node::Always(_) => true,
                _ => false,
            }
        }
        let mut out = Vec::new();
        walk(&self.filter.root, &mut out).then_some(out)
    }

    /// [`Prepared::matches_positional`] from the values of `fields` (as returned by
    /// [`Prepared::top_level_fields`]; `None` for a missing field), without the document.
    pub fn matches_fields(
        &self,
        fields: &[&str],
        values: &[Option<Bson>],
    ) -> (bool, Option<usize>) {
        fn eval(
            node: &Node,
            fields: &[&str],
            values: &[Option<Bson>],
            ctx: &EvalContext,
        ) -> Result<Option<Option<usize>>> {
            match node {
                Node::And(children) => {
                    let mut position = None;
                    for c in children {
                        match eval(c, fields, values, ctx)? {
                            None => return Ok(None),
                            Some(p) => position = position.or(p),
                        }
                    }
                    Ok(Some(position))
                }
                Node::Or(children) => {
                    for c in children {
                        if let Some(p) = eval(c, fields, values, ctx)? {
                            return Ok(Some(p));
                        }
                    }
                    Ok(None)
                }
                Node::Nor(children) => {
                    for c in children {
                        if eval(c, fields, values, ctx)?.is_some() {
                            return Ok(None);
                        }
                    }
                    Ok(Some(None))
                }
                Node::Path { path, pred } => {
                    let value = fields
                        .iter()
                        .position(|f| *f == path)
                        .and_then(|i| values.get(i))
                        .and_then(Option::as_ref);
                    pred.eval_value(value, ctx)
                }
                Node::Always(b) => Ok(b.then_some(None)),
                // Excluded by `top_level_fields`.
                _ => Ok(None),
            }
        }
        match eval(&self.filter.root, fields, values, &self.ctx) {
            Ok(Some(pos)) => (true, pos),
            _ => (false, None),
        }
    }
}

fn collect_equalities(node: &Node, out: &mut Vec<(String, Bson)>) {
    match node {
        Node::And(children) => children.iter().for_each(|c| collect_equalities(c, out)),
        Node::Path { path, pred } => match pred {
            Pred::Eq(v) => out.push((path.clone(), v.clone())),
            Pred::All(list) => {
                for p in list {
                    if let Pred::Eq(v) = p {
                        out.push((path.clone(), v.clone()));
                    }
                }
            }
            _ => {}
        },
        _ => {}
    }
}

/// Where a filter document sits, and whether `$where` may run there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    /// The query itself (or inside its `$and`/`$or`/`$nor`); `true` when JavaScript may run.
    Top(bool),
    /// Inside `$elemMatch`: only the top level takes `$text` and `$where`.
    Nested(bool),
}

impl Level {
    fn javascript(self) -> bool {
        matches!(self, Level::Top(true) | Level::Nested(true))
    }
}

fn parse_document(filter: &Document, text: &mut Option<TextSearch>, level: Level) -> Result<Node> {
    let top = matches!(level, Level::Top(_));
    let mut nodes = Vec::new();
    for (key, value) in filter {
        if let Some(op) = key.strip_prefix('$') {
            match op {
                "and" | "or" | "nor" => {
                    let children = parse_logical(key, value, text, level)?;
                    nodes.push(match op {
                        "and" => Node::And(children),
                        "or" => Node::Or(children),
                        _ => Node::Nor(children),
                    });
                }
                "expr" => nodes.push(Node::Expr(value.clone())),
                "comment" => {}
                "jsonSchema" => match value {
                    Bson::Document(d) => nodes.push(Node::Schema(Box::new(Schema::parse(d)?))),
                    _ => return Err(QueryError::type_mismatch("$jsonSchema must be an object")),
                },
                "text" => {
                    if !top {
                        return Err(QueryError::bad_value(
                            "$text is only allowed at the top level of a query, not inside $elemMatch or $not",
                        ));
                    }
                    let Bson::Document(d) = value else {
                        return Err(QueryError::failed_to_parse("$text expects an object"));
                    };
                    if text.is_some() {
                        return Err(QueryError::bad_value("Too many text expressions"));
                    }
                    *text = Some(TextSearch::parse(d)?);
                    nodes.push(Node::Text);
                }
                "alwaysTrue" => nodes.push(Node::Always(true)),
                "alwaysFalse" => nodes.push(Node::Always(false)),
                "where" => nodes.push(parse_where(value, level)?),
                _ => {
                    return Err(QueryError::bad_value(format!(
                        "unknown top level operator: {key}. If you have a field name that starts with a '$' symbol, consider using $getField or $setField."
                    )));
                }
            }
        } else {
            nodes.push(parse_field(key, value)?);
        }
    }
    Ok(if nodes.len() == 1 {
        nodes.pop().unwrap_or(Node::And(Vec::new()))
    } else {
        Node::And(nodes)
    })
}

/// mongod's `$where` rules: not in this context (pipelines, validators...), only at the top.
fn parse_where(value: &Bson, level: Level) -> Result<Node> {
    if !level.javascript() {
        return Err(QueryError::bad_value(
            "$where is not allowed in this context",
        ));
    }
    if !matches!(level, Level::Top(_)) {
        return Err(QueryError::bad_value(
            "$where can only be applied to the top-level document",
        ));
    }
    Ok(Node::Where(crate::js::parse_where(value)?))
}

fn parse_logical(
    key: &str,
    value: &Bson,
    text: &mut Option<TextSearch>,
    level: Level,
) -> Result<Vec<Node>> {
    let Bson::Array(items) = value else {
        return Err(QueryError::bad_value(format!("{key} must be an array")));
    };
    if items.is_empty() {
        return Err(QueryError::bad_value(
            "$and/$or/$nor must be a nonempty array",
        ));
    }
    items
        .iter()
        .map(|item| match item {
            Bson::Document(d) => parse_document(d, text, level),
            _ => Err(QueryError::bad_value(format!(
                "$or/$and/$nor entries need to be full objects, got {}",
                crate::fmt::short(item)
            ))),
        })
        .collect()
}

/// True when a document is an operator document (its first key starts with `$`).
fn is_operator_document(d: &Document) -> bool {
    d.keys().next().is_some_and(|k| k.starts_with('$'))
}

fn parse_field(path: &str, value: &Bson) -> Result<Node> {
    let pred = match value {
        Bson::Document(d) if is_operator_document(d) => parse_operators(path, d)?,
        Bson::RegularExpression(r) => Pred::Regex(
            regex::compile(r.pattern.as_str(), r.options.as_str())?,
            value.clone(),
        ),
        _ => Pred::Eq(value.clone()),
    };
    Ok(Node::Path {
        path: path.to_string(),
        pred,
    })
}

/// Parses `{$gt: 1, $lt: 5, ...}` for one path into a conjunction of predicates.
fn parse_operators(path: &str, ops: &Document) -> Result<Pred> {
    // `$near`/`$nearSphere` read their `$maxDistance`/`$minDistance` siblings: one predicate.
    if ops.contains_key("$near") || ops.contains_key("$nearSphere") {
        let near = crate::geo::query::parse_near(ops)?;
        return Ok(Pred::Geo(Arc::new(crate::geo::GeoQuery::Near(near))));
    }
    let mut preds = Vec::new();
    let regex_source = ops.get("$regex");
    let options = ops.get("$options");
    if options.is_some() && regex_source.is_none() {
        return Err(QueryError::bad_value(format!(
            "$options needs a $regex (on '{path}')"
        )));
    }
    for (op, arg) in ops {
        let pred = match op.as_str() {
            "$options" => continue,
            "$regex" => parse_regex(arg, options)?,
            _ => parse_operator(path, op, arg)?,
        };
        preds.push(pred);
    }
    Ok(if preds.len() == 1 {
        preds.pop().unwrap_or(Pred::Never)
    } else {
        Pred::All(preds)
    })
}

fn parse_regex(source: &Bson, options: Option<&Bson>) -> Result<Pred> {
    let extra = match options {
        None => String::new(),
        Some(Bson::String(s)) => s.clone(),
        Some(_) => return Err(QueryError::bad_value("$options has to be a string")),
    };
    let (pattern, flags) = match source {
        Bson::String(s) => (s.clone(), extra),
        Bson::RegularExpression(r) => {
            if !extra.is_empty() && !r.options.as_str().is_empty() {
                return Err(QueryError::bad_value(
                    "options set in both $regex and $options",
                ));
            }
            (
                r.pattern.as_str().to_string(),
                format!("{}{}", r.options.as_str(), extra),
            )
        }
        _ => return Err(QueryError::bad_value("$regex has to be a string")),
    };
    let re = regex::compile(&pattern, &flags)?;
    let mut sorted: Vec<char> = flags.chars().collect();
    sorted.sort_unstable();
    let flags: String = sorted.into_iter().collect();
    let source = Bson::RegularExpression(bson::Regex {
        pattern: pattern
            .try_into()
            .map_err(|_| QueryError::bad_value("regular expression cannot contain a NUL byte"))?,
        options: flags
            .try_into()
            .map_err(|_| QueryError::bad_value("regex options cannot contain a NUL byte"))?,
    });
    Ok(Pred::Regex(re, source))
}

fn parse_operator(path: &str, op: &str, arg: &Bson) -> Result<Pred> {
    Ok(match op {
        "$eq" => Pred::Eq(arg.clone()),
        "$ne" => Pred::Not(Box::new(Pred::Eq(arg.clone()))),
        "$gt" => Pred::Cmp(CmpOp::Gt, arg.clone()),
        "$gte" => Pred::Cmp(CmpOp::Gte, arg.clone()),
        "$lt" => Pred::Cmp(CmpOp::Lt, arg.clone()),
        "$lte" => Pred::Cmp(CmpOp::Lte, arg.clone()),
        "$in" => parse_in(op, arg)?,
        "$nin" => Pred::Not(Box::new(parse_in(op, arg)?)),
        "$exists" => {
            if is_truthy(arg) {
                Pred::Exists
            } else {
                Pred::Not(Box::new(Pred::Exists))
            }
        }
        "$type" => Pred::Type(parse_types(arg)?),
        "$size" => Pred::Size(parse_size(arg)?),
        "$all" => parse_all(path, arg)?,
        "$elemMatch" => parse_elem_match(arg)?,
        "$mod" => parse_mod(arg)?,
        "$not" => match arg {
            Bson::Document(d) if !d.is_empty() && is_operator_document(d) => {
                Pred::Not(Box::new(parse_operators(path, d)?))
            }
            Bson::RegularExpression(r) => Pred::Not(Box::new(Pred::Regex(
                regex::compile(r.pattern.as_str(), r.options.as_str())?,
                arg.clone(),
            ))),
            Bson::Document(d) if d.is_empty() => {
                return Err(QueryError::bad_value("$not cannot be empty"));
            }
            _ => return Err(QueryError::bad_value("$not needs a regex or a document")),
        },
        "$comment" => Pred::All(Vec::new()),
        "$geoWithin" | "$within" | "$geoIntersects" => {
            Pred::Geo(Arc::new(crate::geo::query::parse(op, arg)?))
        }
        _ => {
            if let Some(kind) = BitTest::from_operator(op) {
                Pred::Bits(kind, bits::parse_mask(op, arg)?)
            } else {
                return Err(QueryError::bad_value(format!("unknown operator: {op}")));
            }
        }
    })
}

fn parse_in(op: &str, arg: &Bson) -> Result<Pred> {
    let Bson::Array(items) = arg else {
        return Err(QueryError::bad_value(format!("{op} needs an array")));
    };
    let mut values = Vec::new();
    let mut regexes = Vec::new();
    for item in items {
        match item {
            Bson::RegularExpression(r) => regexes.push((
                regex::compile(r.pattern.as_str(), r.options.as_str())?,
                item.clone(),
            )),
            Bson::Document(d) if is_operator_document(d) => {
                return Err(QueryError::bad_value(format!("cannot nest $ under {op}")));
            }
            _ => values.push(item.clone()),
        }
    }
    Ok(Pred::In(values, regexes))
}

fn parse_types(arg: &Bson) -> Result<Vec<TypeSel>> {
    let one = |v: &Bson| -> Result<TypeSel> {
        match v {
            Bson::String(s) if s == "number" => Ok(TypeSel::Number),
            Bson::String(s) => alias_to_type_number(s)
                .map(TypeSel::Code)
                .ok_or_else(|| QueryError::bad_value(format!("Unknown type name alias: {s}"))),
            _ => match bits::integral_i64(v) {
                Some(n) if (1..=19).contains(&n) || n == -1 || n == 127 => {
                    Ok(TypeSel::Code(n as i32))
                }
                _ => Err(QueryError::bad_value(format!(
                    "Invalid numerical type code: {}",
                    crate::fmt::short(v)
                ))),
            },
        }
    };
    match arg {
        Bson::Array(items) => items.iter().map(one).collect(),
        _ => Ok(vec![one(arg)?]),
    }
}

fn parse_size(arg: &Bson) -> Result<usize> {
    if !crate::number::is_number(arg) {
        return Err(QueryError::bad_value(format!(
            "Failed to parse $size. Expected a number in: $size: {}",
            crate::fmt::short(arg)
        )));
    }
    match bits::integral_i64(arg) {
        Some(n) if n >= 0 => {
            usize::try_from(n).map_err(|_| QueryError::bad_value("$size is too large"))
        }
        Some(n) => Err(QueryError::bad_value(format!(
            "Failed to parse $size. Expected a non-negative number in: $size: {n}"
        ))),
        None => Err(QueryError::bad_value(format!(
            "Failed to parse $size. Expected an integer in: $size: {}",
            crate::fmt::short(arg)
        ))),
    }
}

fn parse_all(path: &str, arg: &Bson) -> Result<Pred> {
    let Bson::Array(items) = arg else {
        return Err(QueryError::bad_value("$all needs an array"));
    };
    if items.is_empty() {
        return Ok(Pred::Never);
    }
    let mut preds = Vec::new();
    for item in items {
        preds.push(match item {
            Bson::Document(d) if d.keys().next().is_some_and(|k| k == "$elemMatch") => {
                parse_operators(path, d)?
            }
            Bson::Document(d) if is_operator_document(d) => {
                return Err(QueryError::bad_value("no $ expressions in $all"));
            }
            Bson::RegularExpression(r) => Pred::Regex(
                regex::compile(r.pattern.as_str(), r.options.as_str())?,
                item.clone(),
            ),
            _ => Pred::Eq(item.clone()),
        });
    }
    Ok(Pred::All(preds))
}

fn parse_elem_match(arg: &Bson) -> Result<Pred> {
    let Bson::Document(d) = arg else {
        return Err(QueryError::bad_value("$elemMatch needs an Object"));
    };
    let value_form = d.keys().next().is_some_and(|k| {
        k.starts_with('$')
            && !matches!(
                k.as_str(),
                "$and"
                    | "$or"
                    | "$nor"
                    | "$expr"
                    | "$where"
                    | "$text"
                    | "$jsonSchema"
                    | "$alwaysTrue"
                    | "$alwaysFalse"
            )
    });
    if value_form {
        let mut preds = Vec::new();
        for op in d.keys() {
            if !op.starts_with('$') {
                return Err(QueryError::bad_value(format!(
                    "unknown operator: {op} (an $elemMatch on values takes only operators)"
                )));
            }
        }
        match parse_operators("", d)? {
            Pred::All(list) => preds.extend(list),
            p => preds.push(p),
        }
        Ok(Pred::ElemValue(preds))
    } else {
        let mut text = None;
        let node = parse_document(d, &mut text, Level::Nested(true))?;
        Ok(Pred::ElemObject(Box::new(node)))
    }
}

fn parse_mod(arg: &Bson) -> Result<Pred> {
    let Bson::Array(items) = arg else {
        return Err(QueryError::bad_value("malformed mod, needs to be an array"));
    };
    if items.len() < 2 {
        return Err(QueryError::bad_value("malformed mod, not enough elements"));
    }
    if items.len() > 2 {
        return Err(QueryError::bad_value("malformed mod, too many elements"));
    }
    let num = |v: &Bson, what: &str| -> Result<i64> {
        if !crate::number::is_number(v) {
            return Err(QueryError::bad_value(format!(
                "malformed mod, {what} not a number"
            )));
        }
        let f = crate::number::to_f64(v).unwrap_or(f64::NAN);
        if !f.is_finite() {
            return Err(QueryError::bad_value(format!(
                "malformed mod, {what} is not finite"
            )));
        }
        Ok(bits::integral_i64(v).unwrap_or(f.trunc() as i64))
    };
    let divisor = num(&items[0], "divisor")?;
    let remainder = num(&items[1], "remainder")?;
    if divisor == 0 {
        return Err(QueryError::bad_value("divisor cannot be 0"));
    }
    Ok(Pred::Mod(divisor, remainder))
}

#[cfg(test)]
mod tests;
