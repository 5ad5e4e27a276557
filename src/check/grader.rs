//! Running under a grader: nbgrader sets `NBGRADER_EXECUTION` (`autograde` or `validate`) in
//! the environment the kernel inherits. Graded runs must not write to stderr (nbgrader scores
//! a test cell with any stderr output as failed, even a harmless warning), so warnings go to
//! stdout there; the same switch picks grader-friendly defaults elsewhere.

/// Whether nbgrader is executing this kernel's notebook.
pub fn under_grader() -> bool {
    std::env::var_os("NBGRADER_EXECUTION").is_some_and(|v| !v.is_empty())
}

/// The stream warnings go to: `stderr` normally, `stdout` under a grader.
pub fn warning_stream() -> &'static str {
    if under_grader() { "stdout" } else { "stderr" }
}
