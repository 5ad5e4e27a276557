//! Running a cell's commands in order on the pinned session.
//!
//! Each line's reply becomes one [`RedisEntry`]; all of them go out as ONE
//! `QueryResult::Redis` when the cell ends (streaming lines also update the cell's live display as
//! messages arrive). Commands run one at a time, in order, so that a failing line stops the cell
//! exactly there: earlier replies are kept, the failing line shows its `(error)`, later lines are
//! marked not run, and the cell fails with `RedisError[CODE]` naming the line. (Pipelining would
//! have run the later lines already.)

use std::time::Duration;

use redis::Value;
use tokio::time::Instant;

use super::classify::{Kind, classify, ends_transaction};
use super::cluster;
use super::connect::{Session, Target, connect, connect_error, side_command};
use super::raw::prints_raw;
use super::reply::{convert, error_code};
use super::request::{self, Finished, Stop};
use super::stream::{self, Bounds, StreamStop};
use super::tokenize::Command;
use super::topology::Topology;
use crate::cell::Cell;
use crate::engine::{CellContext, EngineError};
use crate::result::{Provenance, QueryResult, RedisEntry, RedisReplies, RedisValue};
use crate::session::variables::Variable;

/// What one line did, for the loop to decide whether to go on.
enum Step {
    Continue(RedisValue),
    /// The cell stops here with this line's value and this error.
    Fail(RedisValue, EngineError),
}

pub struct CellRun<'r, 'c> {
    pub target: &'r Target,
    pub slot: &'r mut Option<Session>,
    pub cell: &'r Cell,
    pub ctx: &'r mut CellContext<'c>,
    entries: Vec<RedisEntry>,
    started: Instant,
    /// Whether a streaming line opened the cell's live display; the final replies then replace
    /// it in place instead of appearing a second time below it.
    live_used: bool,
}

impl<'r, 'c> CellRun<'r, 'c> {
    pub fn new(
        target: &'r Target,
        slot: &'r mut Option<Session>,
        cell: &'r Cell,
        ctx: &'r mut CellContext<'c>,
    ) -> Self {
        CellRun {
            target,
            slot,
            cell,
            ctx,
            entries: Vec::new(),
            started: Instant::now(),
            live_used: false,
        }
    }

    /// Runs every command; emits the replies; keeps `--out`.
    pub async fn run(mut self, commands: &[Command]) -> Result<(), EngineError> {
        if let Some(path) = &self.cell.options.export {
            // Checked before anything runs, so a refused file costs no command.
            crate::export::Target::check(path, self.cell.options.format, self.cell.options.force)?;
        }
        let mut failure = None;
        for (index, command) in commands.iter().enumerate() {
            self.ctx.progress.at_statement(index, commands.len());
            if self.ctx.cancel.is_cancelled() {
                failure = Some(EngineError::interrupted());
                break;
            }
            match self.step(index, command).await {
                Step::Continue(reply) => self.entries.push(RedisEntry {
                    command: command.text.clone(),
                    reply,
                    raw: prints_raw(command),
                }),
                Step::Fail(reply, error) => {
                    self.entries.push(RedisEntry {
                        command: command.text.clone(),
                        reply,
                        raw: prints_raw(command),
                    });
                    failure = Some(error);
                    break;
                }
            }
        }
        for command in commands.iter().skip(self.entries.len()) {
            self.entries.push(RedisEntry {
                command: command.text.clone(),
                reply: RedisValue::NotRun,
                raw: false,
            });
        }
        if failure.is_none()
            && let Some(name) = &self.cell.options.out
            && let Some(last) = self.entries.last()
        {
            self.ctx
                .variables
                .lock()
                .set(name, Variable::Redis(last.reply.clone()));
        }
        // `--export`: the cell's last reply, whole (Redis sends a reply in one piece), written
        // as `%export` writes a kept one.
        let receipt = match (&self.cell.options.export, &failure, self.entries.last()) {
            (Some(path), None, Some(last)) => Some(crate::export::redis::export_reply(
                &last.reply,
                Some(&last.command),
                crate::export::Target::check(
                    path,
                    self.cell.options.format,
                    self.cell.options.force,
                )?,
            )?),
            _ => None,
        };
        // `--chart`: the cell's last reply drawn instead of the replies (whole: a reply is
        // already in memory, so nothing is cut before it is drawn).
        if failure.is_none()
            && let Some(request) = &self.cell.options.chart
            && let Some(last) = self.entries.last()
        {
            let provenance = Provenance {
                connection: self.ctx.connection_name.clone(),
                elapsed: self.started.elapsed(),
                note: None,
            };
            let drawn = crate::charts::redis::chart_reply(
                request.clone(),
                Some(&last.command),
                &last.reply,
                provenance,
            )?;
            self.entries.clear();
            self.ctx.sink.emit(drawn);
            if let Some(receipt) = receipt {
                self.ctx.sink.emit(QueryResult::Export(receipt));
            }
            if let Some(note) = self.slot.as_ref().and_then(Session::footer_note) {
                self.ctx.sink.stdout(&format!("{note}\n"));
            }
            return Ok(());
        }
        let limit = if self.cell.options.out.is_some() {
            usize::MAX
        } else {
            self.ctx.display_limit
        };
        let entries = std::mem::take(&mut self.entries)
            .into_iter()
            .map(|e| RedisEntry {
                command: e.command,
                reply: truncate(e.reply, limit),
                raw: e.raw,
            })
            .collect();
        let result = self.result(entries);
        if self.live_used {
            self.ctx.sink.live(result);
        } else {
            self.ctx.sink.emit(result);
        }
        if let Some(receipt) = receipt {
            self.ctx.sink.emit(QueryResult::Export(receipt));
        }
        // Server-side state the next cell inherits, said under every result while it lasts
        // (redis-cli shows `(TX)` in its prompt): otherwise every later command prints only
        // QUEUED and nothing says why.
        if let Some(note) = self.slot.as_ref().and_then(Session::footer_note) {
            self.ctx.sink.stdout(&format!("{note}\n"));
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn result(&self, entries: Vec<RedisEntry>) -> QueryResult {
        QueryResult::Redis(RedisReplies {
            entries,
            provenance: Provenance {
                connection: self.ctx.connection_name.clone(),
                elapsed: self.started.elapsed(),
                note: None,
            },
        })
    }

    /// The user's line number (1-based, counting the magic line) of a command.
    fn line_of(&self, command: &Command) -> usize {
        self.cell.body_line + command.line + 1
    }

    async fn session(&mut self) -> Result<&mut Session, EngineError> {
        if self.slot.is_none() {
            let session = connect(self.target, None, None)
                .await
                .map_err(|e| connect_error(self.target, &e))?;
            *self.slot = Some(session);
        }
        self.slot
            .as_mut()
            .ok_or_else(|| EngineError::new("RedisConnectionError", "no session"))
    }

    /// Drops the session and opens a new one on the same database and protocol. The old
    /// connection is killed on the server so nothing it was doing lingers.
    async fn reopen(
        &mut self,
        protocol: Option<redis::ProtocolVersion>,
    ) -> Result<(), EngineError> {
        let Some(old) = self.slot.take() else {
            return self.session().await.map(|_| ());
        };
        if old.in_multi {
            self.ctx.sink.stderr("warning: the open MULTI transaction was discarded when the connection was reopened\n");
        }
        if let Some(id) = old.client_id {
            side_command(
                &old.client,
                redis::cmd("CLIENT").arg("KILL").arg("ID").arg(id),
            )
            .await;
        }
        let session = connect(
            self.target,
            Some(old.db),
            Some(protocol.unwrap_or(old.protocol)),
        )
        .await
        .map_err(|e| connect_error(self.target, &e))?;
        if let Topology::Sentinel { service, .. } = &self.target.topology
            && session.server != old.server
        {
            self.ctx.sink.stderr(&format!(
                "the sentinels now name {} as the master of '{service}' (it was {}): a failover happened, and this connection follows it\n",
                session.server, old.server
            ));
        }
        *self.slot = Some(session);
        Ok(())
    }

    async fn step(&mut self, index: usize, command: &Command) -> Step {
        let in_multi = match self.session().await {
            Ok(session) => session.in_multi,
            Err(error) => return Step::Fail(RedisValue::NotRun, error),
        };
        let line = self.line_of(command);
        match classify(command, in_multi) {
            Kind::Refused(why) => Step::Fail(
                RedisValue::NotRun,
                EngineError::usage(format!(
                    "line {line}: {} is not run by this kernel: {why}",
                    command.name()
                )),
            ),
            Kind::Stream => self.stream(command).await,
            Kind::Hello(version) => {
                let protocol = if version == 3 {
                    redis::ProtocolVersion::RESP3
                } else {
                    redis::ProtocolVersion::RESP2
                };
                if let Err(error) = self.reopen(Some(protocol)).await {
                    return Step::Fail(RedisValue::NotRun, error);
                }
                self.request(index, command, None).await
            }
            Kind::Blocking => {
                let bound = self.cell.options.timeout.unwrap_or(stream::DEFAULT_TIMEOUT);
                self.request(index, command, Some(bound)).await
            }
            Kind::Ordinary => self.request(index, command, None).await,
        }
    }

    /// One request/reply command on the session; `bound` limits blocking commands.
    async fn request(&mut self, index: usize, command: &Command, bound: Option<Duration>) -> Step {
        let name = command.name();
        let mut packed = redis::Cmd::new();
        for arg in &command.args {
            packed.arg(arg.as_slice());
        }
        if self.slot.as_ref().is_some_and(|s| s.conn.is_cluster())
            && let Some(why) = cluster::refusal(&name)
        {
            return Step::Fail(
                RedisValue::NotRun,
                EngineError::usage(format!("line {}: {why}", self.line_of(command))),
            );
        }
        let cancel = self.ctx.cancel.clone();
        let mut retried = false;
        let finished = loop {
            let session = match self.session().await {
                Ok(session) => session,
                Err(error) => return Step::Fail(RedisValue::NotRun, error),
            };
            let deadline = bound.map(|b| Instant::now() + b);
            match request::run(session, &name, &packed, &cancel, deadline).await {
                // The master the sentinels named was demoted (a failover) but kept this
                // connection: the write was refused, so asking the sentinels again and sending
                // it once more to the new master is safe.
                Ok(Finished::Reply(Value::ServerError(e)))
                    if e.code() == "READONLY"
                        && !retried
                        && !session.in_multi
                        && matches!(self.target.topology, Topology::Sentinel { .. }) =>
                {
                    retried = true;
                    if let Err(error) = self.reopen(None).await {
                        return Step::Fail(RedisValue::NotRun, error);
                    }
                }
                Ok(finished) => break finished,
                // An idle connection the server (or a network) closed since the last cell: the
                // command never reached the server, so reopening and sending it once is safe.
                Err(e) if index == 0 && !retried && e.is_connection_dropped() => {
                    retried = true;
                    if let Err(error) = self.reopen(None).await {
                        return Step::Fail(RedisValue::NotRun, error);
                    }
                }
                Err(e) => {
                    let lost_multi = self.slot.as_ref().is_some_and(|s| s.in_multi);
                    // The next cell reconnects; nothing else can be trusted about this one.
                    *self.slot = None;
                    let mut error = EngineError::new(
                        "RedisConnectionError",
                        format!(
                            "line {}: the connection failed while running {name}: {e}",
                            self.line_of(command)
                        ),
                    )
                    .with_detail("the connection will be reopened for the next cell");
                    if lost_multi {
                        error = error.with_detail("the open MULTI transaction was lost");
                    }
                    return Step::Fail(RedisValue::NotRun, error);
                }
            }
        };
        let style = self
            .slot
            .as_ref()
            .map(|s| s.double_style)
            .unwrap_or_default();
        let value = match finished {
            Finished::Reply(value) => convert(value, style),
            Finished::Released(stop, value) => {
                let value = convert(value, style);
                if stop == Stop::Cancelled {
                    return Step::Fail(value, EngineError::interrupted());
                }
                self.note_bound(command, bound);
                value
            }
            Finished::Abandoned(stop) => {
                let value = RedisValue::Status(
                    "(no reply: stopped, and the connection was reopened)".into(),
                );
                if let Err(error) = self.reopen(None).await {
                    return Step::Fail(value, error);
                }
                if stop == Stop::Cancelled {
                    return Step::Fail(value, EngineError::interrupted());
                }
                self.note_bound(command, bound);
                value
            }
        };
        self.track_state(command, &value);
        match self.check_error(command, value) {
            Step::Fail(value, mut error) if error.evalue.contains("CROSSSLOT") => {
                if let Some(mut conn) = self.slot.as_ref().map(|s| s.conn.clone()) {
                    for line in cluster::crossslot_detail(&mut conn, &command.args).await {
                        error = error.with_detail(line);
                    }
                }
                Step::Fail(value, error)
            }
            step => step,
        }
    }

    fn note_bound(&mut self, command: &Command, bound: Option<Duration>) {
        let secs = bound.unwrap_or(stream::DEFAULT_TIMEOUT).as_secs_f64();
        self.ctx.sink.stderr(&format!(
            "{} (line {}) was stopped after {secs} s, the cell's bound for blocking commands; raise it with %%redis --timeout SECONDS\n",
            command.name(),
            self.line_of(command)
        ));
    }

    /// Follows the server-side state a reconnect must restore or warn about.
    fn track_state(&mut self, command: &Command, value: &RedisValue) {
        let Some(session) = self.slot.as_mut() else {
            return;
        };
        let name = command.name();
        let ok = matches!(value, RedisValue::Status(s) if s == "OK");
        if ends_transaction(&name) {
            // EXEC and DISCARD also forget every WATCH, whatever their reply.
            session.in_multi = false;
            session.queued = 0;
            session.queue_refused = false;
            session.watching = false;
            if name == "RESET" {
                session.db = 0;
            }
        } else if name == "MULTI" && ok {
            session.in_multi = true;
            session.queued = 0;
            session.queue_refused = false;
        } else if session.in_multi {
            match value {
                RedisValue::Status(s) if s == "QUEUED" => session.queued += 1,
                // A command refused while queueing makes EXEC abort the whole transaction.
                RedisValue::Error(_) => session.queue_refused = true,
                _ => {}
            }
        } else if name == "WATCH" && ok {
            session.watching = true;
        } else if name == "UNWATCH" && ok {
            session.watching = false;
        } else if name == "SELECT"
            && ok
            && !session.in_multi
            && let Some(db) = command
                .args
                .get(1)
                .and_then(|a| std::str::from_utf8(a).ok())
                .and_then(|a| a.parse().ok())
        {
            session.db = db;
        }
    }

    /// A top-level error reply fails the cell at this line.
    fn check_error(&self, command: &Command, value: RedisValue) -> Step {
        let RedisValue::Error(text) = &value else {
            return Step::Continue(value);
        };
        let mut error = EngineError::new(
            format!("RedisError[{}]", error_code(text)),
            format!("line {}: {text}", self.line_of(command)),
        )
        .with_detail(format!("in: {}", first_line(&command.text)));
        if self.slot.as_ref().is_some_and(|s| s.in_multi) {
            error = error.with_detail(
                "the connection is still inside MULTI: run EXEC (it will abort) or DISCARD",
            );
        }
        Step::Fail(value, error)
    }

    /// A streaming command on its own connection, updating the live display.
    async fn stream(&mut self, command: &Command) -> Step {
        let (client, style) = match self.session().await {
            Ok(session) => (session.client.clone(), session.double_style),
            Err(error) => return Step::Fail(RedisValue::NotRun, error),
        };
        let keep = if self.cell.options.out.is_some() {
            None
        } else {
            Some(self.ctx.display_limit.max(1))
        };
        let bounds = Bounds {
            timeout: self.cell.options.timeout.unwrap_or(stream::DEFAULT_TIMEOUT),
            max_messages: self.cell.options.count,
            keep,
        };
        let monitor = command.name() == "MONITOR";
        let cancel = self.ctx.cancel.clone();
        let started = self.started;
        let connection = self.ctx.connection_name.clone();
        let entries = &self.entries;
        let sink = &mut *self.ctx.sink;
        let live_used = &mut self.live_used;
        let outcome = stream::run(
            &client,
            &command.args,
            monitor,
            bounds,
            style,
            &cancel,
            |value| {
                let mut shown = entries.clone();
                shown.push(RedisEntry {
                    command: command.text.clone(),
                    reply: value.clone(),
                    raw: false,
                });
                *live_used = true;
                sink.live(QueryResult::Redis(RedisReplies {
                    entries: shown,
                    provenance: Provenance {
                        connection: connection.clone(),
                        elapsed: started.elapsed(),
                        note: None,
                    },
                }));
            },
        )
        .await;
        let line = self.line_of(command);
        if let Some(text) = outcome.error {
            let error = if outcome.stop.is_none()
                && matches!(outcome.reply, RedisValue::Array(ref items) if items.iter().any(|i| matches!(i, RedisValue::Error(_))))
            {
                EngineError::new(
                    format!("RedisError[{}]", error_code(&text)),
                    format!("line {line}: {text}"),
                )
            } else {
                EngineError::new("RedisConnectionError", format!("line {line}: {text}"))
            };
            return Step::Fail(
                outcome.reply,
                error.with_detail(format!("in: {}", first_line(&command.text))),
            );
        }
        match outcome.stop {
            Some(StreamStop::Bound(Stop::Cancelled)) => {
                Step::Fail(outcome.reply, EngineError::interrupted())
            }
            Some(StreamStop::Bound(Stop::Deadline)) => {
                self.ctx.sink.stderr(&stream::deadline_note(
                    &command.name(),
                    line,
                    bounds.timeout,
                    self.cell.options.timeout.is_some(),
                    outcome.messages,
                ));
                Step::Continue(outcome.reply)
            }
            Some(StreamStop::Count) | None => Step::Continue(outcome.reply),
        }
    }
}

fn first_line(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default().to_string();
    if lines.next().is_some() {
        format!("{first} ...")
    } else {
        first
    }
}

/// Keeps the first `limit` elements of a top-level collection and says how many were left out.
/// Replies arrive whole from the server; this bounds what is kept in the output and rendered.
fn truncate(value: RedisValue, limit: usize) -> RedisValue {
    let note =
        |more: usize| RedisValue::Status(format!("(… {more} more elements; --limit N shows more)"));
    match value {
        RedisValue::Array(mut items) if items.len() > limit => {
            // Flat field/value replies (HGETALL in RESP2) stay in whole pairs.
            let keep = limit + limit % 2;
            let more = items.len().saturating_sub(keep);
            if more == 0 {
                return RedisValue::Array(items);
            }
            items.truncate(keep);
            items.push(note(more));
            RedisValue::Array(items)
        }
        RedisValue::Set(mut items) if items.len() > limit => {
            let more = items.len() - limit;
            items.truncate(limit);
            items.push(note(more));
            RedisValue::Set(items)
        }
        RedisValue::Map(mut pairs) if pairs.len() > limit => {
            let more = pairs.len() - limit;
            pairs.truncate(limit);
            pairs.push((note(more), RedisValue::Status(String::new())));
            RedisValue::Map(pairs)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_keeps_pairs_and_counts_the_rest() {
        let items: Vec<RedisValue> = (0..10).map(RedisValue::Int).collect();
        let RedisValue::Array(kept) = truncate(RedisValue::Array(items.clone()), 3) else {
            panic!()
        };
        assert_eq!(kept.len(), 5);
        assert_eq!(
            kept[4],
            RedisValue::Status("(… 6 more elements; --limit N shows more)".into())
        );
        assert_eq!(
            truncate(RedisValue::Array(items.clone()), 10),
            RedisValue::Array(items)
        );
    }
}
