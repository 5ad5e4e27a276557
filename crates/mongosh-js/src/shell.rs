//! The one native function the prelude calls, `__shell(op, ...args)`.
//!
//! A shell call from a script (`db.users.find({...}).sort({...})`) arrives as the database, the
//! collection and the chain of calls with their arguments as BSON. It is turned back into the
//! syntax tree the subset parser would have produced for the same text, with each argument a
//! variable bound to its value (`db.getCollection('users').find(__arg0).sort(__arg1)`), and
//! planned by the `mongosh` crate: the commands, defaults, batch splitting and error messages
//! are the subset path's, with no second planner. The planned operation goes to the [`Host`],
//! which sends it and answers, while this thread waits: scripts read synchronously, as mongosh's
//! auto-await makes them.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bson::Bson;
use mongosh::ast::{Element, Expr, ExprKind, Statement, StatementKind};
use mongosh::{Env, Output, Step, WriteLimits};
use rquickjs::function::Rest;
use rquickjs::{Array, Ctx, Exception, Function, Object, Value};

use crate::convert::{from_bson, to_bson, to_shown_bson};
use crate::{Host, HostError, SessionCall, Stream};

/// What the native function needs while a cell runs: the kernel's side of the channel, the
/// server's write limits, and printed text not yet handed over.
pub struct ShellState {
    pub host: Option<Box<dyn Host>>,
    pub limits: WriteLimits,
    pub printed: String,
    pub last_flush: Instant,
    pub interrupt: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

pub type Shared = Rc<RefCell<ShellState>>;

/// Printed lines are handed over in chunks, so a loop that prints 10,000 lines does not cost
/// 10,000 messages, yet a slow script's output still appears as it goes.
const FLUSH_BYTES: usize = 64 * 1024;
const FLUSH_EVERY: Duration = Duration::from_millis(200);

impl ShellState {
    pub fn flush(&mut self) {
        if self.printed.is_empty() {
            return;
        }
        let text = std::mem::take(&mut self.printed);
        self.last_flush = Instant::now();
        if let Some(host) = self.host.as_mut() {
            host.print(Stream::Out, text);
        }
    }

    fn host(&mut self) -> Result<&mut Box<dyn Host>, HostError> {
        self.flush();
        self.host
            .as_mut()
            .ok_or_else(|| HostError::other("no cell is running"))
    }
}

/// Installs `__shell` on the global object.
pub fn install<'js>(ctx: &Ctx<'js>, shared: Shared) -> rquickjs::Result<()> {
    let function = rquickjs::Function::new(
        ctx.clone(),
        move |ctx: Ctx<'js>, args: Rest<Value<'js>>| -> rquickjs::Result<Value<'js>> {
            dispatch(&ctx, &shared, args.0)
        },
    )?;
    ctx.globals().set("__shell", function)
}

fn arg<'a, 'js>(args: &'a [Value<'js>], index: usize) -> Option<&'a Value<'js>> {
    args.get(index)
}

fn string_arg<'js>(ctx: &Ctx<'js>, args: &[Value<'js>], index: usize) -> rquickjs::Result<String> {
    match arg(args, index).and_then(|v| v.as_string()) {
        Some(s) => s.to_string(),
        None => Err(Exception::throw_type(ctx, "expected a string")),
    }
}

fn dispatch<'js>(
    ctx: &Ctx<'js>,
    shared: &Shared,
    args: Vec<Value<'js>>,
) -> rquickjs::Result<Value<'js>> {
    let op = string_arg(ctx, &args, 0)?;
    let rest = &args[1..];
    match op.as_str() {
        "call" | "cursor" => {
            let db = string_arg(ctx, rest, 0)?;
            let collection = rest
                .get(1)
                .and_then(|v| v.as_string())
                .map(|s| s.to_string())
                .transpose()?;
            let calls = calls_arg(ctx, rest.get(2))?;
            // The explicit session a `session.getDatabase(...)` object runs in, if any.
            let session = rest.get(3).and_then(|v| v.as_number()).map(|n| n as u64);
            let step = plan_chain(ctx, shared, &db, collection.as_deref(), calls)?;
            let operation = match step {
                Step::Run(operation) => operation,
                Step::Use { message, .. }
                | Step::Assign {
                    warnings: _,
                    name: message,
                    ..
                } => {
                    return Err(Exception::throw_type(
                        ctx,
                        &format!("unexpected plan: {message}"),
                    ));
                }
            };
            let mut state = shared.borrow_mut();
            for warning in &operation.warnings {
                state.flush();
                if let Some(host) = state.host.as_mut() {
                    host.print(Stream::Err, format!("{warning}\n"));
                }
            }
            if op == "cursor" {
                let Some(request) = operation.requests.into_iter().next() else {
                    return Err(Exception::throw_type(ctx, "this call opens no cursor"));
                };
                let handle = state.host().and_then(|h| match session {
                    Some(session) => h.open_cursor_in_session(session, request),
                    None => h.open_cursor(request),
                });
                drop(state);
                let handle = handle.map_err(|e| throw_host(ctx, e))?;
                return Ok(Value::new_float(ctx.clone(), handle as f64));
            }
            let output = state.host().and_then(|h| match session {
                Some(session) => h.run_in_session(session, operation),
                None => h.run(operation),
            });
            drop(state);
            let output = output.map_err(|e| throw_host(ctx, e))?;
            output_value(ctx, output)
        }
        "more" => {
            let handle = number_arg(rest, 0) as u64;
            let max = number_arg(rest, 1).max(1.0) as usize;
            let fetched = shared
                .borrow_mut()
                .host()
                .and_then(|h| h.fetch(handle, max));
            let (documents, done) = fetched.map_err(|e| throw_host(ctx, e))?;
            let array = Array::new(ctx.clone())?;
            let docs = Array::new(ctx.clone())?;
            for (index, document) in documents.into_iter().enumerate() {
                docs.set(index, from_bson(ctx, &Bson::Document(document))?)?;
            }
            array.set(0, docs)?;
            array.set(1, done)?;
            Ok(array.into_value())
        }
        "session" => {
            let what = string_arg(ctx, rest, 0)?;
            let handle = number_arg(rest, 1) as u64;
            let argument = match rest.get(2) {
                Some(value) if !value.is_undefined() && !value.is_null() => {
                    to_bson(ctx, value).map_err(|e| throw_error(ctx, "TypeError", &e.0))?
                }
                _ => Bson::Null,
            };
            let options = || match &argument {
                Bson::Document(d) => d.clone(),
                _ => bson::Document::new(),
            };
            let call = match what.as_str() {
                "start" => SessionCall::Start(options()),
                "end" => SessionCall::End(handle),
                "startTransaction" => SessionCall::StartTransaction(handle, options()),
                "commit" => SessionCall::Commit(handle),
                "abort" => SessionCall::Abort(handle),
                "times" => SessionCall::Times(handle),
                "advanceClusterTime" => SessionCall::AdvanceClusterTime(handle, options()),
                "advanceOperationTime" => SessionCall::AdvanceOperationTime(handle, argument),
                other => {
                    return Err(Exception::throw_type(
                        ctx,
                        &format!("__shell: unknown session call {other}"),
                    ));
                }
            };
            let answer = shared.borrow_mut().host().and_then(|h| h.session(call));
            let answer = answer.map_err(|e| throw_host(ctx, e))?;
            from_bson(ctx, &answer)
        }
        "close" => {
            let handle = number_arg(rest, 0) as u64;
            if let Ok(host) = shared.borrow_mut().host() {
                host.close_cursor(handle);
            }
            Ok(Value::new_undefined(ctx.clone()))
        }
        "construct" => {
            let name = string_arg(ctx, rest, 0)?;
            let values = array_values(ctx, rest.get(1))?;
            let mut env = Env::new();
            let args = bind_args(&mut env, values);
            let callee = expr(ExprKind::Ident(name.clone()));
            let statement = statement(expr(ExprKind::Call {
                callee: Box::new(callee),
                args,
            }));
            match mongosh::plan(&statement, &env, "test") {
                Ok(Step::Run(operation)) => match operation.finish(Vec::new()) {
                    // js-bson's Int32 and Double are objects (printed `Int32(3)`, `Double(2)`),
                    // not the plain numbers a reply's values become.
                    Ok(Output::Value(Bson::Int32(n))) => {
                        let factory: Object = ctx.globals().get("__bson")?;
                        let build: Function = factory.get("Int32")?;
                        build.call((n,))
                    }
                    Ok(Output::Value(Bson::Double(n))) if name == "Double" => {
                        let factory: Object = ctx.globals().get("__bson")?;
                        let build: Function = factory.get("Double")?;
                        build.call((n,))
                    }
                    Ok(output) => output_value(ctx, output),
                    Err(e) => Err(throw_error(ctx, "MongoshInvalidInputError", &e.to_string())),
                },
                Ok(_) => Err(Exception::throw_type(ctx, "not a constructor")),
                Err(e) => Err(throw_error(ctx, e.kind.name(), &e.message)),
            }
        }
        "print" => {
            let stream = string_arg(ctx, rest, 0)?;
            let values = rest.get(1).and_then(|v| v.as_array()).cloned();
            let mut parts = Vec::new();
            if let Some(values) = values {
                for index in 0..values.len() {
                    let value: Value = values.get(index)?;
                    parts.push(if stream == "json" {
                        match to_shown_bson(ctx, &value) {
                            Ok(bson) => crate::printjson::format(&bson),
                            Err(_) => display(ctx, &value)?,
                        }
                    } else if value.is_undefined() {
                        // print(undefined) prints an empty line, as mongosh does.
                        String::new()
                    } else {
                        display(ctx, &value)?
                    });
                }
            }
            let mut line = parts.join(" ");
            line.push('\n');
            let mut state = shared.borrow_mut();
            if stream == "err" {
                state.flush();
                if let Some(host) = state.host.as_mut() {
                    host.print(Stream::Err, line);
                }
            } else {
                // The 200 ms count from the oldest text not handed over, not from the last
                // flush: a first line printed after a long server wait is not sent alone.
                if state.printed.is_empty() {
                    state.last_flush = Instant::now();
                }
                state.printed.push_str(&line);
                if state.printed.len() > FLUSH_BYTES || state.last_flush.elapsed() > FLUSH_EVERY {
                    state.flush();
                }
            }
            Ok(Value::new_undefined(ctx.clone()))
        }
        "inspect" => {
            let value = rest
                .first()
                .cloned()
                .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
            let text = display(ctx, &value)?;
            Ok(rquickjs::String::from_str(ctx.clone(), &text)?.into_value())
        }
        "ejson" => {
            let value = rest
                .first()
                .cloned()
                .unwrap_or_else(|| Value::new_undefined(ctx.clone()));
            let relaxed = rest.get(1).and_then(|v| v.as_bool()).unwrap_or(true);
            let bson = to_bson(ctx, &value).map_err(|e| Exception::throw_type(ctx, &e.0))?;
            let json = if relaxed {
                bson.into_relaxed_extjson()
            } else {
                bson.into_canonical_extjson()
            };
            ctx.json_parse(json.to_string())
        }
        "ejsonParse" => {
            let text = string_arg(ctx, rest, 0)?;
            let json: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| throw_error(ctx, "SyntaxError", &format!("EJSON.parse: {e}")))?;
            let bson = Bson::try_from(json)
                .map_err(|e| throw_error(ctx, "SyntaxError", &format!("EJSON.parse: {e}")))?;
            from_bson(ctx, &bson)
        }
        "use" => {
            let current = string_arg(ctx, rest, 0)?;
            let name = string_arg(ctx, rest, 1)?;
            mongosh::validate_db_name(&name).map_err(|e| {
                throw_error(ctx, "MongoshInvalidInputError", &format!("use {name}: {e}"))
            })?;
            let text = if name == current {
                format!("already on db {name}")
            } else {
                format!("switched to db {name}")
            };
            Ok(rquickjs::String::from_str(ctx.clone(), &text)?.into_value())
        }
        "dbName" => {
            let name = match rest.first().and_then(|v| v.as_string()) {
                Some(s) => s.to_string()?,
                None => {
                    return Err(throw_error(
                        ctx,
                        "MongoshInvalidInputError",
                        "getSiblingDB needs a database name (a string)",
                    ));
                }
            };
            mongosh::validate_db_name(&name)
                .map_err(|e| throw_error(ctx, "MongoshInvalidInputError", &e))?;
            Ok(rquickjs::String::from_str(ctx.clone(), &name)?.into_value())
        }
        "collName" => match rest.first().and_then(|v| v.as_string()) {
            Some(s) if !s.to_string()?.is_empty() => Ok(s.clone().into_value()),
            _ => Err(throw_error(
                ctx,
                "MongoshInvalidInputError",
                "getCollection needs a collection name (a non-empty string)",
            )),
        },
        "names" => {
            let which = string_arg(ctx, rest, 0)?;
            let names: &[&str] = match which.as_str() {
                "database" => mongosh::DATABASE_METHODS,
                _ => mongosh::COLLECTION_METHODS,
            };
            let array = Array::new(ctx.clone())?;
            for (index, name) in names.iter().enumerate() {
                array.set(index, *name)?;
            }
            Ok(array.into_value())
        }
        "hex" | "length" => {
            use base64::Engine;
            let encoded = string_arg(ctx, rest, 0)?;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(encoded)
                .unwrap_or_default();
            if op == "hex" {
                Ok(rquickjs::String::from_str(ctx.clone(), &hex::encode(bytes))?.into_value())
            } else {
                Ok(Value::new_int(ctx.clone(), bytes.len() as i32))
            }
        }
        "sleep" => {
            let ms = number_arg(rest, 0).max(0.0);
            shared.borrow_mut().flush();
            let interrupt = shared.borrow().interrupt.clone();
            let until = Instant::now() + Duration::from_secs_f64(ms / 1000.0);
            // In small steps, so the stop button ends a sleep at once.
            while Instant::now() < until {
                if interrupt.load(std::sync::atomic::Ordering::Relaxed) {
                    return Err(throw_host(ctx, HostError::interrupted()));
                }
                std::thread::sleep((until - Instant::now()).min(Duration::from_millis(20)));
            }
            Ok(Value::new_undefined(ctx.clone()))
        }
        other => Err(Exception::throw_type(
            ctx,
            &format!("__shell: unknown operation {other}"),
        )),
    }
}

fn number_arg(args: &[Value<'_>], index: usize) -> f64 {
    args.get(index).and_then(|v| v.as_number()).unwrap_or(0.0)
}

fn array_values<'js>(ctx: &Ctx<'js>, value: Option<&Value<'js>>) -> rquickjs::Result<Vec<Bson>> {
    let Some(array) = value.and_then(|v| v.as_array()) else {
        return Ok(Vec::new());
    };
    let mut values = Vec::with_capacity(array.len());
    for index in 0..array.len() {
        let item: Value = array.get(index)?;
        values.push(to_bson(ctx, &item).map_err(|e| throw_error(ctx, "TypeError", &e.0))?);
    }
    // Trailing `undefined` arguments are as if not given (`find(undefined)` is `find()`).
    while matches!(values.last(), Some(Bson::Undefined)) {
        values.pop();
    }
    Ok(values)
}

/// `[[method, [args...]], ...]` from the prelude.
fn calls_arg<'js>(
    ctx: &Ctx<'js>,
    value: Option<&Value<'js>>,
) -> rquickjs::Result<Vec<(String, Vec<Bson>)>> {
    let Some(array) = value.and_then(|v| v.as_array()) else {
        return Err(Exception::throw_type(ctx, "expected the calls"));
    };
    let mut calls = Vec::with_capacity(array.len());
    for index in 0..array.len() {
        let call: Array = array.get(index)?;
        let name: String = call.get(0)?;
        let args: Value = call.get(1)?;
        calls.push((name, array_values(ctx, Some(&args))?));
    }
    Ok(calls)
}

fn expr(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: mongosh::Span::default(),
    }
}

fn statement(expression: Expr) -> Statement {
    Statement {
        kind: StatementKind::Expr(expression),
        span: mongosh::Span::default(),
    }
}

fn member(object: Expr, property: &str) -> Expr {
    expr(ExprKind::Member {
        object: Box::new(object),
        property: property.to_string(),
        property_span: mongosh::Span::default(),
    })
}

fn bind_args(env: &mut Env, values: Vec<Bson>) -> Vec<Element> {
    values
        .into_iter()
        .map(|value| {
            if value == Bson::Undefined {
                return Element::Value(expr(ExprKind::Undefined));
            }
            let name = format!("__arg{}", env.names().len());
            env.set(&name, value);
            Element::Value(expr(ExprKind::Ident(name)))
        })
        .collect()
}

/// Plans `db[.getCollection(collection)].call(args)...` as the subset would plan that text.
fn plan_chain(
    ctx: &Ctx<'_>,
    shared: &Shared,
    db: &str,
    collection: Option<&str>,
    calls: Vec<(String, Vec<Bson>)>,
) -> rquickjs::Result<Step> {
    let mut env = Env::new();
    if let [(name, args)] = calls.as_slice()
        && name == "__show"
    {
        let words: Vec<String> = args
            .iter()
            .filter_map(|a| match a {
                Bson::String(s) => Some(s.clone()),
                _ => None,
            })
            .collect();
        let statement = Statement {
            kind: StatementKind::Directive {
                command: "show".into(),
                args: words,
            },
            span: mongosh::Span::default(),
        };
        return mongosh::plan(&statement, &env, db)
            .map_err(|e| throw_error(ctx, e.kind.name(), &e.message));
    }
    let mut chain = expr(ExprKind::Ident("db".into()));
    if let Some(collection) = collection {
        chain = expr(ExprKind::Call {
            callee: Box::new(member(chain, "getCollection")),
            args: vec![Element::Value(expr(ExprKind::Str(collection.to_string())))],
        });
    }
    for (name, values) in calls {
        let args = bind_args(&mut env, values);
        chain = expr(ExprKind::Call {
            callee: Box::new(member(chain, &name)),
            args,
        });
    }
    let limits = shared.borrow().limits;
    mongosh::plan_with_limits(&statement(chain), &env, db, &limits)
        .map_err(|e| throw_error(ctx, e.kind.name(), &e.message))
}

fn output_value<'js>(ctx: &Ctx<'js>, output: Output) -> rquickjs::Result<Value<'js>> {
    match output {
        Output::Value(value) => from_bson(ctx, &value),
        Output::Documents { documents, .. } => from_bson(
            ctx,
            &Bson::Array(documents.into_iter().map(Bson::Document).collect()),
        ),
        Output::Text(text) => Ok(rquickjs::String::from_str(ctx.clone(), &text)?.into_value()),
    }
}

/// How `print` shows one argument: a string as it is, anything else as mongosh's inspect.
pub fn display<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> rquickjs::Result<String> {
    if let Some(s) = value.as_string() {
        return s.to_string();
    }
    if value.is_undefined() {
        return Ok("undefined".into());
    }
    if let Some(function) = value.as_function() {
        let name: String = function.get("name").unwrap_or_default();
        let name = if name.is_empty() {
            "(anonymous)".to_string()
        } else {
            name
        };
        return Ok(format!("[Function: {name}]"));
    }
    // A database prints its name, a collection its full name, as mongosh prints them.
    if let Some(object) = value.as_object()
        && (object.get::<_, bool>("__isDatabase").unwrap_or(false)
            || object.get::<_, bool>("__isCollection").unwrap_or(false))
    {
        let name: Function = object.get("toString")?;
        return name.call(());
    }
    match to_shown_bson(ctx, value) {
        Ok(bson) => Ok(mongosh::inspect::format(&bson)),
        Err(e) => Err(throw_error(ctx, "TypeError", &e.0)),
    }
}

/// The class of an instance of a script's own class (`P { x: 1 }`, as util.inspect prints it).
pub fn class_name<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> Option<String> {
    let object = value.as_object()?;
    if value.is_array()
        || value.is_function()
        || object
            .get::<_, Value>("_bsontype")
            .is_ok_and(|t| !t.is_undefined())
    {
        return None;
    }
    let globals = ctx.globals();
    for builtin in ["Date", "RegExp"] {
        if let Ok(class) = globals.get::<_, Object>(builtin)
            && object.is_instance_of(class.as_value())
        {
            return None;
        }
    }
    let constructor: Object = object.get("constructor").ok()?;
    let name: String = constructor.get("name").ok()?;
    (!name.is_empty() && name != "Object").then_some(name)
}

/// A JavaScript error object with `name` and `message`, thrown.
pub fn throw_error(ctx: &Ctx<'_>, name: &str, message: &str) -> rquickjs::Error {
    match make_error(ctx, name, message) {
        Ok(error) => ctx.throw(error.into_value()),
        Err(e) => e,
    }
}

fn make_error<'js>(ctx: &Ctx<'js>, name: &str, message: &str) -> rquickjs::Result<Object<'js>> {
    let error = Exception::from_message(ctx.clone(), message)?;
    let object = error.into_object();
    object.set("name", name)?;
    Ok(object)
}

/// The kernel's error as a JavaScript error a script can catch (`e.code === 11000`); `ticket`
/// lets the kernel show its own rendering of the error if the script does not catch it.
fn throw_host(ctx: &Ctx<'_>, error: HostError) -> rquickjs::Error {
    let built = (|| -> rquickjs::Result<Object<'_>> {
        let object = make_error(ctx, &error.name, &error.message)?;
        if let Some(code) = error.code {
            object.set("code", code)?;
        }
        if let Some(name) = &error.code_name {
            object.set("codeName", name.as_str())?;
        }
        if let Some(ticket) = error.ticket {
            object.set("__ticket", ticket as f64)?;
        }
        Ok(object)
    })();
    match built {
        Ok(object) => ctx.throw(object.into_value()),
        Err(e) => e,
    }
}
