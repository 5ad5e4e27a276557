//! Running one statement under the stop button.
//!
//! sqlx futures are not cancel-safe: dropping one mid-statement can leave the connection with a
//! half-read reply (sqlx#563). So the stop button never drops the statement future. It sends a
//! cancel *to the server* instead (PostgreSQL `pg_cancel_backend`, MySQL `KILL QUERY`, SQLite's
//! interrupt flag), keeps polling the original future until the server answers with its
//! "cancelled" error, and only then reports the interrupt, with the connection in a clean state.
//!
//! A cancel that lands before the statement reached the server does nothing, so it is re-sent
//! every second. If the server still has not answered after [`ABANDON_AFTER`], the future is
//! dropped and the caller must throw the connection away and reconnect.

use std::future::Future;
use std::time::Duration;

use tokio::time::{Instant, MissedTickBehavior};
use tokio_util::sync::CancellationToken;

/// How long to wait for the server to honour a cancel before giving up on the connection.
pub const ABANDON_AFTER: Duration = Duration::from_secs(10);
const RESEND_EVERY: Duration = Duration::from_secs(1);
const TICK: Duration = Duration::from_millis(200);

/// How a statement future ended.
pub enum Driven<T> {
    /// It finished on its own.
    Finished(T),
    /// The user pressed stop; the future then finished (usually with the server's cancel error).
    Cancelled(T),
    /// The user pressed stop and the server never answered: the connection is unusable.
    Abandoned,
}

impl<T> Driven<Result<T, sqlx::Error>> {
    /// The statement's value, or the outcome the session reports at once. A cancel that ended in
    /// anything but the server's own cancellation error is a real failure, reported as such.
    /// On `InterruptedConnectionReset` the caller must drop its connection.
    pub fn settle(self) -> Result<T, super::driver::Outcome> {
        use super::driver::Outcome;
        match self {
            Driven::Finished(Ok(value)) => Ok(value),
            Driven::Finished(Err(e)) => Err(Outcome::Failed(e)),
            Driven::Cancelled(Err(e)) if !super::error::is_cancellation(&e) => {
                Err(Outcome::Failed(e))
            }
            Driven::Cancelled(_) => Err(Outcome::Interrupted),
            Driven::Abandoned => Err(Outcome::InterruptedConnectionReset),
        }
    }
}

/// Polls `statement` to completion. When `cancel` fires, spawns `send_cancel()` (and again every
/// second) while continuing to poll. `tick` runs every 200 ms and at the end (to flush notices).
pub async fn drive<T, F, C, CF>(
    statement: F,
    cancel: &CancellationToken,
    send_cancel: C,
    mut tick: impl FnMut(),
) -> Driven<T>
where
    F: Future<Output = T>,
    C: Fn() -> CF,
    CF: Future<Output = ()> + Send + 'static,
{
    tokio::pin!(statement);
    let mut cancelled_at: Option<Instant> = None;
    let mut last_sent = Instant::now();
    let mut ticker = tokio::time::interval_at(Instant::now() + TICK, TICK);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            biased;
            output = &mut statement => {
                tick();
                return if cancelled_at.is_some() { Driven::Cancelled(output) } else { Driven::Finished(output) };
            }
            _ = cancel.cancelled(), if cancelled_at.is_none() => {
                tokio::spawn(send_cancel());
                cancelled_at = Some(Instant::now());
                last_sent = Instant::now();
            }
            _ = ticker.tick() => {
                tick();
                if let Some(at) = cancelled_at {
                    if at.elapsed() >= ABANDON_AFTER {
                        return Driven::Abandoned;
                    }
                    if last_sent.elapsed() >= RESEND_EVERY {
                        tokio::spawn(send_cancel());
                        last_sent = Instant::now();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[tokio::test]
    async fn keeps_polling_until_the_server_gives_up() {
        let cancel = CancellationToken::new();
        let stop = Arc::new(AtomicBool::new(false));
        let statement = {
            let stop = stop.clone();
            async move {
                while !stop.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                "cancelled by server"
            }
        };
        let trigger = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            trigger.cancel();
        });
        let send = {
            let stop = stop.clone();
            move || {
                let stop = stop.clone();
                async move { stop.store(true, Ordering::SeqCst) }
            }
        };
        match drive(statement, &cancel, send, || {}).await {
            Driven::Cancelled(out) => assert_eq!(out, "cancelled by server"),
            _ => panic!("expected Cancelled"),
        }
    }

    #[tokio::test]
    async fn finishes_without_cancel() {
        let cancel = CancellationToken::new();
        let send = || async {};
        assert!(matches!(
            drive(async { 7 }, &cancel, send, || {}).await,
            Driven::Finished(7)
        ));
    }
}
