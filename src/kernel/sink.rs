//! The kernel's [`ResultSink`]: renders each result and publishes it on IOPub as the cell runs.
//!
//! The last result of a cell is its `execute_result` (with the execution count, what nbconvert
//! and `jupyter console` treat as the cell's value); earlier ones go out as `display_data`. So
//! each result is held back until the next one arrives or the cell ends.

use serde_json::json;

use super::iopub::Iopub;
use crate::engine::context::ResultSink;
use crate::render::bound::{max_output_bytes, render_bounded};
use crate::result::QueryResult;
use crate::wire::Message;

pub struct KernelSink<'a> {
    iopub: &'a Iopub,
    parent: &'a Message,
    pending: Option<QueryResult>,
    live_display_id: Option<String>,
}

impl<'a> KernelSink<'a> {
    pub fn new(iopub: &'a Iopub, parent: &'a Message) -> Self {
        KernelSink {
            iopub,
            parent,
            pending: None,
            live_display_id: None,
        }
    }

    /// Publishes the held-back result as the cell's execute_result; returns its text/plain.
    pub fn finish(&mut self, execution_count: u64) -> Option<String> {
        let result = self.pending.take()?;
        let data = bounded(&result);
        let text = data
            .get("text/plain")
            .and_then(|t| t.as_str())
            .map(str::to_string);
        self.iopub.publish(
            "execute_result",
            json!({"execution_count": execution_count, "data": data, "metadata": {}}),
            Some(self.parent),
        );
        text
    }

    /// Publishes the held-back result as display_data (the cell failed after it).
    pub fn flush_pending(&mut self) {
        if let Some(result) = self.pending.take() {
            self.display(&result);
        }
    }

    fn display(&self, result: &QueryResult) {
        self.iopub.publish(
            "display_data",
            json!({"data": bounded(result), "metadata": {}, "transient": {}}),
            Some(self.parent),
        );
    }
}

/// Every output goes out within `%config max_output_bytes` (see [`crate::render::bound`]).
fn bounded(result: &QueryResult) -> serde_json::Map<String, serde_json::Value> {
    render_bounded(result, max_output_bytes())
}

impl ResultSink for KernelSink<'_> {
    fn emit(&mut self, result: QueryResult) {
        if let Some(previous) = self.pending.replace(result) {
            self.display(&previous);
        }
    }

    fn live(&mut self, result: QueryResult) {
        match &self.live_display_id {
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                self.iopub.publish(
                    "display_data",
                    json!({"data": bounded(&result), "metadata": {}, "transient": {"display_id": id}}),
                    Some(self.parent),
                );
                self.live_display_id = Some(id);
            }
            Some(id) => self.iopub.publish(
                "update_display_data",
                json!({"data": bounded(&result), "metadata": {}, "transient": {"display_id": id}}),
                Some(self.parent),
            ),
        }
    }

    fn stdout(&mut self, text: &str) {
        self.flush_pending();
        self.iopub.stream("stdout", text, Some(self.parent));
    }

    fn stderr(&mut self, text: &str) {
        // Under nbgrader a stderr stream fails the cell, so warnings go to stdout there.
        let stream = crate::check::grader::warning_stream();
        self.iopub.stream(stream, text, Some(self.parent));
    }
}
