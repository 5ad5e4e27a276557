//! Planning statements into steps the kernel performs.
//!
//! [`plan`] turns one [`Statement`] into a [`Step`]: switch database, assign
//! a variable, or run an [`Operation`] (commands plus a result shape).
//! Database chains are walked in `chain.rs`; helpers are split by receiver
//! (`database.rs`, `collection.rs`, `cursor.rs`); argument checking is in
//! `args.rs`. Anything that is not a database chain is evaluated as a pure
//! value (`value/`), so `1 + 1` or `ObjectId()` print like in mongosh.

mod args;
mod batches;
mod chain;
mod collection;
mod cursor;
mod database;

use bson::{Bson, Document};

use crate::ast::{Element, Expr, ExprKind, Statement, StatementKind};
use crate::env::{Binding, Env, Handle};
use crate::error::PlanError;
use crate::operation::{Operation, Output, Request, RequestKind, ResultShape};
use crate::value::Evaluator;

pub use batches::WriteLimits;
pub use collection::{COLLECTION_METHODS, default_index_name};
pub use database::{DATABASE_METHODS, validate_db_name};

/// What the kernel should do for one statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Switch the current database. `message` is what mongosh prints
    /// (`switched to db shop`), or the name alone for `db = db.getSiblingDB(...)`.
    Use {
        /// The new current database.
        db: String,
        /// The text to show.
        message: String,
    },
    /// Set a variable; prints nothing.
    Assign {
        /// The variable name.
        name: String,
        /// Its value (a BSON value or a database/collection handle).
        value: Binding,
        /// Warnings to show (e.g. deprecated constructor arguments).
        warnings: Vec<String>,
    },
    /// Send commands (possibly none) and print the shaped result.
    Run(Operation),
}

/// A helper's result before the chain ends.
pub(crate) enum Planned {
    /// A cursor still open to modifiers.
    Cursor(cursor::CursorBuilder),
    /// A finished operation.
    Done(Operation),
}

/// One command as an operation, wrapped in `explain` when asked.
pub(crate) fn single_command(
    db: &str,
    command: Document,
    explain: Option<String>,
    shape: ResultShape,
    warnings: Vec<String>,
) -> Operation {
    let (command, shape) = match explain {
        Some(verbosity) => (
            cursor::explain_command(command, &verbosity),
            ResultShape::Raw,
        ),
        None => (command, shape),
    };
    Operation {
        bind: None,
        silent: false,
        requests: vec![Request {
            db: db.to_string(),
            command,
            kind: RequestKind::Command,
        }],
        shape,
        warnings,
    }
}

/// Plan one statement against the current database `db`, with writes split in batches within
/// the documented default limits (see [`plan_with_limits`]).
pub fn plan(statement: &Statement, env: &Env, db: &str) -> Result<Step, PlanError> {
    plan_with_limits(statement, env, db, &WriteLimits::default())
}

/// Plan one statement; write commands over the server's `limits` (from its `hello` reply) are
/// split into several, in order, as the drivers do.
pub fn plan_with_limits(
    statement: &Statement,
    env: &Env,
    db: &str,
    limits: &WriteLimits,
) -> Result<Step, PlanError> {
    let mut step = plan_statement(statement, env, db)?;
    if let Step::Run(op) = &mut step {
        reject_functions(op, statement)?;
        batches::split_writes(op, limits, statement.span)?;
    }
    Ok(step)
}

/// Stop before sending a command that holds a function value
/// (`db.users.find({ email: String })`).
///
/// mongosh hands such a document to js-bson, whose `serializeFunctions` is
/// off by default: the field is silently left out. For a schema sketch that
/// is harmless, but in a filter it widens the match without a word
/// (`deleteMany({ status: String })` deletes every document), and in an
/// insert the field just goes missing. A student who writes a type name
/// where a value belongs has misunderstood something, so this kernel stops
/// with an error that names the field and says what to write instead,
/// rather than run a command different from the one on screen. Binding and
/// printing such values still work exactly as in mongosh.
fn reject_functions(op: &Operation, statement: &Statement) -> Result<(), PlanError> {
    for request in &op.requests {
        let Some((path, function)) = crate::value::builtin::find_in_command(&request.command)
        else {
            continue;
        };
        let command = request.command.keys().next().cloned().unwrap_or_default();
        let field = path
            .iter()
            .rev()
            .find(|segment| segment.parse::<usize>().is_err())
            .cloned()
            .unwrap_or_default();
        let in_array = path
            .last()
            .is_some_and(|last| last.parse::<usize>().is_ok());
        let example = crate::value::builtin::example_value(function);
        let (what, fix) = if in_array {
            (
                format!("an element of field '{field}'"),
                format!("{field}: [{example}]"),
            )
        } else {
            (format!("field '{field}'"), format!("{field}: {example}"))
        };
        return Err(PlanError::type_error(
            format!(
                "{what} holds {function}, a type name, not a value: write a value instead, e.g. {fix}. \
                 (mongosh would silently leave the field out of the '{command}' command, at {}; \
                 this kernel stops so the command sent is the one you wrote)",
                path.join(".")
            ),
            statement.span,
        ));
    }
    Ok(())
}

fn plan_statement(statement: &Statement, env: &Env, db: &str) -> Result<Step, PlanError> {
    match &statement.kind {
        StatementKind::Directive { command, args } => directive(command, args, statement, db),
        StatementKind::Expr(expr) => {
            let mut evaluator = Evaluator::new(env);
            let mut op = expression(expr, env, db, &mut evaluator)?;
            op.warnings.splice(0..0, evaluator.warnings);
            Ok(Step::Run(op))
        }
        StatementKind::Declare { name, value, .. } => binding(name, value, env, db, true),
        StatementKind::Assign { name, value } if name == "db" => {
            let mut evaluator = Evaluator::new(env);
            match chain::is_chain(value, env).then(|| chain::walk(value, env, db, &mut evaluator)) {
                Some(Ok(chain::Walked::Handle(Handle::Database(new_db)))) => Ok(Step::Use {
                    message: new_db.clone(),
                    db: new_db,
                }),
                Some(Err(e)) => Err(e),
                _ => Err(PlanError::type_error(
                    "db can only be assigned a database, e.g. db = db.getSiblingDB('shop') (or write: use shop)",
                    value.span,
                )),
            }
        }
        StatementKind::Assign { name, value } => binding(name, value, env, db, false),
    }
}

fn binding(name: &str, value: &Expr, env: &Env, db: &str, silent: bool) -> Result<Step, PlanError> {
    let mut evaluator = Evaluator::new(env);
    if chain::is_chain(value, env) {
        return match chain::walk(value, env, db, &mut evaluator)? {
            chain::Walked::Handle(handle) => Ok(Step::Assign {
                name: name.to_string(),
                value: Binding::Handle(handle),
                warnings: evaluator.warnings,
            }),
            chain::Walked::Operation(mut op) => {
                op.bind = Some(name.to_string());
                op.silent = silent;
                // A bound cursor keeps all its documents: the variable holds them.
                for request in &mut op.requests {
                    if let RequestKind::Cursor { keep } = &mut request.kind
                        && *keep == crate::operation::Keep::Display
                    {
                        *keep = crate::operation::Keep::All;
                    }
                }
                op.warnings.splice(0..0, evaluator.warnings);
                Ok(Step::Run(op))
            }
        };
    }
    let value = evaluator.eval(value)?;
    Ok(Step::Assign {
        name: name.to_string(),
        value: Binding::Value(value),
        warnings: evaluator.warnings,
    })
}

/// `print(x)`, `printjson(x)`, `console.log(x)`: their argument.
fn printed_argument(expr: &Expr) -> Option<&[Element]> {
    let ExprKind::Call { callee, args } = &expr.kind else {
        return None;
    };
    let is_printer = match &callee.kind {
        ExprKind::Ident(name) => {
            matches!(name.as_str(), "print" | "printjson" | "printjsononeline")
        }
        ExprKind::Member {
            object, property, ..
        } => {
            matches!(&object.kind, ExprKind::Ident(o) if o == "console")
                && matches!(property.as_str(), "log" | "info" | "dir")
        }
        _ => false,
    };
    is_printer.then_some(args.as_slice())
}

fn expression(
    expr: &Expr,
    env: &Env,
    db: &str,
    evaluator: &mut Evaluator,
) -> Result<Operation, PlanError> {
    if let Some(args) = printed_argument(expr) {
        return match args {
            [Element::Value(inner)] => expression(inner, env, db, evaluator),
            _ => {
                let values = evaluator.elements(args)?;
                let text: Vec<String> = values
                    .iter()
                    .map(|v| match v {
                        Bson::String(s) => s.clone(),
                        other => crate::inspect::format(other),
                    })
                    .collect();
                Ok(Operation::constant(Output::Text(text.join(" "))))
            }
        };
    }
    if chain::is_chain(expr, env) {
        return Ok(match chain::walk(expr, env, db, evaluator)? {
            chain::Walked::Handle(Handle::Database(name)) => {
                Operation::constant(Output::Value(Bson::String(name)))
            }
            chain::Walked::Handle(Handle::Collection { db, name }) => {
                Operation::constant(Output::Value(Bson::String(format!("{db}.{name}"))))
            }
            chain::Walked::Operation(op) => op,
        });
    }
    if let Some(root @ ("sh" | "rs" | "sp" | "Mongo" | "connect" | "load" | "require")) =
        chain::root_name(expr)
    {
        let what = match root {
            "sh" | "rs" => "sharding and replica-set helpers (sh., rs.)",
            "require" => "require(...) (Node.js modules)",
            _ => "connection and script helpers",
        };
        return Err(PlanError::unsupported(
            format!(
                "{what} are not supported in this kernel: use db.adminCommand({{...}}) for admin commands, and %connect to change connections"
            ),
            expr.span,
        ));
    }
    Ok(Operation::constant(Output::Value(evaluator.eval(expr)?)))
}

fn directive(
    command: &str,
    words: &[String],
    statement: &Statement,
    db: &str,
) -> Result<Step, PlanError> {
    let args = args::Args {
        method: command.to_string(),
        values: Vec::new(),
        span: statement.span,
    };
    match command {
        "use" => {
            let [name] = words else {
                return Err(args.error(if words.is_empty() {
                    "say which database, e.g. use shop"
                } else {
                    "takes exactly one database name"
                }));
            };
            validate_db_name(name).map_err(|e| args.error(e))?;
            let message = if name == db {
                format!("already on db {name}")
            } else {
                format!("switched to db {name}")
            };
            Ok(Step::Use {
                db: name.clone(),
                message,
            })
        }
        "show" => Ok(Step::Run(database::show(
            db,
            words.first().map(String::as_str),
            words.get(1).map(String::as_str),
            &args,
        )?)),
        "help" => Ok(Step::Run(Operation::constant(Output::Text(
            database::HELP.to_string(),
        )))),
        // The subset drains a cursor and keeps what the display limit shows (run.rs `send`), so
        // there is nothing to continue; a cursor a JavaScript cell leaves is continued there.
        "it" => Err(PlanError::unsupported(
            "'it' has no cursor to continue: a shell cell reads its whole result at once and shows it up to the display limit (the footer says when it shows fewer, 'shown N of M'); to see more, run the cell again with --limit N, page with .skip(N).limit(N), or keep every document with --out NAME",
            statement.span,
        )),
        _ => Err(PlanError::unsupported(
            format!(
                "'{command}' does nothing in a notebook: restart the kernel to start a fresh session"
            ),
            statement.span,
        )),
    }
}

#[cfg(test)]
mod tests;
