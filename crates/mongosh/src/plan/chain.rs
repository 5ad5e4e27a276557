//! Walking `db.coll.method(...).modifier(...)` chains.
//!
//! A chain is flattened into its root (`db` or a handle variable) and a list
//! of segments (`.name`, `[expr]`, `(args)`), then walked with a small state
//! machine: database → collection → cursor → finished operation. Each state
//! knows which names are methods, so `db.a.b.find()` reaches collection
//! `a.b`, while `db.users.fnd()` fails with a suggestion.

use bson::Bson;

use super::Planned;
use super::args::Args;
use super::collection::Collection;
use super::cursor::{CursorBuilder, verbosity};
use super::database::{self, DbStep};
use crate::ast::{Element, Expr, ExprKind};
use crate::env::{Env, Handle};
use crate::error::PlanError;
use crate::operation::{Keep, Operation, Output, ResultShape};
use crate::span::Span;
use crate::value::{Evaluator, to_js_string};

/// One link of a chain.
enum Segment<'a> {
    Prop(&'a str, Span),
    Index(&'a Expr),
    Call(&'a [Element], Span),
}

/// Where the walk is.
enum State {
    Db(String),
    Collection {
        db: String,
        name: String,
    },
    Explain {
        db: String,
        name: String,
        verbosity: String,
    },
    Cursor(CursorBuilder),
    Done(Operation, Vec<Bson>),
}

/// What a chain evaluates to.
pub enum Walked {
    /// A database or collection handle (`db.getSiblingDB('x')`, `db.users`).
    Handle(Handle),
    /// Something to run.
    Operation(Operation),
}

fn flatten<'a>(expr: &'a Expr, segments: &mut Vec<Segment<'a>>) -> &'a Expr {
    match &expr.kind {
        ExprKind::Member {
            object,
            property,
            property_span,
        } => {
            let root = flatten(object, segments);
            segments.push(Segment::Prop(property, *property_span));
            root
        }
        ExprKind::Index { object, index } => {
            let root = flatten(object, segments);
            segments.push(Segment::Index(index));
            root
        }
        ExprKind::Call { callee, args } => {
            let root = flatten(callee, segments);
            segments.push(Segment::Call(args, expr.span));
            root
        }
        _ => expr,
    }
}

/// The root name of a chain (`db` in `db.users.find()`).
pub fn root_name(expr: &Expr) -> Option<&str> {
    let mut segments = Vec::new();
    match &flatten(expr, &mut segments).kind {
        ExprKind::Ident(name) => Some(name),
        _ => None,
    }
}

/// Whether `expr` is a chain on `db` or on a handle variable.
pub fn is_chain(expr: &Expr, env: &Env) -> bool {
    match root_name(expr) {
        Some("db") => env.get("db").is_none(),
        Some(name) => env.handle(name).is_some(),
        None => false,
    }
}

/// Evaluate call arguments; `forEach(printjson)` passes the printer by name.
fn arguments(
    evaluator: &mut Evaluator,
    elements: &[Element],
    method: &str,
    span: Span,
    path: &str,
) -> Result<Args, PlanError> {
    let values = if method == "forEach" {
        match elements {
            [
                Element::Value(Expr {
                    kind: ExprKind::Ident(name),
                    ..
                }),
            ] if name == "printjson" || name == "print" => {
                vec![Bson::String(name.clone())]
            }
            _ => evaluator.elements(elements).unwrap_or_default(),
        }
    } else {
        evaluator.elements(elements)?
    };
    Ok(Args {
        method: path.to_string(),
        values,
        span,
    })
}

/// Walk a chain rooted at `db` (current database `current_db`) or a handle.
pub fn walk(
    expr: &Expr,
    env: &Env,
    current_db: &str,
    evaluator: &mut Evaluator,
) -> Result<Walked, PlanError> {
    let mut segments = Vec::new();
    let root = flatten(expr, &mut segments);
    let (mut state, mut path) = match &root.kind {
        ExprKind::Ident(name) if name == "db" => {
            (State::Db(current_db.to_string()), "db".to_string())
        }
        ExprKind::Ident(name) => match env.handle(name) {
            Some(Handle::Database(db)) => (State::Db(db.clone()), name.clone()),
            Some(Handle::Collection { db, name: coll }) => (
                State::Collection {
                    db: db.clone(),
                    name: coll.clone(),
                },
                name.clone(),
            ),
            None => {
                return Err(PlanError::type_error(
                    format!("{name} is not a database or collection"),
                    root.span,
                ));
            }
        },
        _ => return Err(PlanError::type_error("not a db chain", root.span)),
    };
    let mut i = 0;
    while i < segments.len() {
        let next_call = match segments.get(i + 1) {
            Some(Segment::Call(args, span)) => Some((*args, *span)),
            _ => None,
        };
        state = match (state, &segments[i]) {
            (State::Done(op, mut picks), Segment::Prop(name, _)) if next_call.is_none() => {
                path.push_str(&format!(".{name}"));
                picks.push(Bson::String(name.to_string()));
                State::Done(op, picks)
            }
            (State::Done(op, mut picks), Segment::Index(index)) => {
                picks.push(evaluator.eval(index)?);
                path.push_str("[...]");
                State::Done(op, picks)
            }
            (State::Done(..), segment) => {
                let span = match segment {
                    Segment::Call(_, span) => *span,
                    _ => next_call.map_or(expr.span, |(_, s)| s),
                };
                return Err(PlanError::unsupported(
                    format!(
                        "calling a method on the result of {path} is not supported: assign the result first (const r = {path}) and use r in the next statement"
                    ),
                    span,
                ));
            }
            (state, Segment::Call(_, span)) => {
                return Err(
                    PlanError::type_error(format!("{path} is not a function"), *span)
                        .with_state_hint(&state),
                );
            }
            (state, Segment::Prop(name, name_span)) if next_call.is_some() => {
                let (elements, call_span) = next_call.unwrap_or((&[], expr.span));
                // Point at the method name, through the end of its arguments.
                let span = Span {
                    end: call_span.end,
                    ..*name_span
                };
                path.push_str(&format!(".{name}"));
                let mut args = arguments(evaluator, elements, name, span, &path)?;
                path.push_str("(...)");
                i += 1;
                call(state, name, &mut args)?
            }
            (State::Db(db), Segment::Prop(name, _)) => {
                path.push_str(&format!(".{name}"));
                State::Collection {
                    db,
                    name: name.to_string(),
                }
            }
            (State::Db(db), Segment::Index(index)) => {
                let name = to_js_string(&evaluator.eval(index)?);
                path.push_str(&format!("['{name}']"));
                State::Collection { db, name }
            }
            (State::Collection { db, name }, Segment::Prop(sub, _)) => {
                path.push_str(&format!(".{sub}"));
                State::Collection {
                    db,
                    name: format!("{name}.{sub}"),
                }
            }
            (State::Collection { db, name }, Segment::Index(index)) => {
                let sub = to_js_string(&evaluator.eval(index)?);
                path.push_str(&format!("['{sub}']"));
                State::Collection {
                    db,
                    name: format!("{name}.{sub}"),
                }
            }
            (_, segment) => {
                let (what, span) = match segment {
                    Segment::Prop(name, span) => (format!("{path}.{name}"), *span),
                    _ => (format!("{path}[...]"), expr.span),
                };
                return Err(PlanError::type_error(
                    format!("{what} is not supported: only method calls can follow here"),
                    span,
                ));
            }
        };
        i += 1;
    }
    Ok(match state {
        State::Db(db) => Walked::Handle(Handle::Database(db)),
        State::Collection { db, name } => Walked::Handle(Handle::Collection { db, name }),
        State::Explain { db, name, .. } => Walked::Operation(Operation::constant(Output::Text(
            format!("Explainable({db}.{name})"),
        ))),
        State::Cursor(builder) => {
            Walked::Operation(builder.into_operation(Keep::Display, ResultShape::Documents))
        }
        State::Done(mut op, picks) => {
            if !picks.is_empty() {
                op.shape = ResultShape::Pick(Box::new(op.shape), picks);
            }
            Walked::Operation(op)
        }
    })
}

fn planned(p: Planned) -> State {
    match p {
        Planned::Cursor(b) => State::Cursor(b),
        Planned::Done(op) => State::Done(op, Vec::new()),
    }
}

fn call(state: State, method: &str, args: &mut Args) -> Result<State, PlanError> {
    Ok(match state {
        State::Db(db) => match database::call(&db, method, args)? {
            DbStep::Database(name) => State::Db(name),
            DbStep::Collection(name) => State::Collection { db, name },
            DbStep::Planned(p) => planned(p),
        },
        State::Collection { db, name } if method == "explain" => {
            let verbosity = verbosity(args.get(0), args)?;
            State::Explain {
                db,
                name,
                verbosity,
            }
        }
        State::Collection { db, .. } if method == "getDB" => State::Db(db),
        State::Collection { db, name } => planned(
            Collection {
                db: &db,
                name: &name,
            }
            .call(method, args, None)?,
        ),
        State::Explain {
            db,
            name,
            verbosity,
        } => planned(
            Collection {
                db: &db,
                name: &name,
            }
            .call(method, args, Some(verbosity))?,
        ),
        State::Cursor(mut builder) => match builder.apply(method, args)? {
            None => State::Cursor(builder),
            Some(op) => State::Done(op, Vec::new()),
        },
        State::Done(op, picks) => State::Done(op, picks),
    })
}

impl PlanError {
    /// Add a hint about what the chain was when it was wrongly called.
    fn with_state_hint(mut self, state: &State) -> Self {
        if let State::Collection { name, .. } = state {
            self.message.push_str(&format!(
                " ('{name}' is a collection: call a method on it, e.g. .find())"
            ));
        }
        self
    }
}
