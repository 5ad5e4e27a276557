//! Server-side JavaScript: what mongod runs for `$where`, `$function` and `$accumulator`.
//!
//! One QuickJS runtime per thread (`runtime`), reused by every operation on that thread so a
//! 100k-document `$where` scan pays for setup once; each operation gets a fresh context (no
//! globals leak from one operation into the next) and its compiled functions are cached by
//! source text for the operation's life, as mongod memoizes `createFunction`.
//!
//! Time and memory are bounded the way mongod bounds them:
//! - every call may run for `internalQueryJavaScriptFnTimeoutMillis` (60 s by default) before it
//!   fails with 11601 "JavaScript execution interrupted";
//! - the operation's own check (the engine's `killOp` flag and `maxTimeMS` deadline, given to
//!   [`OperationScope::enter`]) is polled from QuickJS's interrupt handler, so an endless loop in
//!   user code stops with the operation's own error (11601 / 50);
//! - the heap is capped at [`HEAP_LIMIT_BYTES`]; running out is 139 "Out of memory".
//!
//! JavaScript errors are 139 JSInterpreterFailure with mongod's text (`Error: msg :\nstack`).
//! Documents cross as JavaScript objects with BSON types mapped (`convert`): ObjectId, Date,
//! NumberLong, NumberDecimal, BinData, Timestamp, MinKey/MaxKey, RegExp; and back.
//!
//! Invariant: like the rest of the crate, no I/O and no threads; this module alone reads the
//! clock (for the JavaScript time limit) and may sleep (the `sleep()` global mongod offers).

mod convert;
mod runtime;

pub mod accumulator;
pub mod function;

use std::sync::Arc;
use std::time::Duration;

use bson::{Bson, Document};

use crate::error::{QueryError, Result};

/// mongod's `internalQueryJavaScriptFnTimeoutMillis` default: one call's time limit.
pub const DEFAULT_FN_TIMEOUT: Duration = Duration::from_secs(60);

/// The most a thread's JavaScript heap may hold.
pub const HEAP_LIMIT_BYTES: usize = 256 * 1024 * 1024;

/// The caller's interruption check, polled while JavaScript runs.
pub type InterruptCheck = Arc<dyn Fn() -> Result<()> + Send + Sync>;

/// The JavaScript side of one operation on this thread: while it lives, server-side JavaScript
/// polls `check` and each call runs for at most `fn_timeout`. When the outermost scope ends,
/// the operation's context and compiled functions are dropped.
pub struct OperationScope {
    // Scopes are per thread: keep the guard on the thread that entered it.
    _not_send: std::marker::PhantomData<*const ()>,
}

impl OperationScope {
    /// Enters an operation (nested scopes keep the outermost one's check).
    pub fn enter(check: InterruptCheck, fn_timeout: Duration) -> OperationScope {
        runtime::enter(check, fn_timeout);
        OperationScope {
            _not_send: std::marker::PhantomData,
        }
    }
}

impl Drop for OperationScope {
    fn drop(&mut self) {
        runtime::leave();
    }
}

/// Compiles `code` (checking its syntax, as mongod does when it parses `$where`).
pub fn compile(code: &str) -> Result<()> {
    runtime::with_function(code, |_, _| Ok(()))
}

/// `$where`: runs `code` with `this` and the global `obj` bound to `doc`; JavaScript truthiness
/// of the result.
pub fn run_predicate(code: &str, doc: &Document) -> Result<bool> {
    runtime::call_predicate(code, doc)
}

/// Calls the function `code` with `args` (no `this`) and returns its result as BSON.
pub fn call(code: &str, args: &[Bson]) -> Result<Bson> {
    runtime::call(code, args)
}

/// The first JavaScript failure of the current operation, taken (callers whose matching reads
/// errors as "no match" report it after the scan).
pub fn take_failure() -> Option<QueryError> {
    runtime::take_failure()
}

/// A `$where` value: String or Code (CodeWScope no longer), compiled now so a syntax error is
/// the query's error before any document is read, as in mongod.
pub fn parse_where(value: &Bson) -> Result<String> {
    let code = match value {
        Bson::String(s) | Bson::JavaScriptCode(s) => s.clone(),
        Bson::JavaScriptCodeWithScope(_) => {
            return Err(QueryError::bad_value(
                "$where no longer supports deprecated BSON type CodeWScope",
            ));
        }
        _ => return Err(QueryError::bad_value("$where got bad type")),
    };
    compile(&code)?;
    Ok(code)
}

/// 139 JSInterpreterFailure with `message`.
pub(crate) fn interpreter_failure(message: impl Into<String>) -> QueryError {
    QueryError::new(139, "JSInterpreterFailure", message)
}

/// The code of a `$where`, `$function` body or `$accumulator` function: String or Code.
pub(crate) fn code_text(v: &Bson) -> Option<&str> {
    match v {
        Bson::String(s) | Bson::JavaScriptCode(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
