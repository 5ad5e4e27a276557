//! The JavaScript thread: one QuickJS runtime and context for a kernel session, running cells
//! one after another as they arrive.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use bson::Bson;
use rquickjs::context::EvalOptions;
use rquickjs::{Context, Ctx, Function, Object, Runtime, Value};

use crate::convert::{from_bson, to_bson, to_shown_bson};
use crate::shell::{self, Shared, ShellState};
use crate::{ErrorKind, Global, Job, Last, Limits, Outcome, ScriptError};

const PRELUDE: &str = include_str!("prelude.js");

/// Marks that the cell's first statement ran: a SyntaxError before it is the cell's syntax.
/// `void` keeps the cell's completion value: a cell of only declarations prints nothing.
const STARTED: &str = "void (__started = true); ";

/// The file name QuickJS gives positions in (`cell:3:5`).
const FILE: &str = "cell";

/// A kernel session's JavaScript runtime, on its own thread.
pub struct Session {
    jobs: mpsc::Sender<Job>,
    interrupt: Arc<AtomicBool>,
}

impl Session {
    /// Starts the thread and its runtime (the prelude is evaluated once, here).
    pub fn start(limits: Limits) -> Result<Session, String> {
        let (jobs, receiver) = mpsc::channel::<Job>();
        let interrupt = Arc::new(AtomicBool::new(false));
        let (ready, started) = mpsc::channel();
        let flag = interrupt.clone();
        std::thread::Builder::new()
            .name("mongosh-js".into())
            // QuickJS's own stack limit (below) must be well inside the thread's.
            .stack_size(64 * 1024 * 1024)
            .spawn(move || thread_main(receiver, flag, limits, ready))
            .map_err(|e| format!("could not start the JavaScript thread: {e}"))?;
        started
            .recv()
            .map_err(|_| "the JavaScript thread ended while starting".to_string())??;
        Ok(Session { jobs, interrupt })
    }

    /// Runs a cell; `job.done` is called with the outcome on the JavaScript thread.
    pub fn run(&self, job: Job) {
        self.interrupt.store(false, Ordering::SeqCst);
        if let Err(mpsc::SendError(job)) = self.jobs.send(job) {
            (job.done)(Outcome {
                result: Err(ScriptError {
                    kind: ErrorKind::Dead,
                    name: "InternalError".into(),
                    message: "the JavaScript thread of this session has ended; restart the kernel"
                        .into(),
                    line: None,
                    column: None,
                    ticket: None,
                }),
                db: job.db,
                globals: Vec::new(),
                opaque: Vec::new(),
                has_cursor: false,
            });
        }
    }

    /// Stops the running script: QuickJS raises an uncatchable error at its next check.
    pub fn interrupt(&self) {
        self.interrupt.store(true, Ordering::SeqCst);
    }
}

fn thread_main(
    jobs: mpsc::Receiver<Job>,
    interrupt: Arc<AtomicBool>,
    limits: Limits,
    ready: mpsc::Sender<Result<(), String>>,
) {
    let started = (|| -> Result<(Runtime, Context), String> {
        let runtime = Runtime::new().map_err(|e| format!("QuickJS: {e}"))?;
        runtime.set_memory_limit(limits.memory);
        runtime.set_max_stack_size(16 * 1024 * 1024);
        let flag = interrupt.clone();
        runtime.set_interrupt_handler(Some(Box::new(move || flag.load(Ordering::Relaxed))));
        let context = Context::full(&runtime).map_err(|e| format!("QuickJS: {e}"))?;
        Ok((runtime, context))
    })();
    let (runtime, context) = match started {
        Ok(pair) => pair,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let shared: Shared = Rc::new(RefCell::new(ShellState {
        host: None,
        limits: limits.write,
        printed: String::new(),
        last_flush: Instant::now(),
        interrupt: interrupt.clone(),
    }));
    let baseline = context.with(|ctx| -> Result<HashSet<String>, String> {
        shell::install(&ctx, shared.clone()).map_err(|e| e.to_string())?;
        ctx.eval::<(), _>(PRELUDE)
            .map_err(|e| format!("the shell prelude failed: {}", describe(&ctx, e)))?;
        let database: Function = ctx.globals().get("__database").map_err(|e| e.to_string())?;
        let db: Value = database.call(("test",)).map_err(|e| e.to_string())?;
        ctx.globals().set("db", db).map_err(|e| e.to_string())?;
        let mut names = global_names(&ctx);
        names.insert("db".into());
        names.insert("__started".into());
        Ok(names)
    });
    let baseline = match baseline {
        Ok(names) => names,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    for job in jobs {
        let Job {
            source,
            db,
            globals,
            kernel_variables,
            keep_all,
            host,
            done,
        } = job;
        {
            let mut state = shared.borrow_mut();
            state.host = Some(host);
            state.printed.clear();
            state.last_flush = Instant::now();
        }
        let outcome = context.with(|ctx| {
            let result = run(
                &ctx,
                &db,
                globals,
                kernel_variables,
                &source,
                keep_all,
                &interrupt,
            );
            shared.borrow_mut().flush();
            let db = current_db(&ctx).unwrap_or(db);
            let (globals, opaque) = user_globals(&ctx, &baseline);
            let has_cursor = ctx.eval::<bool, _>("__hasCursor()").unwrap_or(false);
            Outcome {
                result,
                db,
                globals,
                opaque,
                has_cursor,
            }
        });
        runtime.run_gc();
        shared.borrow_mut().host = None;
        done(outcome);
    }
}

fn run<'js>(
    ctx: &Ctx<'js>,
    db: &str,
    globals: Vec<(String, Global)>,
    kernel_variables: Vec<(String, Bson)>,
    source: &str,
    keep_all: bool,
    interrupt: &AtomicBool,
) -> Result<Last, ScriptError> {
    let setup = (|| -> rquickjs::Result<()> {
        let global = ctx.globals();
        for (name, value) in globals {
            let value = global_value(ctx, db, value)?;
            global.set(name.as_str(), value)?;
        }
        if current_db(ctx).as_deref() != Some(db) {
            let database: Function = global.get("__database")?;
            let value: Value = database.call((db,))?;
            global.set("db", value)?;
        }
        let kernel = Object::new(ctx.clone())?;
        for (name, value) in &kernel_variables {
            kernel.set(name.as_str(), from_bson(ctx, value)?)?;
        }
        global.set("__kernel", kernel)?;
        global.set("__started", false)?;
        Ok(())
    })();
    if let Err(e) = setup {
        return Err(script_error(ctx, e, interrupt));
    }
    let scanned = crate::source::scan(source);
    let text = format!("{STARTED}{}", scanned.text);
    let mut options = EvalOptions::default();
    options.global = true;
    options.strict = false;
    options.backtrace_barrier = true;
    options.filename = Some(FILE.into());
    // A cell with `await` is an async script (QuickJS's async eval, which allows top-level
    // `await`): its value is a promise of `{ value }`, the cell's completion value.
    options.promise = scanned.awaits;
    let value = ctx
        .eval_with_options::<Value, _>(text, options)
        .map_err(|e| script_error(ctx, e, interrupt))?;
    // Promise jobs (`async` functions, awaited promises) run to completion before the result.
    // Shell calls are synchronous, so a job queue that empties has settled everything that can.
    while ctx.execute_pending_job() {
        if interrupt.load(Ordering::Relaxed) {
            break;
        }
    }
    let value = (|| -> rquickjs::Result<Value<'js>> {
        let value = if scanned.awaits {
            match settled(ctx, value)?.as_object() {
                Some(done) => done.get("value")?,
                None => Value::new_undefined(ctx.clone()),
            }
        } else {
            value
        };
        // mongosh awaits a cell's value when it is a promise (`f()` of an async `f` prints
        // what `f` returns).
        settled(ctx, value)
    })()
    .map_err(|e| script_error(ctx, e, interrupt))?;
    let finish = (|| -> rquickjs::Result<Object<'js>> {
        let finish: Function = ctx.globals().get("__finish")?;
        finish.call((value, keep_all))
    })()
    .map_err(|e| script_error(ctx, e, interrupt))?;
    last_value(ctx, &finish).map_err(|e| script_error(ctx, e, interrupt))
}

/// What a promise settled to (a rejection is thrown); any other value as it is.
fn settled<'js>(ctx: &Ctx<'js>, value: Value<'js>) -> rquickjs::Result<Value<'js>> {
    let Some(promise) = value.as_promise() else {
        return Ok(value);
    };
    match promise.result::<Value>() {
        Some(result) => result,
        None => Err(shell::throw_error(
            ctx,
            "Error",
            "the cell awaits a promise that never settles (nothing is left to run that could resolve it: this shell has no timers or I/O callbacks); resolve it in the cell, e.g. new Promise(r => r(value))",
        )),
    }
}

fn last_value<'js>(ctx: &Ctx<'js>, finish: &Object<'js>) -> rquickjs::Result<Last> {
    let kind: String = finish.get("kind")?;
    Ok(match kind.as_str() {
        "cursor" => {
            let docs: Value = finish.get("docs")?;
            let more: bool = finish.get("more")?;
            let documents = match to_bson(ctx, &docs) {
                Ok(Bson::Array(items)) => items
                    .into_iter()
                    .map(|item| match item {
                        Bson::Document(d) => d,
                        other => bson::doc! { "value": other },
                    })
                    .collect(),
                Ok(_) => Vec::new(),
                Err(e) => return Err(shell::throw_error(ctx, "TypeError", &e.0)),
            };
            Last::Cursor { documents, more }
        }
        "text" => Last::Text(finish.get("text")?),
        "none" => Last::NoCursor,
        _ => {
            let value: Value = finish.get("value")?;
            if value.is_undefined() {
                Last::Nothing
            } else {
                match to_bson(ctx, &value) {
                    // What mongosh prints differently from the stored form (`Int32(3)`,
                    // `P { x: 1 }`, `Map(1) { 1 => 2 }`) is shown as it prints, kept as stored.
                    Ok(bson) => match to_shown_bson(ctx, &value) {
                        Ok(shown) if shown != bson => Last::Shown {
                            value: bson,
                            text: mongosh::inspect::format(&shown),
                        },
                        _ => Last::Value(bson),
                    },
                    Err(_) => Last::Text(shell::display(ctx, &value)?),
                }
            }
        }
    })
}

fn global_value<'js>(ctx: &Ctx<'js>, db: &str, value: Global) -> rquickjs::Result<Value<'js>> {
    let global = ctx.globals();
    match value {
        Global::Value(bson) => from_bson(ctx, &bson),
        Global::Database(name) => {
            let database: Function = global.get("__database")?;
            database.call((name,))
        }
        Global::Collection { db: owner, name } => {
            let collection: Function = global.get("__collection")?;
            let owner = if owner.is_empty() {
                db.to_string()
            } else {
                owner
            };
            collection.call((owner, name))
        }
    }
}

fn current_db(ctx: &Ctx<'_>) -> Option<String> {
    ctx.eval::<String, _>("(typeof db === 'object' && db && typeof db.getName === 'function') ? String(db.getName()) : ''")
        .ok()
        .filter(|name| !name.is_empty())
}

fn global_names(ctx: &Ctx<'_>) -> HashSet<String> {
    ctx.eval::<Vec<String>, _>("Object.getOwnPropertyNames(globalThis)")
        .unwrap_or_default()
        .into_iter()
        .collect()
}

/// The script's own top-level variables: BSON values and handles, and the names of the rest.
fn user_globals(ctx: &Ctx<'_>, baseline: &HashSet<String>) -> (Vec<(String, Global)>, Vec<String>) {
    let mut values = Vec::new();
    let mut opaque = Vec::new();
    let global = ctx.globals();
    let cursor: Option<Object> = global.get("__Cursor").ok();
    let mut names: Vec<String> = global_names(ctx)
        .into_iter()
        .filter(|name| !baseline.contains(name) && !name.starts_with("__"))
        .collect();
    names.sort();
    for name in names {
        let Ok(value) = global.get::<_, Value>(name.as_str()) else {
            continue;
        };
        if value.is_function() {
            opaque.push(name);
            continue;
        }
        if let Some(object) = value.as_object() {
            if cursor
                .as_ref()
                .is_some_and(|class| object.is_instance_of(class.as_value()))
            {
                opaque.push(name);
                continue;
            }
            // A session, and the databases and collections that run in one, live only in
            // JavaScript: a cell naming one runs there.
            if object.get::<_, bool>("__isSession").unwrap_or(false)
                || object
                    .get::<_, Value>("__session")
                    .is_ok_and(|session| session.is_number())
            {
                opaque.push(name);
                continue;
            }
            if object.get::<_, bool>("__isCollection").unwrap_or(false) {
                let full: String = ctx
                    .globals()
                    .get::<_, Object>(name.as_str())
                    .and_then(|o| o.get::<_, Function>("getDB"))
                    .and_then(|f| f.call::<_, Object>(()))
                    .and_then(|d| d.get::<_, Function>("getName"))
                    .and_then(|f| f.call::<_, String>(()))
                    .unwrap_or_default();
                let coll: String = object
                    .get::<_, Function>("getName")
                    .and_then(|f| f.call(()))
                    .unwrap_or_default();
                values.push((
                    name,
                    Global::Collection {
                        db: full,
                        name: coll,
                    },
                ));
                continue;
            }
            if object.get::<_, bool>("__isDatabase").unwrap_or(false) {
                let db: String = object
                    .get::<_, Function>("getName")
                    .and_then(|f| f.call(()))
                    .unwrap_or_default();
                values.push((name, Global::Database(db)));
                continue;
            }
        }
        // Arrays, documents and class instances stay in JavaScript (a cell naming one runs
        // there): converting them after every cell cost time in proportion to all the data the
        // session holds (a trivial cell took 47 ms after a 10 MB array was defined, debug build;
        // `examples/sync_cost.rs`). Numbers, strings, dates and BSON values cross, as cheaply
        // as they are small.
        if is_held(ctx, &value) {
            opaque.push(name);
            continue;
        }
        match to_bson(ctx, &value) {
            Ok(bson) => values.push((name, Global::Value(bson))),
            Err(_) => opaque.push(name),
        }
    }
    (values, opaque)
}

fn describe(ctx: &Ctx<'_>, error: rquickjs::Error) -> String {
    if let rquickjs::Error::Exception = error {
        let value = ctx.catch();
        if let Some(object) = value.as_object() {
            let message: String = object.get("message").unwrap_or_default();
            let stack: String = object.get("stack").unwrap_or_default();
            return format!("{message}\n{stack}");
        }
        return format!("{value:?}");
    }
    error.to_string()
}

/// A QuickJS failure as the kernel shows it.
fn script_error(ctx: &Ctx<'_>, error: rquickjs::Error, interrupt: &AtomicBool) -> ScriptError {
    let mut script = ScriptError {
        kind: ErrorKind::Thrown,
        name: "Error".into(),
        message: String::new(),
        line: None,
        column: None,
        ticket: None,
    };
    if interrupt.load(Ordering::Relaxed) {
        let _ = ctx.catch();
        script.kind = ErrorKind::Interrupted;
        script.name = "Interrupted".into();
        script.message = "the script was stopped".into();
        return script;
    }
    if !matches!(error, rquickjs::Error::Exception) {
        let text = error.to_string();
        if text.contains("out of memory") || matches!(error, rquickjs::Error::Allocation) {
            return out_of_memory(script);
        }
        script.message = text;
        return script;
    }
    let value = ctx.catch();
    let Some(object) = value.as_object() else {
        script.name = "Uncaught".into();
        script.message = shell::display(ctx, &value).unwrap_or_else(|_| format!("{value:?}"));
        return script;
    };
    script.name = object
        .get::<_, String>("name")
        .unwrap_or_else(|_| "Error".into());
    script.message = object.get::<_, String>("message").unwrap_or_default();
    // QuickJS's words for assigning a const (a sloppy-mode script fails no other assignment),
    // shown as V8, and so mongosh, says it.
    if script.name == "TypeError"
        && script.message.starts_with('\'')
        && script.message.ends_with("' is read-only")
    {
        script.message = "Assignment to constant variable.".into();
    }
    script.ticket = object.get::<_, f64>("__ticket").ok().map(|t| t as usize);
    if script.message == "out of memory" {
        return out_of_memory(script);
    }
    let stack: String = object.get("stack").unwrap_or_default();
    if let Some((line, column)) = position(&stack) {
        script.line = Some(line);
        // The marker that notes the start is on the first line.
        script.column = Some(if line == 1 {
            column.saturating_sub(STARTED.len()).max(1)
        } else {
            column
        });
    }
    let started = ctx.globals().get::<_, bool>("__started").unwrap_or(true);
    if script.name == "SyntaxError" && !started {
        script.kind = ErrorKind::Syntax;
    }
    script
}

fn out_of_memory(mut script: ScriptError) -> ScriptError {
    script.kind = ErrorKind::OutOfMemory;
    script.name = "RangeError".into();
    script.message = "out of memory: the script's JavaScript heap reached its limit; it was stopped (keep fewer documents in variables, e.g. iterate a cursor with forEach instead of toArray())".into();
    script
}

/// The first `cell:LINE:COLUMN` of a stack trace.
fn position(stack: &str) -> Option<(usize, usize)> {
    let marker = format!("{FILE}:");
    let start = stack.find(&marker)? + marker.len();
    let rest = &stack[start..];
    let mut parts = rest.split(|c: char| !c.is_ascii_digit());
    let line: usize = parts.next()?.parse().ok()?;
    let column: usize = parts.next()?.parse().ok()?;
    Some((line, column))
}

/// An array or an object other than a date, a regular expression or a BSON value.
fn is_held<'js>(ctx: &Ctx<'js>, value: &Value<'js>) -> bool {
    let Some(object) = value.as_object() else {
        return false;
    };
    if value.is_array() {
        return true;
    }
    if object
        .get::<_, Value>("_bsontype")
        .is_ok_and(|t| !t.is_undefined())
    {
        return false;
    }
    let globals = ctx.globals();
    !["Date", "RegExp"].iter().any(|builtin| {
        globals
            .get::<_, Object>(*builtin)
            .is_ok_and(|class| object.is_instance_of(class.as_value()))
    })
}
