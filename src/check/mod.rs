//! Classroom checks in the kernel: a `%%check` cell compares a kept variable against an
//! expectation (inline, a reference query, another variable) through the pure `resultcheck`
//! crate, and reports a [`crate::result::CheckReport`]. A failed check is a `CheckFailed`
//! error, which is how nbgrader and papermill see failure.
//!
//! - `origin`: what the query that made a variable looked like (did it sort? which Redis
//!   command?), recorded when a cell keeps a result with `--out`; it picks the default order.
//! - `convert`: kernel results (Arrow tables, BSON, Redis replies, scalars) → `resultcheck::Data`.
//! - `expect`: an inline expectation → `Data`, read as the actual value's kind suggests.
//! - `run`: the `%%check` cell itself.
//! - `stub`: nbgrader's answer stub, blanked in every language.
//! - `grader`: what changes when nbgrader runs the notebook (`NBGRADER_EXECUTION`).

pub mod convert;
pub mod expect;
pub mod grader;
pub mod origin;
mod run;
pub mod stub;

/// The ename of a failed check (error output and execute_reply).
pub const CHECK_FAILED: &str = "CheckFailed";
