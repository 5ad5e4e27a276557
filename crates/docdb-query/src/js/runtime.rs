//! The thread's QuickJS runtime, the operation's context and its compiled functions.
//!
//! The runtime (and its heap limit and interrupt handler) lives as long as the thread; a context
//! is made on first use inside an operation and dropped when the operation's scope ends, so
//! globals a script sets never reach the next operation. Compiled functions are kept per
//! context by source text: a `$where` over 100k documents compiles once.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bson::{Bson, Document};
use rquickjs::function::Args;
use rquickjs::{Context, Ctx, Function, Persistent, Runtime, Value};

use super::convert::{from_js, to_js, to_js_document};
use super::{DEFAULT_FN_TIMEOUT, HEAP_LIMIT_BYTES, InterruptCheck, interpreter_failure};
use crate::error::{QueryError, Result};

/// QuickJS's own stack limit: deep recursion in user code is a RangeError, not a crash.
const STACK_LIMIT_BYTES: usize = 512 * 1024;

/// Compiled functions kept per operation before the cache starts over.
const MAX_CACHED_FUNCTIONS: usize = 1024;

/// The globals mongod gives server-side JavaScript (BSON type constructors, helpers).
const PRELUDE: &str = include_str!("prelude.js");

/// What the interrupt handler reads: the operation's check, the current call's deadline and the
/// reason it stopped a script (reported instead of QuickJS's "interrupted").
#[derive(Default)]
pub(super) struct Shared {
    check: RefCell<Option<InterruptCheck>>,
    fn_timeout: Cell<Option<Duration>>,
    deadline: Cell<Option<Instant>>,
    stop: RefCell<Option<QueryError>>,
}

impl Shared {
    /// True when the running script must stop (and records why).
    pub(super) fn should_stop(&self) -> bool {
        if self.stop.borrow().is_some() {
            return true;
        }
        let reason = if self.deadline.get().is_some_and(|d| Instant::now() >= d) {
            Some(QueryError::new(
                11601,
                "Interrupted",
                "JavaScript execution interrupted",
            ))
        } else {
            let check = self.check.borrow().clone();
            check.and_then(|c| c().err())
        };
        match reason {
            Some(e) => {
                *self.stop.borrow_mut() = Some(e);
                true
            }
            None => false,
        }
    }
}

struct Engine {
    runtime: Runtime,
    shared: Rc<Shared>,
    context: Option<Context>,
    functions: HashMap<String, Persistent<Function<'static>>>,
    depth: u32,
}

impl Engine {
    fn new() -> Result<Engine> {
        let runtime = Runtime::new().map_err(|e| setup_failed(&e))?;
        runtime.set_memory_limit(HEAP_LIMIT_BYTES);
        runtime.set_max_stack_size(STACK_LIMIT_BYTES);
        let shared = Rc::new(Shared::default());
        let handler = Rc::clone(&shared);
        runtime.set_interrupt_handler(Some(Box::new(move || handler.should_stop())));
        Ok(Engine {
            runtime,
            shared,
            context: None,
            functions: HashMap::new(),
            depth: 0,
        })
    }

    fn context(&mut self) -> Result<Context> {
        if let Some(c) = &self.context {
            return Ok(c.clone());
        }
        let context = Context::full(&self.runtime).map_err(|e| setup_failed(&e))?;
        let shared = Rc::clone(&self.shared);
        context.with(|ctx| install_globals(&ctx, shared))?;
        self.context = Some(context.clone());
        Ok(context)
    }

    /// Drops the context and what was compiled in it (functions first: they belong to it).
    fn reset(&mut self) {
        self.functions.clear();
        self.context = None;
        self.runtime.run_gc();
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        self.functions.clear();
        self.context = None;
    }
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
    /// The operation's first JavaScript failure. Scans match through APIs that read an error
    /// as "no match"; this keeps it for the caller (`take_failure`), and later calls in the
    /// same operation fail at once instead of running (or timing out) again per document.
    static FAILURE: RefCell<Option<QueryError>> = const { RefCell::new(None) };
}

/// The operation's JavaScript failure, if one happened (and forgets it).
pub(super) fn take_failure() -> Option<QueryError> {
    FAILURE.with(|f| f.borrow_mut().take())
}

fn setup_failed(e: &rquickjs::Error) -> QueryError {
    interpreter_failure(format!("could not start the JavaScript engine: {e}"))
}

/// Runs `f` with this thread's engine, creating it on first use.
fn with_engine<R>(f: impl FnOnce(&mut Engine) -> Result<R>) -> Result<R> {
    ENGINE.with(|cell| {
        let Ok(mut slot) = cell.try_borrow_mut() else {
            return Err(interpreter_failure(
                "server-side JavaScript cannot run inside server-side JavaScript",
            ));
        };
        if slot.is_none() {
            *slot = Some(Engine::new()?);
        }
        match slot.as_mut() {
            Some(engine) => f(engine),
            None => Err(interpreter_failure("no JavaScript engine")),
        }
    })
}

pub(super) fn enter(check: InterruptCheck, fn_timeout: Duration) {
    let _ = with_engine(|e| {
        if e.depth == 0 {
            *e.shared.check.borrow_mut() = Some(check);
            e.shared.fn_timeout.set(Some(fn_timeout));
        }
        e.depth += 1;
        Ok(())
    });
}

pub(super) fn leave() {
    let _ = with_engine(|e| {
        e.depth = e.depth.saturating_sub(1);
        if e.depth == 0 {
            *e.shared.check.borrow_mut() = None;
            e.shared.fn_timeout.set(None);
            e.reset();
            FAILURE.with(|f| f.borrow_mut().take());
        }
        Ok(())
    });
}

/// Compiles (or finds) the function for `code` and runs `f` with it inside the context, under
/// the per-call time limit; JavaScript failures become mongod's errors.
pub(super) fn with_function<R>(
    code: &str,
    f: impl for<'js> FnOnce(&Ctx<'js>, Function<'js>) -> rquickjs::Result<R>,
) -> Result<R> {
    if let Some(e) = FAILURE.with(|f| f.borrow().clone()) {
        return Err(e);
    }
    with_engine(|engine| {
        let shared = Rc::clone(&engine.shared);
        let timeout = shared.fn_timeout.get().unwrap_or(DEFAULT_FN_TIMEOUT);
        shared.deadline.set(Some(Instant::now() + timeout));
        *shared.stop.borrow_mut() = None;
        let context = match engine.context() {
            Ok(c) => c,
            // Killed (or out of time) while the context was being set up.
            Err(e) => {
                shared.deadline.set(None);
                let stopped = shared.stop.borrow_mut().take();
                engine.reset();
                return Err(stopped.unwrap_or(e));
            }
        };
        let functions = &mut engine.functions;
        let out = context.with(|ctx| -> Result<R> {
            let func = match functions.get(code) {
                Some(p) => p
                    .clone()
                    .restore(&ctx)
                    .map_err(|e| failure(&ctx, &shared, e))?,
                None => {
                    let func = compile(&ctx, code).map_err(|e| failure(&ctx, &shared, e))?;
                    if functions.len() >= MAX_CACHED_FUNCTIONS {
                        functions.clear();
                    }
                    functions.insert(code.to_string(), Persistent::save(&ctx, func.clone()));
                    func
                }
            };
            f(&ctx, func).map_err(|e| failure(&ctx, &shared, e))
        });
        shared.deadline.set(None);
        if let Err(e) = &out
            && engine.depth > 0
        {
            FAILURE.with(|f| f.borrow_mut().get_or_insert_with(|| e.clone()).clone());
        }
        if out.is_err() && shared.stop.borrow().is_some() {
            // A stopped or out-of-memory script may leave the context half-done: start over.
            *shared.stop.borrow_mut() = None;
            engine.reset();
        }
        out
    })
}

/// Evaluates script source as mongod does: sloppy mode (user code may assign undeclared names).
fn eval<'js, V: rquickjs::FromJs<'js>>(ctx: &Ctx<'js>, source: String) -> rquickjs::Result<V> {
    let mut options = rquickjs::context::EvalOptions::default();
    options.strict = false;
    ctx.eval_with_options(source, options)
}

/// mongod's reading of function source: a function expression as written; otherwise an
/// expression (`this.a > 1`) returned from a function; otherwise statements as a function body.
fn compile<'js>(ctx: &Ctx<'js>, code: &str) -> rquickjs::Result<Function<'js>> {
    let text = code.trim();
    let looks_like_function = text.starts_with("function")
        && text[8..].starts_with(|c: char| c == '(' || c.is_whitespace())
        || text.starts_with("async function")
        || text.contains("=>");
    if looks_like_function {
        match eval::<Value>(ctx, format!("({text}\n)")) {
            Ok(v) if v.is_function() => {
                if let Some(f) = v.into_function() {
                    return Ok(f);
                }
            }
            Ok(_) => {}
            Err(e) if text.starts_with("function") => return Err(e),
            Err(_) => {
                let _ = ctx.catch();
            }
        }
    }
    let expression = text.strip_suffix(';').unwrap_or(text);
    match eval::<Function>(ctx, format!("(function() {{ return ({expression}\n); }})")) {
        Ok(f) => Ok(f),
        Err(_) => {
            let _ = ctx.catch();
            eval::<Function>(ctx, format!("(function() {{\n{text}\n}})"))
        }
    }
}

/// The error for a failed call: why the interrupt handler stopped it, out of memory, or the
/// thrown value in mongod's words.
fn failure(ctx: &Ctx, shared: &Shared, e: rquickjs::Error) -> QueryError {
    let thrown = if e.is_exception() {
        Some(ctx.catch())
    } else {
        None
    };
    if let Some(stop) = shared.stop.borrow().clone() {
        return stop;
    }
    if matches!(e, rquickjs::Error::Allocation) {
        return out_of_memory(shared);
    }
    let Some(thrown) = thrown else {
        return interpreter_failure(e.to_string());
    };
    if let Some(ex) = thrown.as_exception() {
        let name: String = ex.get("name").unwrap_or_else(|_| "Error".to_string());
        let message = ex.message().unwrap_or_default();
        if name == "InternalError" && message.contains("out of memory") {
            return out_of_memory(shared);
        }
        let stack = ex.stack().unwrap_or_default();
        return interpreter_failure(format!("{name}: {message} :\n{stack}"));
    }
    let text = match thrown.as_string().and_then(|s| s.to_string().ok()) {
        Some(s) => s,
        None => format!("{:?}", thrown),
    };
    interpreter_failure(format!("uncaught exception: {text}"))
}

fn out_of_memory(shared: &Shared) -> QueryError {
    let e = interpreter_failure("Out of memory");
    *shared.stop.borrow_mut() = Some(e.clone());
    e
}

/// The globals: the prelude's constructors and helpers, plus the two that need Rust.
fn install_globals(ctx: &Ctx, shared: Rc<Shared>) -> Result<()> {
    let setup = || -> rquickjs::Result<()> {
        let globals = ctx.globals();
        globals.set(
            "hex_md5",
            Function::new(ctx.clone(), |s: rquickjs::Coerced<String>| hex_md5(&s.0))?,
        )?;
        globals.set(
            "sleep",
            Function::new(ctx.clone(), move |ctx: Ctx<'_>, ms: f64| {
                if sleep(&shared, ms) {
                    // The reason is in `shared.stop`; this only unwinds the script.
                    return Err(rquickjs::Exception::throw_internal(&ctx, "interrupted"));
                }
                Ok(())
            })?,
        )?;
        globals.set(
            "__newObjectIdHex",
            Function::new(ctx.clone(), || bson::oid::ObjectId::new().to_hex())?,
        )?;
        eval::<()>(ctx, PRELUDE.to_string())
    };
    setup().map_err(|e| {
        let detail = if e.is_exception() {
            format!("{:?}", ctx.catch())
        } else {
            e.to_string()
        };
        interpreter_failure(format!("server-side JavaScript prelude failed: {detail}"))
    })
}

fn hex_md5(s: &str) -> String {
    use md5::Digest;
    let digest = md5::Md5::digest(s.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// mongod's `sleep(ms)`: waits in small steps so a kill or time limit still stops it; true
/// when it was stopped.
fn sleep(shared: &Shared, ms: f64) -> bool {
    let until = Instant::now() + Duration::from_millis(ms.max(0.0) as u64);
    while Instant::now() < until {
        if shared.should_stop() {
            return true;
        }
        let left = until.saturating_duration_since(Instant::now());
        std::thread::sleep(left.min(Duration::from_millis(10)));
    }
    false
}

/// `$where`: `this` and `obj` are the document.
pub(super) fn call_predicate(code: &str, doc: &Document) -> Result<bool> {
    with_function(code, |ctx, func| {
        let this = to_js_document(ctx, doc)?;
        ctx.globals().set("obj", this.clone())?;
        let mut args = Args::new(ctx.clone(), 0);
        args.this(this)?;
        let result: Value = args.apply(&func)?;
        Ok(truthy(&result))
    })
}

/// Calls the function with `args`, `this` undefined.
pub(super) fn call(code: &str, args: &[Bson]) -> Result<Bson> {
    // The closure's own result is the conversion's (a QueryError), inside the call's.
    with_function(code, |ctx, func| {
        let mut call = Args::new(ctx.clone(), args.len());
        for a in args {
            call.push_arg(to_js(ctx, a)?)?;
        }
        let result: Value = call.apply(&func)?;
        Ok(from_js(ctx, &result, 0))
    })?
}

/// Calls the function `code` with the compiled function `func_code` as its first argument, then
/// `rest` (how `$accumulator` hands the user's `accumulate` to its batch loop).
pub(super) fn call_with_function_arg(code: &str, func_code: &str, rest: &[Bson]) -> Result<Bson> {
    let func = with_function(func_code, |ctx, f| Ok(Persistent::save(ctx, f)))?;
    with_function(code, |ctx, outer| {
        let mut call = Args::new(ctx.clone(), rest.len() + 1);
        call.push_arg(func.restore(ctx)?)?;
        for a in rest {
            call.push_arg(to_js(ctx, a)?)?;
        }
        let result: Value = call.apply(&outer)?;
        Ok(from_js(ctx, &result, 0))
    })?
}

/// JavaScript's ToBoolean.
fn truthy(v: &Value) -> bool {
    if let Some(b) = v.as_bool() {
        return b;
    }
    if v.is_undefined() || v.is_null() {
        return false;
    }
    if let Some(n) = v.as_number() {
        return n != 0.0 && !n.is_nan();
    }
    if let Some(s) = v.as_string() {
        return s.to_string().map(|s| !s.is_empty()).unwrap_or(true);
    }
    true
}
