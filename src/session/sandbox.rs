//! A private sandbox per kernel (per student): `%%sandbox CONN [--keep]` makes the named
//! connection work in a schema (PostgreSQL), database (MariaDB/MySQL, MongoDB) or database
//! number (Redis) of its own, runs the cell's body there once as the template, and `%reset CONN`
//! empties it and runs the template again. When the kernel shuts down the sandbox is dropped,
//! unless `--keep` was given.
//!
//! The sandbox is entered again before every cell on that connection (`SET search_path`,
//! `USE`, `use`, `SELECT`), so a transparent reconnect cannot leave it. Two kernels get two
//! names (a random one per sandbox), so students on one server do not see each other's tables,
//! collections or keys. Redis database numbers are claimed with `SET ... NX` on a key in
//! database 0, released on shutdown.

use std::sync::Arc;

use crate::cell::{Cell, CellOptions};
use crate::engine::context::CollectingSink;
use crate::engine::{CellContext, Engine, EngineError, Language};
use crate::result::RedisValue;
use crate::session::variables::{SharedVariables, Variable};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Postgres,
    MySql,
    Mongo,
    Redis,
}

#[derive(Debug, Clone)]
pub struct Sandbox {
    pub kind: Kind,
    /// Schema or database name; for Redis the claim key's suffix.
    pub name: String,
    /// Redis: the claimed database number.
    pub redis_db: Option<u32>,
    /// The body of the `%%sandbox` cell, run after every creation.
    pub template: String,
    pub keep: bool,
}

/// Redis key (in database 0) that records which kernel owns database N.
fn claim_key(db: u32) -> String {
    format!("dbkernel:sandbox:db:{db}")
}

/// Databases a Redis sandbox may claim (0 stays the shared default).
const REDIS_DBS: std::ops::RangeInclusive<u32> = 1..=15;

pub fn kind_of(engine: &Arc<dyn Engine>) -> Result<Kind, EngineError> {
    let describe = engine.describe();
    Ok(match engine.language() {
        Language::Mql => Kind::Mongo,
        Language::Redis => Kind::Redis,
        Language::Sql if describe.starts_with("PostgreSQL") => Kind::Postgres,
        Language::Sql if describe.starts_with("MySQL") || describe.starts_with("MariaDB") => {
            Kind::MySql
        }
        Language::Sql => {
            return Err(EngineError::usage(
                "a SQLite database is a file or memory of its own already: give each student sqlite::memory: or a file of their own instead of a sandbox",
            ));
        }
    })
}

/// The `[sandbox.NAME]` tables of dbkernel.toml as `%%sandbox` cells (a template file that
/// cannot be read is a start-up warning, and that sandbox is not made).
pub fn from_config(
    config: &crate::session::config::Config,
    warnings: &mut Vec<String>,
) -> Vec<crate::cell::sandbox::SandboxCell> {
    let file = crate::session::config::FILE_NAME;
    let mut cells = Vec::new();
    for (connection, setting) in &config.sandbox {
        let template = match (&setting.template, &setting.template_file) {
            (Some(_), Some(_)) => {
                warnings.push(format!(
                    "{file}: [sandbox.{connection}] has both template and template_file; give one"
                ));
                continue;
            }
            (Some(text), None) => text.clone(),
            (None, Some(path)) => {
                let base = config
                    .source
                    .as_deref()
                    .and_then(std::path::Path::parent)
                    .unwrap_or_else(|| std::path::Path::new("."));
                match std::fs::read_to_string(base.join(path)) {
                    Ok(text) => text,
                    Err(e) => {
                        warnings.push(format!(
                            "{file}: [sandbox.{connection}] template_file {path}: {e}; no sandbox made"
                        ));
                        continue;
                    }
                }
            }
            (None, None) => String::new(),
        };
        cells.push(crate::cell::sandbox::SandboxCell {
            connection: connection.clone(),
            keep: setting.keep.unwrap_or(false),
            template,
        });
    }
    cells
}

/// A fresh name: `sandbox_` and 12 hex digits.
pub fn fresh_name() -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("sandbox_{}", &id[..12])
}

pub async fn run_quietly(
    engine: &Arc<dyn Engine>,
    body: &str,
    out: Option<&str>,
    variables: &SharedVariables,
    cancel: &CancellationToken,
) -> Result<CollectingSink, EngineError> {
    let cell = Cell {
        language: engine.language(),
        connection: None,
        options: CellOptions {
            out: out.map(str::to_string),
            ..CellOptions::default()
        },
        body: body.to_string(),
        body_line: 0,
    };
    let mut sink = CollectingSink::default();
    let mut ctx = CellContext {
        cancel: cancel.clone(),
        sink: &mut sink,
        variables: variables.clone(),
        display_limit: 1000,
        connection_name: String::new(),
        progress: Default::default(),
    };
    engine.execute(&cell, &mut ctx).await?;
    Ok(sink)
}

impl Sandbox {
    /// Creates the schema/database (Redis: claims a database number).
    pub async fn create(
        &mut self,
        engine: &Arc<dyn Engine>,
        variables: &SharedVariables,
        cancel: &CancellationToken,
    ) -> Result<(), EngineError> {
        let name = &self.name;
        match self.kind {
            Kind::Postgres => {
                run_quietly(
                    engine,
                    &format!("CREATE SCHEMA \"{name}\""),
                    None,
                    variables,
                    cancel,
                )
                .await?;
            }
            Kind::MySql => {
                run_quietly(
                    engine,
                    &format!("CREATE DATABASE `{name}`"),
                    None,
                    variables,
                    cancel,
                )
                .await?;
            }
            // MongoDB creates a database with its first write.
            Kind::Mongo => {}
            Kind::Redis => {
                const KEPT: &str = "__dbkernel_sandbox_claim";
                for db in REDIS_DBS {
                    run_quietly(
                        engine,
                        &format!("SELECT 0\nSET {} {name} NX", claim_key(db)),
                        Some(KEPT),
                        variables,
                        cancel,
                    )
                    .await?;
                    let claimed = matches!(
                        variables.lock().remove(KEPT),
                        Some(Variable::Redis(RedisValue::Status(ref s))) if s == "OK"
                    );
                    if claimed {
                        self.redis_db = Some(db);
                        // A database left over by a kernel that was killed is emptied first.
                        run_quietly(
                            engine,
                            &format!("SELECT {db}\nFLUSHDB"),
                            None,
                            variables,
                            cancel,
                        )
                        .await?;
                        return Ok(());
                    }
                }
                return Err(EngineError::new(
                    "SandboxError",
                    "every Redis database from 1 to 15 is taken by another kernel's sandbox; shut one down (or delete the dbkernel:sandbox:db:* keys in database 0 of kernels that are gone)",
                ));
            }
        }
        Ok(())
    }

    /// Points the connection at the sandbox (before every cell).
    pub async fn enter(
        &self,
        engine: &Arc<dyn Engine>,
        variables: &SharedVariables,
        cancel: &CancellationToken,
    ) -> Result<(), EngineError> {
        let name = &self.name;
        let statement = match self.kind {
            Kind::Postgres => format!("SET search_path TO \"{name}\", public"),
            Kind::MySql => format!("USE `{name}`"),
            Kind::Mongo => format!("use {name}"),
            Kind::Redis => format!("SELECT {}", self.redis_db.unwrap_or(0)),
        };
        run_quietly(engine, &statement, None, variables, cancel)
            .await
            .map(|_| ())
            .map_err(|mut e| {
                e.evalue = format!("entering the sandbox {name} failed: {}", e.evalue);
                e
            })
    }

    /// Drops the schema/database (Redis: empties and releases the database number).
    pub async fn drop_all(
        &self,
        engine: &Arc<dyn Engine>,
        variables: &SharedVariables,
        cancel: &CancellationToken,
    ) -> Result<(), EngineError> {
        let name = &self.name;
        let body = match self.kind {
            Kind::Postgres => format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"),
            Kind::MySql => format!("DROP DATABASE IF EXISTS `{name}`"),
            Kind::Mongo => format!("use {name}\ndb.dropDatabase()"),
            Kind::Redis => match self.redis_db {
                Some(db) => format!("SELECT {db}\nFLUSHDB\nSELECT 0\nDEL {}", claim_key(db)),
                None => return Ok(()),
            },
        };
        run_quietly(engine, &body, None, variables, cancel)
            .await
            .map(|_| ())
    }

    /// Empties the sandbox (keeping its name and, for Redis, its database number).
    pub async fn empty(
        &self,
        engine: &Arc<dyn Engine>,
        variables: &SharedVariables,
        cancel: &CancellationToken,
    ) -> Result<(), EngineError> {
        let name = &self.name;
        let body = match self.kind {
            Kind::Postgres => {
                format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE;\nCREATE SCHEMA \"{name}\"")
            }
            Kind::MySql => format!("DROP DATABASE IF EXISTS `{name}`;\nCREATE DATABASE `{name}`"),
            Kind::Mongo => format!("use {name}\ndb.dropDatabase()"),
            Kind::Redis => format!("SELECT {}\nFLUSHDB", self.redis_db.unwrap_or(0)),
        };
        run_quietly(engine, &body, None, variables, cancel)
            .await
            .map(|_| ())
    }

    /// What the sandbox is, for messages: "schema sandbox_ab12", "Redis database 3".
    pub fn describe(&self) -> String {
        match self.kind {
            Kind::Postgres => format!("schema {}", self.name),
            Kind::MySql | Kind::Mongo => format!("database {}", self.name),
            Kind::Redis => format!(
                "Redis database {} (claimed as {})",
                self.redis_db.unwrap_or(0),
                self.name
            ),
        }
    }

    /// Runs the template in the sandbox.
    pub async fn fill(
        &self,
        engine: &Arc<dyn Engine>,
        variables: &SharedVariables,
        cancel: &CancellationToken,
    ) -> Result<(), EngineError> {
        if self.template.trim().is_empty() {
            return Ok(());
        }
        self.enter(engine, variables, cancel).await?;
        run_quietly(engine, &self.template, None, variables, cancel)
            .await
            .map(|_| ())
            .map_err(|mut e| {
                e.evalue = format!("the sandbox's template failed: {}", e.evalue);
                e
            })
    }
}
