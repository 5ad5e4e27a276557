//! Predicates on one path ("leaf" expressions) and MongoDB's implicit array traversal.
//!
//! A path predicate is tested against every *candidate* the path reaches: a field crossed by an
//! array continues into each element document, and at the end of the path an array is offered
//! both whole and element by element (except to `$size` and `$elemMatch`, which look at the array
//! itself). A path that reaches nothing yields a *missing* candidate, which `null` equality
//! matches. Negations (`$ne`, `$nin`, `$not`, `$exists: false`) are applied to the whole path
//! result, not per candidate, which is what makes `{a: {$ne: 1}}` reject `{a: [1, 2]}`.

use super::Node;
use super::bits::{self, BitTest};
use super::regex::Pattern as Regex;
use crate::collation::Collation;
use crate::error::Result;
use crate::number;
use crate::path::array_index;
use crate::value::{compare_with, type_number, type_order};
use bson::{Bson, Document};
use std::cmp::Ordering;

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    Gt,
    Gte,
    Lt,
    Lte,
}

/// A `$type` selector: a BSON type number, or "number" (any numeric type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeSel {
    Number,
    Code(i32),
}

/// A predicate on the values at one path.
#[derive(Debug, Clone)]
pub enum Pred {
    Eq(Bson),
    Cmp(CmpOp, Bson),
    Regex(Regex, Bson),
    In(Vec<Bson>, Vec<(Regex, Bson)>),
    Exists,
    Type(Vec<TypeSel>),
    Size(usize),
    ElemObject(Box<Node>),
    ElemValue(Vec<Pred>),
    All(Vec<Pred>),
    Not(Box<Pred>),
    Mod(i64, i64),
    Bits(BitTest, Vec<u32>),
    /// `$geoWithin`, `$geoIntersects`, `$near`, `$nearSphere` (see `crate::geo`).
    Geo(std::sync::Arc<crate::geo::GeoQuery>),
    Never,
}

/// One value reached by a path, or the absence of one, with the index of the first array
/// element crossed (for the positional `$` operator).
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    pub value: Option<&'a Bson>,
    pub position: Option<usize>,
}

/// Collects the candidates of `parts` in `doc`.
pub fn candidates<'a>(
    doc: &'a Document,
    parts: &[&str],
    expand_leaf_arrays: bool,
) -> Vec<Candidate<'a>> {
    let mut out = Vec::new();
    walk_doc(doc, parts, None, expand_leaf_arrays, &mut out);
    out
}

fn walk_doc<'a>(
    doc: &'a Document,
    parts: &[&str],
    position: Option<usize>,
    expand: bool,
    out: &mut Vec<Candidate<'a>>,
) {
    let Some((first, rest)) = parts.split_first() else {
        return;
    };
    match crate::path::field(doc, first) {
        None => out.push(Candidate {
            value: None,
            position,
        }),
        Some(v) => walk_value(v, rest, position, expand, out),
    }
}

fn walk_value<'a>(
    v: &'a Bson,
    rest: &[&str],
    position: Option<usize>,
    expand: bool,
    out: &mut Vec<Candidate<'a>>,
) {
    if rest.is_empty() {
        out.push(Candidate {
            value: Some(v),
            position,
        });
        if expand && let Bson::Array(items) = v {
            for (i, item) in items.iter().enumerate() {
                out.push(Candidate {
                    value: Some(item),
                    position: position.or(Some(i)),
                });
            }
        }
        return;
    }
    match v {
        Bson::Document(d) => walk_doc(d, rest, position, expand, out),
        Bson::Array(items) => {
            if let Some(i) = array_index(rest[0])
                && let Some(item) = items.get(i)
            {
                walk_value(item, &rest[1..], position, expand, out);
            }
            for (i, item) in items.iter().enumerate() {
                if let Bson::Document(d) = item {
                    walk_doc(d, rest, position.or(Some(i)), expand, out);
                }
            }
        }
        _ => out.push(Candidate {
            value: None,
            position,
        }),
    }
}

impl Pred {
    /// Whether the leaf arrays are also offered element by element.
    fn expands_arrays(&self) -> bool {
        !matches!(
            self,
            Pred::Size(_) | Pred::ElemObject(_) | Pred::ElemValue(_) | Pred::Geo(_)
        )
    }

    /// Tests the predicate on a document path. `Some(position)` on match.
    pub fn eval_path(
        &self,
        doc: &Document,
        parts: &[&str],
        ctx: &super::EvalContext,
    ) -> Result<Option<Option<usize>>> {
        match self {
            Pred::Not(inner) => Ok(match inner.eval_path(doc, parts, ctx)? {
                Some(_) => None,
                None => Some(None),
            }),
            Pred::All(list) => {
                let mut position = None;
                for p in list {
                    match p.eval_path(doc, parts, ctx)? {
                        None => return Ok(None),
                        Some(pos) => position = position.or(pos),
                    }
                }
                Ok(Some(position))
            }
            _ => {
                // The common case, a top-level field holding no array, has one candidate:
                // test it without building the candidate list.
                if let [name] = parts {
                    let value = crate::path::field(doc, name);
                    if !matches!(value, Some(Bson::Array(_))) {
                        let c = Candidate {
                            value,
                            position: None,
                        };
                        return Ok(self.eval_candidate(c, ctx)?.map(|pos| pos.or(c.position)));
                    }
                }
                for c in candidates(doc, parts, self.expands_arrays()) {
                    if let Some(pos) = self.eval_candidate(c, ctx)? {
                        return Ok(Some(pos.or(c.position)));
                    }
                }
                Ok(None)
            }
        }
    }

    /// `eval_path` for a one-component path, given that field's value (`None`: missing)
    /// instead of the document: the same candidates, so the same answer. Scans over packed
    /// documents read the field from the raw bytes and test it here.
    pub fn eval_value(
        &self,
        value: Option<&Bson>,
        ctx: &super::EvalContext,
    ) -> Result<Option<Option<usize>>> {
        match self {
            Pred::Not(inner) => Ok(match inner.eval_value(value, ctx)? {
                Some(_) => None,
                None => Some(None),
            }),
            Pred::All(list) => {
                let mut position = None;
                for p in list {
                    match p.eval_value(value, ctx)? {
                        None => return Ok(None),
                        Some(pos) => position = position.or(pos),
                    }
                }
                Ok(Some(position))
            }
            _ => {
                let mut out = Vec::new();
                match value {
                    None => out.push(Candidate {
                        value: None,
                        position: None,
                    }),
                    Some(v) => walk_value(v, &[], None, self.expands_arrays(), &mut out),
                }
                for c in out {
                    if let Some(pos) = self.eval_candidate(c, ctx)? {
                        return Ok(Some(pos.or(c.position)));
                    }
                }
                Ok(None)
            }
        }
    }

    /// Tests one candidate; the inner position is set by `$elemMatch` (the matched element).
    fn eval_candidate(
        &self,
        c: Candidate,
        ctx: &super::EvalContext,
    ) -> Result<Option<Option<usize>>> {
        let hit = |b: bool| if b { Some(None) } else { None };
        let Some(v) = c.value else {
            return Ok(hit(self.matches_missing()));
        };
        Ok(match self {
            Pred::ElemObject(node) => {
                if let Bson::Array(items) = v {
                    for (i, item) in items.iter().enumerate() {
                        let matched = match item {
                            Bson::Document(d) => node.eval(d, ctx)?.is_some(),
                            Bson::Array(inner) => {
                                node.eval(&array_as_document(inner), ctx)?.is_some()
                            }
                            _ => false,
                        };
                        if matched {
                            return Ok(Some(Some(i)));
                        }
                    }
                }
                None
            }
            Pred::ElemValue(preds) => {
                if let Bson::Array(items) = v {
                    for (i, item) in items.iter().enumerate() {
                        let mut all = true;
                        for p in preds {
                            if !p.matches_value(item, ctx)? {
                                all = false;
                                break;
                            }
                        }
                        if all {
                            return Ok(Some(Some(i)));
                        }
                    }
                }
                None
            }
            _ => hit(self.matches_value(v, ctx)?),
        })
    }

    /// True when a missing field satisfies the predicate (null equality, `$gte/$lte: null`).
    fn matches_missing(&self) -> bool {
        match self {
            Pred::Eq(Bson::Null) => true,
            Pred::Cmp(CmpOp::Gte | CmpOp::Lte, Bson::Null) => true,
            Pred::In(values, _) => values.iter().any(|v| matches!(v, Bson::Null)),
            _ => false,
        }
    }

    /// Tests the predicate on a single value, with no traversal (used per candidate and by the
    /// value form of `$elemMatch`).
    pub fn matches_value(&self, v: &Bson, ctx: &super::EvalContext) -> Result<bool> {
        let collation = ctx.collation();
        Ok(match self {
            Pred::Eq(target) => equals_with(v, target, collation),
            Pred::Cmp(op, target) => compare_op_with(*op, v, target, collation),
            Pred::Regex(re, source) => regex_matches(re, source, v),
            Pred::In(values, regexes) => {
                values.iter().any(|t| equals_with(v, t, collation))
                    || regexes
                        .iter()
                        .any(|(re, source)| regex_matches(re, source, v))
            }
            Pred::Exists => true,
            Pred::Type(sels) => sels.iter().any(|s| match s {
                TypeSel::Number => number::is_number(v),
                TypeSel::Code(code) => type_number(v) == *code,
            }),
            Pred::Size(n) => matches!(v, Bson::Array(items) if items.len() == *n),
            Pred::ElemObject(_) | Pred::ElemValue(_) => self
                .eval_candidate(
                    Candidate {
                        value: Some(v),
                        position: None,
                    },
                    ctx,
                )?
                .is_some(),
            Pred::All(list) => {
                for p in list {
                    if !p.matches_value(v, ctx)? {
                        return Ok(false);
                    }
                }
                true
            }
            Pred::Not(inner) => !inner.matches_value_expanded(v, ctx)?,
            Pred::Mod(divisor, remainder) => {
                let x = number::to_f64(v).unwrap_or(f64::NAN);
                if !number::is_number(v) || !x.is_finite() {
                    false
                } else {
                    let x = bits::integral_i64(v).unwrap_or(x.trunc() as i64);
                    x.checked_rem(*divisor) == Some(*remainder)
                }
            }
            Pred::Bits(kind, positions) => bits::test(*kind, positions, v),
            Pred::Geo(q) => q.matches_value(v),
            Pred::Never => false,
        })
    }

    /// Inside `$elemMatch` value form, `$not` still sees an array element's own elements.
    fn matches_value_expanded(&self, v: &Bson, ctx: &super::EvalContext) -> Result<bool> {
        if self.matches_value(v, ctx)? {
            return Ok(true);
        }
        if let (true, Bson::Array(items)) = (self.expands_arrays(), v) {
            for item in items {
                if self.matches_value(item, ctx)? {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    }
}

/// An array seen as a document keyed "0", "1", ... (how `$elemMatch` reads nested arrays).
pub fn array_as_document(items: &[Bson]) -> Document {
    items
        .iter()
        .enumerate()
        .map(|(i, v)| (i.to_string(), v.clone()))
        .collect()
}

/// Query equality: same type bracket and equal value.
pub fn equals(v: &Bson, target: &Bson) -> bool {
    equals_with(v, target, None)
}

/// Query equality with strings compared under a collation.
pub fn equals_with(v: &Bson, target: &Bson, collation: Option<&Collation>) -> bool {
    type_order(v) == type_order(target) && compare_with(v, target, collation) == Ordering::Equal
}

fn is_nan(v: &Bson) -> bool {
    number::is_number(v) && number::to_f64(v).is_some_and(f64::is_nan)
}

/// Range comparison restricted to one type bracket; MinKey/MaxKey operands compare with
/// everything; NaN only equals NaN.
pub fn compare_op(op: CmpOp, v: &Bson, target: &Bson) -> bool {
    compare_op_with(op, v, target, None)
}

/// `compare_op` with strings compared under a collation.
pub fn compare_op_with(op: CmpOp, v: &Bson, target: &Bson, collation: Option<&Collation>) -> bool {
    if type_order(v) != type_order(target) {
        return match target {
            Bson::MinKey => matches!(op, CmpOp::Gt | CmpOp::Gte),
            Bson::MaxKey => matches!(op, CmpOp::Lt | CmpOp::Lte),
            _ => false,
        };
    }
    if is_nan(v) || is_nan(target) {
        return is_nan(v) && is_nan(target) && matches!(op, CmpOp::Gte | CmpOp::Lte);
    }
    let o = compare_with(v, target, collation);
    match op {
        CmpOp::Gt => o == Ordering::Greater,
        CmpOp::Gte => o != Ordering::Less,
        CmpOp::Lt => o == Ordering::Less,
        CmpOp::Lte => o != Ordering::Greater,
    }
}

fn regex_matches(re: &Regex, source: &Bson, v: &Bson) -> bool {
    match v {
        Bson::String(s) | Bson::Symbol(s) => re.is_match(s),
        Bson::RegularExpression(_) => equals(v, source),
        _ => false,
    }
}
