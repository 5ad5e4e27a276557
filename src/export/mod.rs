//! Export: a result written to a file (CSV, JSON Lines, Parquet, Arrow IPC) as its rows arrive.
//!
//! The cell option `--export PATH [--format F] [--force]` asks for it. Rows are handed over one
//! at a time by the engine's row buffer (the same place that keeps the display limit's rows), so
//! an export holds one batch in memory whatever the result's size, and is never cut by the
//! display limit; `%%mql --export` hands over a cursor's documents the same way (`documents`).
//! `target` decides where the file goes and never leaves a half-written file
//! under the final name; `batches` turns rows into Arrow batches of a fixed schema; `writer`
//! hands batches to the arrow-rs writer of the format; `variable` is `%export VAR PATH` for a kept
//! table or documents (JSON Lines as Extended JSON, the other formats flattened); `import` is
//! `%import VAR PATH`, the way back.

pub mod batches;
pub mod documents;
pub mod format;
pub mod import;
pub mod redis;
pub mod target;
pub mod variable;
pub mod writer;

pub use batches::RowExporter;
pub use documents::DocumentExporter;
pub use format::Format;
pub use target::Target;
