//! Time limits: each statement may run for at most this long (the cell's `--time-limit
//! SECONDS`, else `%config time_limit`, else `[settings] time_limit` in dbkernel.toml; 20 s by
//! default under nbgrader, whose own limit is 30 s per cell, so a runaway query fails its cell
//! with a clear message instead of a grader timeout). The clock starts again whenever the engine
//! hands over a statement's result ([`Progress`]): SQL and MQL statements are limited one by one;
//! a Redis cell, whose replies go out together, is limited as a whole.
//!
//! When the limit passes, the kernel presses the stop button for the user: the engine cancels
//! on the server through its existing cancellation (`pg_cancel_backend`, `KILL QUERY`,
//! SQLite's interrupt, `killOp`, closing a blocked Redis connection) and names the statement it
//! stopped; this module turns that interruption into a `TimeLimitExceeded` error.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::engine::EngineError;
use crate::engine::context::ResultSink;
use crate::result::QueryResult;

/// When the last statement finished (or the cell started), shared with the limiter.
pub type LastProgress = Arc<Mutex<Instant>>;

pub fn started_now() -> LastProgress {
    Arc::new(Mutex::new(Instant::now()))
}

/// A sink that notes each finished result, so the limit applies per statement.
pub struct Progress<'a> {
    inner: &'a mut dyn ResultSink,
    last: LastProgress,
}

impl<'a> Progress<'a> {
    pub fn new(inner: &'a mut dyn ResultSink, last: LastProgress) -> Self {
        Progress { inner, last }
    }
}

impl ResultSink for Progress<'_> {
    fn emit(&mut self, result: QueryResult) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        self.inner.emit(result);
    }
    // A live display (SUBSCRIBE, MONITOR) is one long statement with its own bound: its
    // updates do not restart the clock.
    fn live(&mut self, result: QueryResult) {
        self.inner.live(result);
    }
    fn stdout(&mut self, text: &str) {
        self.inner.stdout(text);
    }
    fn stderr(&mut self, text: &str) {
        self.inner.stderr(text);
    }
    fn meter(&self) -> crate::engine::progress::Meter {
        self.inner.meter()
    }
}

/// Returns when a statement has run for `limit` without finishing.
pub async fn overrun(limit: Duration, last: &LastProgress) {
    loop {
        let since = *last.lock().unwrap_or_else(|e| e.into_inner());
        let deadline = since + limit;
        tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)).await;
        let since = *last.lock().unwrap_or_else(|e| e.into_inner());
        if since.elapsed() >= limit {
            return;
        }
    }
}

/// The default under a grader: well inside nbgrader's 30 s per cell.
pub const GRADER_DEFAULT: Duration = Duration::from_secs(20);

/// Longest accepted limit (a day); anything longer is a typo.
const MAX_SECONDS: f64 = 86_400.0;

/// Seconds for a limit: `2`, `0.5`, `10s`. `None` when out of range or not a number.
pub fn parse(value: &str) -> Option<Duration> {
    let number = value.trim().trim_end_matches('s').trim();
    let seconds: f64 = number.parse().ok()?;
    (seconds > 0.0 && seconds <= MAX_SECONDS).then(|| Duration::from_secs_f64(seconds))
}

/// `%config time_limit = off` and `0` remove the limit.
pub fn parse_setting(value: &str) -> Result<Option<Duration>, EngineError> {
    match value.trim() {
        "off" | "none" | "0" => Ok(None),
        other => parse(other).map(Some).ok_or_else(|| {
            EngineError::usage(format!(
                "time_limit expects seconds (e.g. 10 or 2.5, at most a day) or off, got '{other}'"
            ))
        }),
    }
}

/// The interruption the engine reported, as a time-limit failure (its detail says which
/// statement was stopped).
pub fn exceeded(limit: Duration, interrupted: EngineError) -> EngineError {
    let mut error = EngineError::new(
        "TimeLimitExceeded",
        format!(
            "a statement ran longer than the time limit of {} and was stopped on the server; raise it with --time-limit SECONDS on the cell or %config time_limit = SECONDS",
            describe(limit)
        ),
    );
    error.detail = interrupted.detail;
    error
}

pub fn describe(limit: Duration) -> String {
    let seconds = limit.as_secs_f64();
    if seconds.fract() == 0.0 {
        format!("{seconds:.0} s")
    } else {
        format!("{seconds} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_in_seconds_and_off_removes_them() {
        assert_eq!(parse("2.5"), Some(Duration::from_millis(2500)));
        assert_eq!(parse("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse("0"), None);
        assert_eq!(parse("-1"), None);
        assert_eq!(parse("soon"), None);
        assert_eq!(parse_setting("off").unwrap(), None);
        assert!(
            parse_setting("lots")
                .unwrap_err()
                .evalue
                .contains("seconds")
        );
    }

    #[test]
    fn the_error_keeps_the_engines_account_of_the_statement() {
        let interrupted =
            EngineError::interrupted().with_detail("statement 2 of 3 was cancelled on the server");
        let e = exceeded(Duration::from_secs(2), interrupted);
        assert_eq!(e.ename, "TimeLimitExceeded");
        assert!(e.evalue.contains("time limit of 2 s"), "{}", e.evalue);
        assert_eq!(e.detail, ["statement 2 of 3 was cancelled on the server"]);
    }
}
