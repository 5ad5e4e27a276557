//! The kernel's [`ResultSink`]: renders each result and publishes it on IOPub as the cell runs.
//!
//! The last result of a cell is its `execute_result` (with the execution count, what nbconvert
//! and `jupyter console` treat as the cell's value); earlier ones go out as `display_data`. So
//! each result is held back until the next one arrives or the cell ends.
//!
//! A statement that runs past [`SHOW_AFTER`] gets a live progress line ([`KernelSink::timer`]
//! draws the cell's [`Meter`] about twice a second): a `display_data` with a
//! `transient.display_id`, updated in place with `update_display_data` (looked at every 250 ms,
//! redrawn every 500 ms). When the statement's
//! result arrives it is sent as the last `update_display_data` of that display id, so JupyterLab
//! shows the result where the line was and nbclient (which rewrites every output of that id)
//! saves only the result. A line no result replaced (the statement failed, the stop button, a
//! statement with no result) is emptied when the cell ends. Faster statements never show one and
//! go out exactly as before.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Map, Value, json};

use super::iopub::Iopub;
use crate::engine::context::ResultSink;
use crate::engine::progress::Meter;
use crate::render::bound::{max_output_bytes, render_bounded};
use crate::result::QueryResult;
use crate::wire::Message;

/// A statement shows its progress line once it has run this long.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);
/// How often the line is redrawn.
const REDRAW_EVERY: Duration = Duration::from_millis(500);
/// How often the timer looks: finer than the redraw, so a line appears close to
/// [`SHOW_AFTER`] whenever the statement began.
const LOOK_EVERY: Duration = Duration::from_millis(250);

pub struct KernelSink<'a> {
    iopub: &'a Iopub,
    parent: &'a Message,
    /// Shared with the timer, which runs beside the engine while the cell runs.
    outputs: Arc<Mutex<Outputs>>,
}

/// What the sink has shown and holds back. Locked briefly by the sink's calls and the timer.
struct Outputs {
    pending: Option<QueryResult>,
    live_display_id: Option<String>,
    /// The display id of the progress line on screen, if any, and when it was last drawn.
    progress_display_id: Option<String>,
    drawn_at: Option<std::time::Instant>,
    /// The text/plain of the last result that replaced a progress line (the cell's output for
    /// the history when nothing came after it).
    replaced_text: Option<String>,
    meter: Meter,
}

impl<'a> KernelSink<'a> {
    pub fn new(iopub: &'a Iopub, parent: &'a Message) -> Self {
        KernelSink {
            iopub,
            parent,
            outputs: Arc::new(Mutex::new(Outputs {
                pending: None,
                live_display_id: None,
                progress_display_id: None,
                drawn_at: None,
                replaced_text: None,
                meter: Meter::new(),
            })),
        }
    }

    fn outputs(&self) -> std::sync::MutexGuard<'_, Outputs> {
        self.outputs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Publishes the held-back result as the cell's execute_result; returns its text/plain.
    pub fn finish(&mut self, execution_count: u64) -> Option<String> {
        let mut outputs = self.outputs();
        outputs.clear_progress(self.iopub, self.parent);
        let Some(result) = outputs.pending.take() else {
            return outputs.replaced_text.take();
        };
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

    /// The cell failed: the progress line goes, and the held-back result is published as
    /// display_data (before the error).
    pub fn flush_pending(&mut self) {
        let mut outputs = self.outputs();
        outputs.clear_progress(self.iopub, self.parent);
        outputs.display_pending(self.iopub, self.parent);
    }

    /// Redraws the progress line every [`REDRAW_EVERY`] while the cell runs (the executor runs
    /// it beside the cell and drops it when the cell ends, so an idle kernel has no timer).
    pub fn timer(&self) -> impl std::future::Future<Output = ()> + use<'a> {
        let outputs = self.outputs.clone();
        let (iopub, parent) = (self.iopub, self.parent);
        async move {
            let mut ticks = tokio::time::interval(LOOK_EVERY);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                outputs
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .draw_progress(iopub, parent);
            }
        }
    }
}

impl Outputs {
    fn display_pending(&mut self, iopub: &Iopub, parent: &Message) {
        if let Some(result) = self.pending.take() {
            display(iopub, parent, &result);
        }
    }

    /// Shows or updates the progress line when the running statement has taken long enough.
    fn draw_progress(&mut self, iopub: &Iopub, parent: &Message) {
        // A live display (SUBSCRIBE, MONITOR) is the statement's own progress.
        if self.live_display_id.is_some() {
            return;
        }
        let Some(snapshot) = self.meter.snapshot() else {
            return;
        };
        if snapshot.elapsed < SHOW_AFTER {
            return;
        }
        if self.progress_display_id.is_some()
            && self
                .drawn_at
                .is_some_and(|at| at.elapsed() < REDRAW_EVERY - LOOK_EVERY / 2)
        {
            return;
        }
        self.drawn_at = Some(std::time::Instant::now());
        let data = crate::render::progress::bundle(&snapshot);
        match &self.progress_display_id {
            Some(id) => publish_display(iopub, parent, "update_display_data", data, id),
            None => {
                // Earlier results stay above the line, in order.
                self.display_pending(iopub, parent);
                let id = uuid::Uuid::new_v4().to_string();
                publish_display(iopub, parent, "display_data", data, &id);
                self.progress_display_id = Some(id);
            }
        }
    }

    /// Empties a progress line no result replaced.
    fn clear_progress(&mut self, iopub: &Iopub, parent: &Message) {
        if let Some(id) = self.progress_display_id.take() {
            publish_display(iopub, parent, "update_display_data", Map::new(), &id);
        }
    }
}

fn display(iopub: &Iopub, parent: &Message, result: &QueryResult) {
    iopub.publish(
        "display_data",
        json!({"data": bounded(result), "metadata": {}, "transient": {}}),
        Some(parent),
    );
}

fn publish_display(
    iopub: &Iopub,
    parent: &Message,
    kind: &str,
    data: Map<String, Value>,
    id: &str,
) {
    iopub.publish(
        kind,
        json!({"data": data, "metadata": {}, "transient": {"display_id": id}}),
        Some(parent),
    );
}

/// Every output goes out within `%config max_output_bytes` (see [`crate::render::bound`]).
fn bounded(result: &QueryResult) -> Map<String, Value> {
    render_bounded(result, max_output_bytes())
}

impl ResultSink for KernelSink<'_> {
    fn emit(&mut self, result: QueryResult) {
        let (iopub, parent) = (self.iopub, self.parent);
        let mut outputs = self.outputs();
        outputs.meter.restart();
        if let Some(id) = outputs.progress_display_id.take() {
            // The result takes the progress line's place (and is all nbclient keeps of it).
            let data = bounded(&result);
            outputs.replaced_text = data
                .get("text/plain")
                .and_then(|t| t.as_str())
                .map(str::to_string);
            publish_display(iopub, parent, "update_display_data", data, &id);
            return;
        }
        if let Some(previous) = outputs.pending.replace(result) {
            display(iopub, parent, &previous);
        }
    }

    fn live(&mut self, result: QueryResult) {
        let (iopub, parent) = (self.iopub, self.parent);
        let mut outputs = self.outputs();
        // A progress line already on screen becomes the live display.
        if outputs.live_display_id.is_none() {
            outputs.live_display_id = outputs.progress_display_id.take();
        }
        match &outputs.live_display_id {
            None => {
                let id = uuid::Uuid::new_v4().to_string();
                publish_display(iopub, parent, "display_data", bounded(&result), &id);
                outputs.live_display_id = Some(id);
            }
            Some(id) => publish_display(iopub, parent, "update_display_data", bounded(&result), id),
        }
    }

    fn stdout(&mut self, text: &str) {
        let (iopub, parent) = (self.iopub, self.parent);
        self.outputs().display_pending(iopub, parent);
        iopub.stream("stdout", text, Some(parent));
    }

    fn stderr(&mut self, text: &str) {
        // Under nbgrader a stderr stream fails the cell, so warnings go to stdout there.
        let stream = crate::check::grader::warning_stream();
        self.iopub.stream(stream, text, Some(self.parent));
    }

    fn meter(&self) -> Meter {
        self.outputs().meter.clone()
    }
}
