//! The embedded MongoDB-compatible engine (work in progress).
