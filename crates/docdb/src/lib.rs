//! The embedded MongoDB-compatible engine.
//!
//! Layers, from the bottom up:
//! - `index` and `collection`: documents stored once in insertion order, with
//!   ordered index entries kept in step on every write;
//! - `planner` and `exec`: pick a collection or index scan for a filter and run
//!   it with real counters (which `explain` reports);
//! - `catalog` and `engine`: databases, collections, cursors, running
//!   operations, persistence, behind interior locks;
//! - `commands`: one file per command family, turning a command document into
//!   MongoDB's reply document;
//! - `server` (feature `server`): the OP_MSG/OP_QUERY wire server.
//!
//! The core is synchronous and has no sockets, so it can be tested without a
//! network and reused outside tokio. Query semantics (matching, updates,
//! projections, pipelines) come from `docdb_query`.
//!
//! ```
//! use bson::doc;
//!
//! let engine = docdb::Engine::in_memory();
//! engine.execute("app", doc! {"insert": "users", "documents": [{"name": "Ada"}, {"name": "Alan"}]});
//! let reply = engine.execute("app", doc! {"find": "users", "filter": {"name": "Ada"}});
//! let batch = reply.get_document("cursor").unwrap().get_array("firstBatch").unwrap();
//! assert_eq!(batch.len(), 1);
//! // Errors are MongoDB replies too, never panics.
//! let err = engine.execute("app", doc! {"frobnicate": 1});
//! assert_eq!(err.get_i32("code").unwrap(), 59);
//! ```
//!
//! Serving it to any MongoDB client (feature `server`, on by default):
//! `docdb::serve(tokio::net::TcpListener::bind("127.0.0.1:27017").await?, Arc::new(engine))`.

pub mod capped;
pub mod catalog;
pub mod clients;
pub mod clustered;
pub mod collection;
pub mod commands;
pub mod cursor;
pub mod engine;
pub mod error;
pub mod exec;
pub mod guard;
pub mod index;
pub mod opcounters;
pub mod ops;
pub mod persist;
pub mod plan_cache;
pub mod planner;
pub mod profiler;
pub mod race;
pub mod records;
pub mod sessions;
pub mod tailable;
pub mod timeseries;
pub mod validation;

pub use engine::Engine;
pub use error::{CommandError, Result};

#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "server")]
pub use server::serve;
