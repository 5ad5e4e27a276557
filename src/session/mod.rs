//! Kernel-wide session state that outlives a cell: variables, connections, settings; and the
//! cell runner that applies line magics and hands bodies to engines.

pub mod connections;
pub mod variables;

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
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}

impl Session {
    pub fn new() -> Self {
        Session { variables: SharedVariables::default(), connections: Connections::from_environment(), display_limit: DEFAULT_DISPLAY_LIMIT }
    }

    /// Runs one cell: its line magics in order, then its body on the chosen engine.
    pub async fn run_cell(&mut self, code: &str, sink: &mut dyn ResultSink, cancel: CancellationToken) -> Result<(), EngineError> {
        let parsed = cell::parse_cell(code)?;
        for magic in parsed.magics {
            self.run_magic(magic, sink).await?;
        }
        match parsed.body {
            Some(body) if !body.body.trim().is_empty() => self.run_body(body, sink, cancel).await,
            _ => Ok(()),
        }
    }

    async fn run_body(&mut self, cell: Cell, sink: &mut dyn ResultSink, cancel: CancellationToken) -> Result<(), EngineError> {
        let (name, engine) = self.connections.resolve(cell.language, cell.connection.as_deref()).await?;
        let mut ctx = CellContext {
            cancel: cancel.clone(),
            sink,
            variables: self.variables.clone(),
            display_limit: cell.options.limit.unwrap_or(self.display_limit),
            connection_name: name,
        };
        let run = engine.execute(&cell, &mut ctx);
        let watchdog = async {
            cancel.cancelled().await;
            tokio::time::sleep(CANCEL_GRACE).await;
        };
        tokio::select! {
            outcome = run => outcome,
            _ = watchdog => Err(EngineError::interrupted().with_detail(
                "the engine did not stop within 5 s; the call was abandoned. If the connection misbehaves, run %connect again.",
            )),
        }
    }

    async fn run_magic(&mut self, magic: LineMagic, sink: &mut dyn ResultSink) -> Result<(), EngineError> {
        match magic {
            LineMagic::Connect { name, url } => {
                let description = self.connections.connect(&name, &url).await?;
                sink.emit(QueryResult::Text(format!("connected: {name} ({description})")));
            }
            LineMagic::Use(name) => {
                let language = self.connections.use_connection(&name)?;
                sink.emit(QueryResult::Text(format!("%%{} cells now run on {name}", language.magic())));
            }
            LineMagic::Connections => sink.emit(QueryResult::Text(self.connections.listing())),
            LineMagic::Set { name, value } => {
                let scalar = Scalar::parse_literal(&value);
                self.variables.lock().set(&name, Variable::Scalar(scalar));
            }
            LineMagic::Vars => {
                let vars = self.variables.lock();
                let mut text = String::new();
                for (name, value) in vars.iter() {
                    let (kind, summary) = value.summary();
                    text.push_str(&format!("{name:<16} {kind:<12} {summary}\n"));
                }
                if text.is_empty() {
                    text = "no variables yet: use %set NAME = VALUE or --out NAME on a cell".into();
                }
                sink.emit(QueryResult::Text(text.trim_end().to_string()));
            }
            LineMagic::Config(None) => sink.emit(QueryResult::Text(format!("display_limit = {}", self.display_limit))),
            LineMagic::Config(Some((key, value))) => match key.as_str() {
                "display_limit" => {
                    self.display_limit = value.parse().map_err(|_| {
                        EngineError::usage(format!("display_limit expects a whole number of rows, got '{value}'"))
                    })?;
                }
                other => return Err(EngineError::usage(format!("unknown setting '{other}'; settings: display_limit"))),
            },
            LineMagic::Help(None) => sink.stdout(&cell::magics::help_all()),
            LineMagic::Help(Some(topic)) => match cell::magics::help_for(&topic) {
                Some(help) => sink.stdout(&format!("{help}\n")),
                None => return Err(EngineError::usage(format!("no help for '{topic}'; %help lists everything"))),
            },
            LineMagic::Echo(text) => sink.stdout(&format!("{text}\n")),
        }
        Ok(())
    }
}
