//! Interruption and time limits for running operations.
//!
//! Long loops (scans, sorts, pipeline input) call `OpGuard::check` every few
//! hundred documents: it fails with 11601 Interrupted once `killOp` set the
//! operation's flag, or with 50 MaxTimeMSExpired once `maxTimeMS` has passed.
//! A guard is cheap to clone and share, so the registry of running operations
//! (for `currentOp`/`killOp`) keeps the same flag.
//!
//! The query crate cannot see this type: it takes the check as a closure in its
//! `Limits` (see [`OpGuard::check_query`]), and the
//! pipeline, sort and group loops call it every few hundred units of work.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use docdb_query::error::QueryError;

use crate::error::{CommandError, Result, codes};

/// The interrupt flag and deadline of one running operation.
#[derive(Clone, Debug, Default)]
pub struct OpGuard {
    interrupted: Arc<AtomicBool>,
    deadline: Option<Instant>,
}

impl OpGuard {
    /// A guard that never fires (internal work such as TTL expiry).
    pub fn none() -> OpGuard {
        OpGuard::default()
    }

    pub fn new(interrupted: Arc<AtomicBool>, max_time: Option<Duration>) -> OpGuard {
        OpGuard {
            interrupted,
            deadline: max_time.map(|d| Instant::now() + d),
        }
    }

    /// Fails when the operation was killed or ran out of time.
    pub fn check(&self) -> Result<()> {
        if self.interrupted.load(Ordering::Relaxed) {
            return Err(CommandError::new(
                codes::INTERRUPTED,
                "operation was interrupted",
            ));
        }
        if let Some(deadline) = self.deadline
            && Instant::now() >= deadline
        {
            return Err(CommandError::new(
                codes::MAX_TIME_MS_EXPIRED,
                "operation exceeded time limit",
            ));
        }
        Ok(())
    }

    /// [`OpGuard::check`] with the query crate's error type, for its `Limits`.
    pub fn check_query(&self) -> docdb_query::Result<()> {
        self.check()
            .map_err(|e| QueryError::new(e.code, e.code_name, e.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn killed_guard_reports_interrupted() {
        let flag = Arc::new(AtomicBool::new(false));
        let g = OpGuard::new(flag.clone(), None);
        assert!(g.check().is_ok());
        flag.store(true, Ordering::Relaxed);
        assert_eq!(g.check().unwrap_err().code, 11601);
    }

    #[test]
    fn expired_deadline_reports_max_time() {
        let g = OpGuard::new(Arc::default(), Some(Duration::ZERO));
        assert_eq!(g.check().unwrap_err().code, 50);
    }
}
