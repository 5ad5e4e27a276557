//! The `deterministic` setting (`%config deterministic = true`, `[settings] deterministic` in
//! dbkernel.toml; on by default under nbgrader): results pass through this sink, which drops
//! their timings before they are rendered.

use crate::engine::context::ResultSink;
use crate::result::QueryResult;

pub struct Deterministic<'a>(pub &'a mut dyn ResultSink);

impl ResultSink for Deterministic<'_> {
    fn emit(&mut self, result: QueryResult) {
        self.0.emit(result.without_timings());
    }
    fn live(&mut self, result: QueryResult) {
        self.0.live(result.without_timings());
    }
    fn stdout(&mut self, text: &str) {
        self.0.stdout(text);
    }
    fn stderr(&mut self, text: &str) {
        self.0.stderr(text);
    }
}
