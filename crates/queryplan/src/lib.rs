//! Query plans as something a person can read in five seconds: where the time went and what to
//! fix.
//!
//! Every engine's parser (PostgreSQL, SQLite, MySQL/MariaDB, MongoDB — they live beside their
//! engines in the kernel) fills the same [`Plan`] of [`Node`]s. This crate then does the
//! engine-neutral work, in this order:
//! 1. [`timing::compute`]: inclusive and exclusive time per node (loops, parallel workers, CTE
//!    scans, InitPlans; never negative), or the exclusive share of cost when the plan was not
//!    executed;
//! 2. [`warnings::assess`]: plain-language warnings on the nodes and for the whole plan, every
//!    threshold a named constant in [`thresholds`];
//! 3. the drawings: [`text::render`] (an indented tree) and [`svg::render`] (a self-contained
//!    picture: no scripts, no external fonts or CSS, an opaque background so it reads on light
//!    and dark themes); [`compare`] draws two plans side by side with per-node change.
//!
//! [`Plan::finish`] runs 1 and 2; parsers call it once they have built the tree.
//!
//! Invariant: pure library — no I/O, no database, no Jupyter. It knows plan *shapes*, never SQL.

pub mod compare;
pub mod fold;
pub mod format;
pub mod model;
pub mod svg;
pub mod text;
pub mod thresholds;
pub mod timing;
pub mod warnings;

pub use model::{Buffers, Measure, Node, Plan, Severity, TimeBasis, Warning};
