//! `$accumulator`: `{init, initArgs, accumulate, accumulateArgs, merge, finalize, lang}` in
//! `$group`, `$bucket` and `$bucketAuto`.
//!
//! As in mongod, each group's state starts from `init(...initArgs)` (initArgs evaluated on the
//! group's first document), the `accumulateArgs` of arriving documents are queued and handed to
//! `accumulate` in batches by one JavaScript loop (one crossing into the engine per batch, not
//! per document), and `finalize` turns the state into the result. `merge` is checked but never
//! called: it combines partial states of spilled or sharded groups, and this engine neither
//! spills nor shards.

use bson::{Bson, Document};

use super::code_text;
use crate::error::{QueryError, Result};
use crate::expr::{Variables, evaluate_optional};

/// Queued calls before they are run (bounds what a group holds between batches).
const BATCH: usize = 1000;

/// The loop that feeds queued argument lists to the user's `accumulate` (ours, not mongod's).
const REDUCE: &str = "function(accumulate, state, calls) {
  for (let i = 0; i < calls.length; i++) state = accumulate(state, ...calls[i]);
  return state;
}";

/// A checked `$accumulator`.
#[derive(Debug, Clone)]
pub struct AccumulatorSpec {
    pub init: String,
    pub init_args: Option<Bson>,
    pub accumulate: String,
    pub accumulate_args: Bson,
    pub merge: String,
    pub finalize: Option<String>,
}

fn function_field(name: &str, v: &Bson) -> Result<String> {
    let constant = match v {
        Bson::String(s) => !s.starts_with('$'),
        Bson::Document(_) | Bson::Array(_) => false,
        _ => true,
    };
    if !constant {
        return Err(QueryError::location(
            4544701,
            format!("$accumulator '{name}' must be a constant expression"),
        ));
    }
    code_text(v).map(str::to_string).ok_or_else(|| {
        QueryError::location(
            4544702,
            format!("$accumulator '{name}' must be a String or Code"),
        )
    })
}

impl AccumulatorSpec {
    /// Checks the spec with mongod's codes and compiles its functions (syntax errors are
    /// reported before any document is read).
    pub fn parse(arg: &Bson) -> Result<AccumulatorSpec> {
        let Bson::Document(d) = arg else {
            return Err(QueryError::location(
                4544703,
                format!(
                    "$accumulator expects an object as an argument; found: {}",
                    crate::value::type_alias(arg)
                ),
            ));
        };
        let (mut init, mut accumulate, mut merge, mut finalize) = (None, None, None, None);
        let (mut init_args, mut accumulate_args) = (None, None);
        for (name, v) in d {
            match name.as_str() {
                "init" => init = Some(function_field(name, v)?),
                "accumulate" => accumulate = Some(function_field(name, v)?),
                "merge" => merge = Some(function_field(name, v)?),
                "finalize" => finalize = Some(function_field(name, v)?),
                "initArgs" => init_args = Some(v.clone()),
                "accumulateArgs" => accumulate_args = Some(v.clone()),
                "lang" => match v {
                    Bson::String(s) if s == "js" => {}
                    Bson::String(_) => {
                        return Err(QueryError::location(
                            4544705,
                            "$accumulator only supports lang: 'js'",
                        ));
                    }
                    other => {
                        return Err(QueryError::location(
                            4544704,
                            format!(
                                "$accumulator lang must be a string; found: {}",
                                crate::value::type_alias(other)
                            ),
                        ));
                    }
                },
                _ => {
                    return Err(QueryError::location(
                        4544706,
                        format!("$accumulator got an unexpected field: {name}"),
                    ));
                }
            }
        }
        let missing = |code: i32, what: &str| {
            QueryError::location(
                code,
                format!("$accumulator missing required argument '{what}'"),
            )
        };
        let spec = AccumulatorSpec {
            init: init
                .filter(|s| !s.is_empty())
                .ok_or_else(|| missing(4544707, "init"))?,
            accumulate: accumulate
                .filter(|s| !s.is_empty())
                .ok_or_else(|| missing(4544708, "accumulate"))?,
            merge: merge
                .filter(|s| !s.is_empty())
                .ok_or_else(|| missing(4544709, "merge"))?,
            accumulate_args: accumulate_args.ok_or_else(|| missing(4544710, "accumulateArgs"))?,
            init_args,
            finalize,
        };
        for code in [&spec.init, &spec.accumulate, &spec.merge] {
            super::compile(code)?;
        }
        if let Some(f) = &spec.finalize {
            super::compile(f)?;
        }
        Ok(spec)
    }
}

/// One group's `$accumulator` while documents arrive.
#[derive(Debug, Default)]
pub struct AccumulatorState {
    state: Option<Bson>,
    pending: Vec<Bson>,
}

impl AccumulatorState {
    /// Adds one document: starts the state on the group's first document, queues its
    /// arguments, and runs the queue once it is a batch long.
    pub fn add(&mut self, spec: &AccumulatorSpec, doc: &Document, vars: &Variables) -> Result<()> {
        if self.state.is_none() {
            let args = match &spec.init_args {
                None => Vec::new(),
                Some(e) => match evaluate_optional(e, doc, vars)? {
                    Some(Bson::Array(items)) => items,
                    other => {
                        return Err(QueryError::location(
                            4544711,
                            format!(
                                "$accumulator initArgs must evaluate to an array: {}",
                                crate::fmt::short(&other.unwrap_or(Bson::Null))
                            ),
                        ));
                    }
                },
            };
            self.state = Some(super::call(&spec.init, &args)?);
        }
        match evaluate_optional(&spec.accumulate_args, doc, vars)? {
            Some(args @ Bson::Array(_)) => self.pending.push(args),
            other => {
                return Err(QueryError::location(
                    4544712,
                    format!(
                        "$accumulator accumulateArgs must evaluate to an array: {}",
                        crate::fmt::short(&other.unwrap_or(Bson::Null))
                    ),
                ));
            }
        }
        if self.pending.len() >= BATCH {
            self.reduce(spec)?;
        }
        Ok(())
    }

    fn reduce(&mut self, spec: &AccumulatorSpec) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let calls = Bson::Array(std::mem::take(&mut self.pending));
        let state = self.state.take().unwrap_or(Bson::Null);
        self.state = Some(super::runtime::call_with_function_arg(
            REDUCE,
            &spec.accumulate,
            &[state, calls],
        )?);
        Ok(())
    }

    /// The group's value: the remaining queue run, then `finalize` (or the state itself).
    pub fn finish(mut self, spec: &AccumulatorSpec) -> Result<Bson> {
        self.reduce(spec)?;
        let state = self.state.take().unwrap_or(Bson::Null);
        match &spec.finalize {
            Some(f) => super::call(f, &[state]),
            None => Ok(state),
        }
    }
}
