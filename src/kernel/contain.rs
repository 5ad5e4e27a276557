//! Panic containment for the executor: a panic anywhere below a cell (an engine, a driver's
//! decoder, a renderer) becomes that cell's error output, and the executor goes on to the next
//! cell. Without this, one panic ends the executor task and every later cell stays busy forever.
//!
//! The panic hook records where the panic happened (file:line) in a thread-local so the error
//! output can say it; the cell's future is polled on the thread that panicked, so the location
//! read after `catch_unwind` is this panic's.

use std::any::Any;
use std::cell::RefCell;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Once;

use futures_util::FutureExt;

use crate::engine::EngineError;

thread_local! {
    static LAST_PANIC_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Installs (once) a panic hook that remembers each panic's location, then runs the previous
/// hook (which logs the panic to stderr, the kernel's log).
pub fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()));
            LAST_PANIC_LOCATION.with(|cell| *cell.borrow_mut() = location);
            previous(info);
        }));
    });
}

/// Runs `work`; a panic inside it comes back as an `InternalError` for the cell.
pub async fn contained<T>(
    work: impl Future<Output = Result<T, EngineError>>,
) -> Result<T, EngineError> {
    install_hook();
    match AssertUnwindSafe(work).catch_unwind().await {
        Ok(outcome) => outcome,
        Err(payload) => {
            let location = LAST_PANIC_LOCATION.with(|cell| cell.borrow_mut().take());
            Err(panic_error(payload.as_ref(), location))
        }
    }
}

/// Fault injection for the test suite: with `DBKERNEL_FAULT_INJECTION=1` in the kernel's
/// environment, a cell that is exactly `%panic MESSAGE` panics where an engine would, so the
/// Jupyter-level tests can prove containment end to end. Without the variable it is an ordinary
/// (unknown) line magic.
pub fn inject_fault(code: &str) {
    let Some(message) = code.trim().strip_prefix("%panic") else {
        return;
    };
    if std::env::var("DBKERNEL_FAULT_INJECTION").as_deref() == Ok("1") {
        panic!("injected fault: {}", message.trim());
    }
}

/// The error output for a contained panic: what happened, that the kernel lives on, what to do.
pub fn panic_error(payload: &(dyn Any + Send), location: Option<String>) -> EngineError {
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    let mut error = EngineError::new(
        "InternalError",
        format!("dbkernel hit a bug while running this cell: {message}"),
    );
    if let Some(location) = location {
        error = error.with_detail(format!("panicked at {location}"));
    }
    error.with_detail(
        "The kernel is still running and the next cell will work; please report this cell at the project's issue tracker.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_an_internal_error_and_work_goes_on() {
        let outcome: Result<(), EngineError> = contained(async {
            let values: Vec<i32> = Vec::new();
            let _ = values[3];
            Ok(())
        })
        .await;
        let error = outcome.unwrap_err();
        assert_eq!(error.ename, "InternalError");
        assert!(error.evalue.contains("index out of bounds"), "{error}");
        assert!(
            error.detail.iter().any(|l| l.contains("contain.rs")),
            "{error:?}"
        );
        let after: Result<u8, EngineError> = contained(async { Ok(7) }).await;
        assert_eq!(after.unwrap(), 7);
    }

    #[tokio::test]
    async fn a_formatted_panic_message_is_kept() {
        let n = 42;
        let outcome: Result<(), EngineError> =
            contained(async move { panic!("overflowed at {n}") }).await;
        assert!(outcome.unwrap_err().evalue.contains("overflowed at 42"));
    }
}
