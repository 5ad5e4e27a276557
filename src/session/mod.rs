//! Kernel-wide session state that outlives a cell: variables, connections, settings; and the
//! cell runner that applies line magics and hands bodies to engines.

pub mod config;
pub mod connections;
pub mod deterministic;
pub mod read_only;
pub mod sandbox;
pub mod time_limit;
pub mod variables;
mod vars_listing;

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::cell::{self, Cell, LineMagic};
use crate::engine::context::ResultSink;
use crate::engine::{CellContext, EngineError};
use crate::result::QueryResult;
use connections::Connections;
use variables::{Scalar, SharedVariables, Variable};

/// Rows shown per result unless a cell says `--limit` or `%config display_limit` changed it.
pub const DEFAULT_DISPLAY_LIMIT: usize = 50;

/// How long an engine may take to honour the stop button before the kernel abandons the call.
/// Engines cancel on the server and return quickly; this only guards against a driver that hangs.
const CANCEL_GRACE: Duration = Duration::from_secs(5);

pub struct Session {
    pub variables: SharedVariables,
    pub connections: Connections,
    pub display_limit: usize,
    /// Problems found in `dbkernel.toml` at start-up, shown (once) by the first cell.
    startup_warnings: Vec<String>,
    /// How each `--out` variable's query looked (sorted? which Redis command?), for `%%check`.
    pub(crate) check_origins: crate::check::origin::Origins,
    /// Outputs without timings, so that re-running a notebook gives identical outputs.
    pub deterministic: bool,
    /// How long a cell's statements may run when the cell does not say (`--time-limit`).
    pub time_limit: Option<Duration>,
    /// Connections opened with `%connect ... --read-only`.
    read_only: std::collections::HashSet<String>,
    /// Private sandboxes by connection name (`%%sandbox`).
    sandboxes: std::collections::HashMap<String, sandbox::Sandbox>,
    /// `[sandbox.NAME]` of dbkernel.toml, made by the first cell.
    pending_sandboxes: Vec<crate::cell::sandbox::SandboxCell>,
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    /// A session with no configuration file: environment defaults only.
    pub fn new() -> Self {
        Session::with_config(None, Vec::new())
    }

    /// A session configured from the `dbkernel.toml` nearest the working directory, if any.
    pub fn from_working_directory() -> Self {
        let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
        match config::load(&cwd) {
            Ok(config) => Session::with_config(config.as_ref(), Vec::new()),
            Err(e) => Session::with_config(None, vec![format!("{e}; using the defaults")]),
        }
    }

    fn with_config(config: Option<&config::Config>, mut warnings: Vec<String>) -> Self {
        let (mut connections, config_warnings) = Connections::configured(config);
        warnings.extend(config_warnings);
        if let Some(seconds) = config.and_then(|c| c.settings.connect_timeout) {
            match seconds_within_bounds(seconds) {
                Some(timeout) => connections.options.connect_timeout = timeout,
                None => warnings.push(format!(
                    "{}: [settings] connect_timeout = {seconds} is not between 0.1 and 3600 seconds; using the default",
                    config::FILE_NAME
                )),
            }
        }
        let display_limit = config
            .and_then(|c| c.settings.display_limit)
            .unwrap_or(DEFAULT_DISPLAY_LIMIT);
        let pending_sandboxes = config
            .map(|c| sandbox::from_config(c, &mut warnings))
            .unwrap_or_default();
        let time_limit = match config.and_then(|c| c.settings.time_limit) {
            Some(0.0) => None,
            Some(seconds) => match time_limit::parse(&seconds.to_string()) {
                Some(limit) => Some(limit),
                None => {
                    warnings.push(format!(
                        "{}: [settings] time_limit = {seconds} is not between 0 and 86400 seconds; using no limit",
                        config::FILE_NAME
                    ));
                    None
                }
            },
            None => crate::check::grader::under_grader().then_some(time_limit::GRADER_DEFAULT),
        };
        Session {
            variables: SharedVariables::default(),
            connections,
            display_limit,
            startup_warnings: warnings,
            check_origins: Default::default(),
            deterministic: config
                .and_then(|c| c.settings.deterministic)
                .unwrap_or_else(crate::check::grader::under_grader),
            time_limit,
            read_only: Default::default(),
            sandboxes: Default::default(),
            pending_sandboxes,
        }
    }

    /// Runs one cell: its line magics in order, then its body on the chosen engine.
    pub async fn run_cell(
        &mut self,
        code: &str,
        sink: &mut dyn ResultSink,
        cancel: CancellationToken,
    ) -> Result<(), EngineError> {
        let mut stripped;
        let sink: &mut dyn ResultSink = if self.deterministic {
            stripped = deterministic::Deterministic(sink);
            &mut stripped
        } else {
            sink
        };
        for warning in std::mem::take(&mut self.startup_warnings) {
            sink.stderr(&format!("dbkernel: {warning}\n"));
        }
        for pending in std::mem::take(&mut self.pending_sandboxes) {
            let connection = pending.connection.clone();
            self.run_sandbox(pending, sink, cancel.clone())
                .await
                .map_err(|mut e| {
                    e.evalue = format!(
                        "{}: [sandbox.{connection}]: {}",
                        config::FILE_NAME,
                        e.evalue
                    );
                    e
                })?;
        }
        let parsed = cell::parse_cell(code)?;
        for magic in parsed.magics {
            self.run_magic(magic, sink, &cancel).await?;
        }
        if let Some(check) = parsed.check {
            return self.run_check(check, sink, cancel).await;
        }
        if let Some(cell) = parsed.sandbox {
            return self.run_sandbox(cell, sink, cancel).await;
        }
        match parsed.body {
            Some(body) if !body.body.trim().is_empty() => {
                self.run_body(body, sink, cancel, parsed.time_limit).await
            }
            _ => Ok(()),
        }
    }

    pub(crate) async fn run_body(
        &mut self,
        mut cell: Cell,
        sink: &mut dyn ResultSink,
        cancel: CancellationToken,
        time_limit: Option<Duration>,
    ) -> Result<(), EngineError> {
        cell.body = crate::check::stub::without_stub(&cell.body).ok_or_else(|| {
            EngineError::new(
                "NotAnswered",
                format!(
                    "this exercise has no answer yet: replace the line '-- {}' with your {}",
                    crate::check::stub::STUB_WORDS,
                    match cell.language {
                        crate::engine::Language::Sql => "SQL",
                        crate::engine::Language::Mql => "MongoDB query",
                        crate::engine::Language::Redis => "Redis commands",
                    }
                ),
            )
        })?;
        // Opening a connection can wait on an unreachable host; the stop button ends the wait.
        let (name, engine) = tokio::select! {
            resolved = self.connections.resolve(cell.language, cell.connection.as_deref()) => resolved?,
            _ = cancel.cancelled() => return Err(EngineError::interrupted()),
        };
        // The time limit presses the stop button for the user: a child token, so the engine's
        // own cancellation (on the server) does the work and says which statement it stopped.
        let limit = time_limit.or(self.time_limit);
        let outer = cancel;
        let cancel = outer.child_token();
        // Inside an open (or failed) SQL transaction the session's settings cannot have been
        // lost to a reconnect, and setting them again would fail (a failed transaction accepts
        // only ROLLBACK; MySQL refuses SET TRANSACTION in a transaction).
        if cell.language == crate::engine::Language::Sql && !engine.reads_kept_results() {
            crate::engine::results::names::refuse_elsewhere(
                &cell.body,
                cell.body_line,
                &name,
                &self.variables.lock(),
            )?;
        }
        let source = cell
            .options
            .out
            .as_ref()
            .map(|_| vars_listing::source_of(&cell, &name));
        let in_transaction = engine.open_transaction().is_some();
        if let Some(sandbox) = self.sandboxes.get(&name)
            && !in_transaction
        {
            sandbox.enter(&engine, &self.variables, &cancel).await?;
        }
        if self.read_only.contains(&name) {
            read_only::guard(
                &name,
                &engine,
                &cell,
                &self.variables,
                &cancel,
                in_transaction,
            )
            .await?;
        }
        let last = time_limit::started_now();
        let mut progress = time_limit::Progress::new(sink, last.clone());
        // The kernel may show this body's progress once a statement runs past a second.
        let meter = progress.meter();
        meter.arm();
        let mut ctx = CellContext {
            cancel: cancel.clone(),
            sink: &mut progress,
            variables: self.variables.clone(),
            display_limit: cell.options.limit.unwrap_or(self.display_limit),
            connection_name: name,
            progress: meter,
        };
        let run = engine.execute(&cell, &mut ctx);
        let watchdog = async {
            cancel.cancelled().await;
            tokio::time::sleep(CANCEL_GRACE).await;
        };
        let timed_out = std::sync::atomic::AtomicBool::new(false);
        let limiter = async {
            match limit {
                Some(limit) => {
                    time_limit::overrun(limit, &last).await;
                    if !outer.is_cancelled() {
                        timed_out.store(true, std::sync::atomic::Ordering::SeqCst);
                    }
                    cancel.cancel();
                }
                None => std::future::pending::<()>().await,
            }
            std::future::pending::<()>().await
        };
        let outcome = tokio::select! {
            outcome = run => outcome,
            _ = watchdog => Err(EngineError::interrupted().with_detail(
                "the engine did not stop within 5 s; the call was abandoned. If the connection misbehaves, run %connect again.",
            )),
            _ = limiter => unreachable!("the limiter never finishes"),
        };
        let outcome = match (outcome, limit) {
            (Err(error), Some(limit))
                if error.is_interrupt() && timed_out.load(std::sync::atomic::Ordering::SeqCst) =>
            {
                Err(time_limit::exceeded(limit, error))
            }
            (outcome, _) => outcome,
        };
        if outcome.is_ok()
            && let Some(name) = &cell.options.out
        {
            self.check_origins
                .insert(name.clone(), crate::check::origin::origin_of(&cell));
            if let Some(source) = source {
                self.variables.lock().set_source(name, source);
            }
        }
        outcome
    }

    async fn run_magic(
        &mut self,
        magic: LineMagic,
        sink: &mut dyn ResultSink,
        cancel: &CancellationToken,
    ) -> Result<(), EngineError> {
        match magic {
            LineMagic::Connect {
                name,
                url,
                read_only,
            } => {
                let description = tokio::select! {
                    connected = self.connections.connect(&name, &url) => connected?,
                    _ = cancel.cancelled() => return Err(EngineError::interrupted()),
                };
                let mark = if read_only {
                    self.read_only.insert(name.clone());
                    ", read-only"
                } else {
                    self.read_only.remove(&name);
                    ""
                };
                sink.emit(QueryResult::Text(format!(
                    "connected: {name} ({description}{mark})"
                )));
            }
            LineMagic::Use(name) => {
                let language = self.connections.use_connection(&name)?;
                sink.emit(QueryResult::Text(format!(
                    "%%{} cells now run on {name}",
                    language.magic()
                )));
            }
            LineMagic::Connections => sink.emit(QueryResult::Text(self.connections.listing())),
            LineMagic::Set { name, value } => {
                let scalar = Scalar::parse_literal(&value).map_err(EngineError::usage)?;
                let mut vars = self.variables.lock();
                vars.set(&name, Variable::Scalar(scalar));
                vars.set_source(
                    &name,
                    variables::Source {
                        origin: "%set".into(),
                        ..Default::default()
                    },
                );
            }
            LineMagic::Export {
                name,
                path,
                format,
                force,
            } => {
                let target = crate::export::Target::check(&path, format, force)?;
                let vars = self.variables.lock();
                let variable = vars.get(&name).ok_or_else(|| {
                    EngineError::usage(format!(
                        "%export: no variable named {name}; keep a result with --out {name} first"
                    ))
                })?;
                // A Redis reply's rows depend on its command line (`WITHSCORES`), as for %chart.
                let command = vars.source(&name).and_then(|s| match &s.redis_command {
                    Some(c) if s.first_line.to_ascii_uppercase().starts_with(c.as_str()) => {
                        Some(s.first_line.clone())
                    }
                    other => other.clone(),
                });
                let receipt = crate::export::variable::export_variable(
                    &name,
                    variable,
                    command.as_deref(),
                    target,
                )?;
                drop(vars);
                sink.emit(QueryResult::Export(receipt));
            }
            LineMagic::Chart { name, request } => {
                let vars = self.variables.lock();
                let variable = vars.get(&name).ok_or_else(|| {
                    EngineError::usage(format!(
                        "%chart: no variable named {name}; keep a result with --out {name} first"
                    ))
                })?;
                // How a kept Redis reply reads as a table depends on its command line
                // (`WITHSCORES`): the kept line when it is that command's, else its name.
                let command = vars.source(&name).and_then(|s| match &s.redis_command {
                    Some(c) if s.first_line.to_ascii_uppercase().starts_with(c.as_str()) => {
                        Some(s.first_line.clone())
                    }
                    other => other.clone(),
                });
                let result =
                    crate::charts::chart_variable(&name, variable, command.as_deref(), request)?;
                drop(vars);
                sink.emit(result);
            }
            LineMagic::Import { name, path, format } => {
                let started = std::time::Instant::now();
                let (variable, format) = crate::export::import::import_file(&path, format)?;
                let (kind, summary) = variable.summary();
                // Like every other timing, left out under `deterministic`.
                let took = if self.deterministic {
                    String::new()
                } else {
                    format!(" in {:.3} s", started.elapsed().as_secs_f64())
                };
                let shown = match &variable {
                    Variable::Table(table) => Some(table.head(self.display_limit)),
                    _ => None,
                };
                let mut vars = self.variables.lock();
                vars.set(&name, variable);
                vars.set_source(
                    &name,
                    variables::Source {
                        origin: format!("%import {path}"),
                        ..Default::default()
                    },
                );
                drop(vars);
                sink.emit(QueryResult::Text(format!(
                    "imported {path} ({}) into {name}: {kind}, {summary}{took}",
                    format.name()
                )));
                if let Some(table) = shown {
                    sink.emit(QueryResult::Table(table));
                }
            }
            LineMagic::Vars => {
                let text = vars_listing::listing(&self.variables.lock());
                sink.emit(QueryResult::Text(text));
            }
            LineMagic::Del { names, all } => {
                let text = self.delete_variables(&names, all)?;
                sink.emit(QueryResult::Text(text));
            }
            LineMagic::Config(None) => sink.emit(QueryResult::Text(format!(
                "display_limit = {}\nmax_output_bytes = {}\nconnect_timeout = {}\ndeterministic = {}\ntime_limit = {}",
                self.display_limit,
                crate::render::bound::max_output_bytes(),
                self.connections.options.connect_timeout.as_secs_f64(),
                self.deterministic,
                self.time_limit
                    .map(time_limit::describe)
                    .unwrap_or_else(|| "off".into())
            ))),
            LineMagic::Config(Some((key, value))) => match key.as_str() {
                "display_limit" => {
                    self.display_limit = value.parse().map_err(|_| {
                        EngineError::usage(format!(
                            "display_limit expects a whole number of rows, got '{value}'"
                        ))
                    })?;
                }
                "max_output_bytes" => crate::render::bound::set_max_output_bytes(&value)
                    .map_err(EngineError::usage)?,
                "connect_timeout" => {
                    self.connections.options.connect_timeout = parse_seconds(&value)
                        .ok_or_else(|| {
                            EngineError::usage(format!(
                                "connect_timeout expects seconds between 0.1 and 3600 (e.g. 10 or 2.5), got '{value}'"
                            ))
                        })?;
                }
                "time_limit" => self.time_limit = time_limit::parse_setting(&value)?,
                "deterministic" => {
                    self.deterministic = match value.as_str() {
                        "true" | "on" | "1" => true,
                        "false" | "off" | "0" => false,
                        _ => {
                            return Err(EngineError::usage(format!(
                                "deterministic expects true or false, got '{value}'"
                            )));
                        }
                    };
                }
                other => {
                    return Err(EngineError::usage(format!(
                        "unknown setting '{other}'; settings: display_limit, max_output_bytes, connect_timeout, deterministic, time_limit"
                    )));
                }
            },
            LineMagic::Help(None) => sink.stdout(&cell::magics::help_all()),
            LineMagic::Help(Some(topic)) => match cell::magics::help_for(&topic) {
                Some(help) => sink.stdout(&format!("{help}\n")),
                None => {
                    return Err(EngineError::usage(format!(
                        "no help for '{topic}'; %help lists everything"
                    )));
                }
            },
            LineMagic::Echo(text) => sink.stdout(&format!("{text}\n")),
            LineMagic::Reset(name) => self.reset_sandboxes(name, sink, cancel).await?,
        }
        Ok(())
    }
}

impl Session {
    /// `%del NAME…` / `%del --all`: every name must exist (a typo is not silently skipped), then
    /// all are removed at once; the `results` connection drops their tables before its next cell.
    fn delete_variables(&mut self, names: &[String], all: bool) -> Result<String, EngineError> {
        let mut vars = self.variables.lock();
        let names = if all {
            vars.all_names()
        } else {
            names.to_vec()
        };
        let missing: Vec<&String> = names.iter().filter(|n| !vars.contains(n)).collect();
        if !missing.is_empty() {
            let known = vars.all_names();
            return Err(EngineError::usage(format!(
                "%del: no variable named {}; nothing was removed. Variables: {}",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
        for name in &names {
            vars.delete(name);
            self.check_origins.remove(name);
        }
        Ok(match names.len() {
            0 => "no variables to remove".to_string(),
            1 => format!("removed {}", names[0]),
            n => format!("removed {n} variables: {}", names.join(", ")),
        })
    }

    /// The engine behind a connection name, whatever its language.
    async fn engine_named(
        &mut self,
        name: &str,
    ) -> Result<std::sync::Arc<dyn crate::engine::Engine>, EngineError> {
        let mut last = None;
        for language in [
            crate::engine::Language::Sql,
            crate::engine::Language::Mql,
            crate::engine::Language::Redis,
        ] {
            match self.connections.resolve(language, Some(name)).await {
                Ok((_, engine)) => return Ok(engine),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| EngineError::usage(format!("no connection named '{name}'"))))
    }

    /// `%%sandbox CONN [--keep]`: creates the sandbox, runs the template there.
    async fn run_sandbox(
        &mut self,
        cell: crate::cell::sandbox::SandboxCell,
        sink: &mut dyn ResultSink,
        cancel: CancellationToken,
    ) -> Result<(), EngineError> {
        let engine = self.engine_named(&cell.connection).await?;
        if self.sandboxes.contains_key(&cell.connection) {
            return Err(EngineError::usage(format!(
                "{} has a sandbox already; %reset {} empties it and runs its template again",
                cell.connection, cell.connection
            )));
        }
        let mut sandbox = sandbox::Sandbox {
            kind: sandbox::kind_of(&engine)?,
            name: sandbox::fresh_name(),
            redis_db: None,
            template: cell.template,
            keep: cell.keep,
        };
        sandbox.create(&engine, &self.variables, &cancel).await?;
        // Registered before the template runs, so a failing template is still dropped at shutdown.
        self.sandboxes
            .insert(cell.connection.clone(), sandbox.clone());
        sandbox.fill(&engine, &self.variables, &cancel).await?;
        let fate = if sandbox.keep {
            "kept after the kernel shuts down (--keep)"
        } else {
            "dropped when the kernel shuts down"
        };
        sink.emit(QueryResult::Text(format!(
            "{} now works in its own {} ({fate}); %reset {} restores the template",
            cell.connection,
            sandbox.describe(),
            cell.connection
        )));
        Ok(())
    }

    async fn reset_sandboxes(
        &mut self,
        name: Option<String>,
        sink: &mut dyn ResultSink,
        cancel: &CancellationToken,
    ) -> Result<(), EngineError> {
        let names: Vec<String> = match name {
            Some(name) if self.sandboxes.contains_key(&name) => vec![name],
            Some(name) => {
                return Err(EngineError::usage(format!(
                    "{name} has no sandbox; make one with a %%sandbox {name} cell"
                )));
            }
            None if self.sandboxes.is_empty() => {
                return Err(EngineError::usage(
                    "there is no sandbox to reset; make one with a %%sandbox CONN cell",
                ));
            }
            None => self.sandboxes.keys().cloned().collect(),
        };
        for name in names {
            let engine = self.engine_named(&name).await?;
            let sandbox = self.sandboxes[&name].clone();
            sandbox.empty(&engine, &self.variables, cancel).await?;
            sandbox.fill(&engine, &self.variables, cancel).await?;
            sink.emit(QueryResult::Text(format!(
                "{name}: {} reset to its template",
                sandbox.describe()
            )));
        }
        Ok(())
    }

    /// Drops every sandbox not kept (kernel shutdown). Returns what could not be dropped.
    pub async fn drop_sandboxes(&mut self) -> Vec<String> {
        let cancel = CancellationToken::new();
        let mut problems = Vec::new();
        for (name, sandbox) in std::mem::take(&mut self.sandboxes) {
            if sandbox.keep {
                continue;
            }
            let dropped = match self.engine_named(&name).await {
                Ok(engine) => sandbox.drop_all(&engine, &self.variables, &cancel).await,
                Err(e) => Err(e),
            };
            if let Err(e) = dropped {
                problems.push(format!("{name}: {} not dropped: {e}", sandbox.describe()));
            }
        }
        problems
    }
}

/// `10`, `2.5`, `10s` as a duration within sane bounds.
fn parse_seconds(value: &str) -> Option<Duration> {
    let number = value.trim().trim_end_matches('s').trim();
    seconds_within_bounds(number.parse().ok()?)
}

/// A connect timeout from 0.1 s to an hour (`%config` and `dbkernel.toml` share the bounds).
fn seconds_within_bounds(seconds: f64) -> Option<Duration> {
    (0.1..=3600.0)
        .contains(&seconds)
        .then(|| Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::context::CollectingSink;

    async fn run(session: &mut Session, code: &str) -> (CollectingSink, Result<(), EngineError>) {
        let mut sink = CollectingSink::default();
        let outcome = session
            .run_cell(code, &mut sink, CancellationToken::new())
            .await;
        (sink, outcome)
    }

    fn texts(sink: &CollectingSink) -> String {
        sink.results
            .iter()
            .filter_map(|r| {
                if let QueryResult::Text(t) = r {
                    Some(t.as_str())
                } else {
                    None
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[tokio::test]
    async fn set_then_vars_lists_typed_values() {
        let mut s = Session::new();
        let (sink, outcome) = run(&mut s, "%set n = 42\n%set who = 'Ada'\n%vars").await;
        outcome.unwrap();
        let text = texts(&sink);
        assert!(
            text.contains("n") && text.contains("int") && text.contains("42"),
            "{text}"
        );
        assert!(text.contains("who") && text.contains("\"Ada\""), "{text}");
    }

    #[tokio::test]
    async fn config_changes_the_display_limit_and_rejects_unknown_keys() {
        let mut s = Session::new();
        run(&mut s, "%config display_limit = 7").await.1.unwrap();
        assert_eq!(s.display_limit, 7);
        let (_, outcome) = run(&mut s, "%config colour = red").await;
        assert!(
            outcome
                .unwrap_err()
                .evalue
                .contains("unknown setting 'colour'")
        );
        let (_, outcome) = run(&mut s, "%config display_limit = lots").await;
        assert!(outcome.unwrap_err().evalue.contains("whole number"));
        run(&mut s, "%config connect_timeout = 2.5")
            .await
            .1
            .unwrap();
        assert_eq!(
            s.connections.options.connect_timeout,
            Duration::from_millis(2500)
        );
        let (_, outcome) = run(&mut s, "%config connect_timeout = 0").await;
        assert!(outcome.unwrap_err().evalue.contains("seconds between"));
    }

    #[tokio::test]
    async fn unknown_connection_names_the_known_ones_and_how_to_open_it() {
        let mut s = Session::new();
        let (_, outcome) = run(&mut s, "%%sql nowhere\nSELECT 1").await;
        let e = outcome.unwrap_err();
        assert!(e.evalue.contains("no connection named 'nowhere'"), "{e}");
        assert!(
            e.evalue.contains("default") && e.evalue.contains("%connect nowhere URL"),
            "{e}"
        );
        let (_, outcome) = run(&mut s, "%use nowhere").await;
        assert!(outcome.is_err());
    }

    #[tokio::test]
    async fn a_connection_of_another_language_is_refused() {
        let mut s = Session::new();
        let (_, outcome) = run(&mut s, "%%sql mongo\nSELECT 1").await;
        let e = outcome.unwrap_err();
        assert!(e.evalue.contains("runs %%mql cells, not %%sql"), "{e}");
    }

    #[tokio::test]
    async fn magics_only_cells_and_blank_bodies_run_nothing() {
        let mut s = Session::new();
        let (sink, outcome) = run(&mut s, "%echo hi\n\n   \n").await;
        outcome.unwrap();
        assert_eq!(sink.stdout, "hi\n");
        assert!(sink.results.is_empty());
    }
}
