//! The receipt of a finished export: what was written where, shown in the cell above the usual
//! display-limited result.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub struct ExportReceipt {
    /// The file's path as the cell gave it (relative to the notebook's folder, or absolute).
    pub path: String,
    /// The format's name (`Parquet`, `CSV`...).
    pub format: &'static str,
    /// Every row written (not cut by the display limit).
    pub rows: u64,
    /// The file's size.
    pub bytes: u64,
    /// Zero under `deterministic` (then not shown).
    pub elapsed: Duration,
}
