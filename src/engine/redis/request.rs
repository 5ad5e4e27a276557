//! One command on the session, stoppable.
//!
//! Dropping a driver future does not stop anything on the server: the command keeps running and
//! the connection stays queued behind its reply. So when the stop button (or a blocking
//! command's cell bound) fires, the engine asks the server to let go from a side connection —
//! `CLIENT UNBLOCK <id> TIMEOUT` for a blocked client (the command then returns its ordinary
//! timeout reply and `MULTI`/`SELECT` state survives), `SCRIPT KILL` / `FUNCTION KILL` for a
//! running script — and waits briefly for the reply. If none comes, the session is dropped and
//! reopened: the server closes the old connection and the next cell starts clean.

use std::time::Duration;

use redis::{Cmd, RedisError, Value};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::connect::{Session, side_command};

/// How long the server gets to answer after being asked to let go.
const RELEASE_GRACE: Duration = Duration::from_millis(1000);

/// Why a command was stopped before it answered on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Cancelled,
    /// The cell's `--timeout` bound for blocking commands.
    Deadline,
}

/// How a command ended.
pub enum Finished {
    /// It answered on its own.
    Reply(Value),
    /// It was stopped; the server released it and gave this reply (`(nil)` for a blocking pop).
    Released(Stop, Value),
    /// It was stopped and the server did not release it in time: the session must be reopened.
    Abandoned(Stop),
}

/// Runs `command` (named `name`, upper case) on the session until it answers, `cancel` fires or
/// `deadline` passes.
pub async fn run(
    session: &Session,
    name: &str,
    command: &Cmd,
    cancel: &CancellationToken,
    deadline: Option<Instant>,
) -> Result<Finished, RedisError> {
    let mut conn = session.conn.clone();
    let reply = conn.send(command);
    tokio::pin!(reply);
    let bound = async {
        match deadline {
            Some(at) => tokio::time::sleep_until(at).await,
            None => std::future::pending().await,
        }
    };
    let stop = tokio::select! {
        result = &mut reply => return result.map(Finished::Reply),
        _ = cancel.cancelled() => Stop::Cancelled,
        _ = bound => Stop::Deadline,
    };
    release(session, name).await;
    match tokio::time::timeout(RELEASE_GRACE, &mut reply).await {
        Ok(result) => result.map(|value| Finished::Released(stop, value)),
        Err(_) => Ok(Finished::Abandoned(stop)),
    }
}

/// Asks the server to stop what the session is doing, from a side connection.
async fn release(session: &Session, name: &str) {
    if let Some(id) = session.client_id {
        let unblock = redis::cmd("CLIENT")
            .arg("UNBLOCK")
            .arg(id)
            .arg("TIMEOUT")
            .to_owned();
        if side_command(&session.client, &unblock).await == Some(Value::Int(1)) {
            return;
        }
    }
    let kill = match name {
        "EVAL" | "EVALSHA" | "EVAL_RO" | "EVALSHA_RO" => {
            Some(redis::cmd("SCRIPT").arg("KILL").to_owned())
        }
        "FCALL" | "FCALL_RO" => Some(redis::cmd("FUNCTION").arg("KILL").to_owned()),
        _ => None,
    };
    if let Some(kill) = kill {
        // NOTBUSY or UNKILLABLE (the script wrote) leave the reconnect fallback to act.
        side_command(&session.client, &kill).await;
    }
}
