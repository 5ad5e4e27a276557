//! The error an engine returns for a failed cell, already shaped for Jupyter's `error` output.

/// A failed cell: `ename` names the error family and carries the engine's own code
/// (`SqlError[42P01]`, `MongoServerError[DuplicateKey]`, `RedisError[WRONGTYPE]`), `evalue` is the
/// message, and `detail` holds extra lines shown under it (the statement with a caret, hints).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineError {
    pub ename: String,
    pub evalue: String,
    pub detail: Vec<String>,
}

impl EngineError {
    pub fn new(ename: impl Into<String>, evalue: impl Into<String>) -> Self {
        EngineError {
            ename: ename.into(),
            evalue: evalue.into(),
            detail: Vec::new(),
        }
    }

    pub fn with_detail(mut self, line: impl Into<String>) -> Self {
        self.detail.push(line.into());
        self
    }

    /// The error every engine returns after honouring the stop button.
    pub fn interrupted() -> Self {
        EngineError::new(
            "KeyboardInterrupt",
            "execution interrupted by the user; the connection is ready for the next cell",
        )
    }

    /// A usage error in the cell itself (bad option, unknown magic): what was wrong and how to fix it.
    pub fn usage(message: impl Into<String>) -> Self {
        EngineError::new("UsageError", message)
    }

    pub fn is_interrupt(&self) -> bool {
        self.ename == "KeyboardInterrupt"
    }

    /// The traceback lines Jupyter shows: the headline, then the detail lines.
    pub fn traceback(&self) -> Vec<String> {
        let mut lines = vec![format!("{}: {}", self.ename, self.evalue)];
        lines.extend(self.detail.iter().cloned());
        lines
    }
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.ename, self.evalue)
    }
}

impl std::error::Error for EngineError {}
