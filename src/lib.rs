//! dbkernel: a Jupyter kernel for polyglot database notebooks.
//!
//! The modules follow the data's path from socket to output (see ARCHITECTURE.md):
//! `transport` (ZeroMQ sockets) → `wire` (frames ↔ signed messages) → `kernel` (what a request
//! means) → `cell` (magic line, options, variables) → `engine` (SQL, MQL, Redis) → `result`
//! (engine-neutral result model) → `render` (MIME bundles) → back out through `kernel`'s IOPub.

pub mod catalog;
pub mod cell;
pub mod charts;
pub mod check;
pub mod cli;
pub mod complete;
pub mod engine;
pub mod export;
pub mod kernel;
pub mod render;
pub mod result;
pub mod session;
pub mod transport;
pub mod wire;
