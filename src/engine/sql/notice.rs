//! PostgreSQL notices (`RAISE NOTICE`, `WARNING`s) for the cell's stdout.
//!
//! sqlx does not hand notices to the caller: it emits them as `tracing` events with the target
//! `sqlx::postgres::notice`. A tiny subscriber, installed only around the polls of our own
//! statement future (`WithSubscriber`), collects exactly those events into a shared queue that
//! the engine flushes to `ctx.sink.stdout` while the statement runs. No global logger is touched,
//! and two sessions never see each other's notices because each has its own subscriber.

use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata, Subscriber};

const TARGET: &str = "sqlx::postgres::notice";

/// The queue of one session's notices plus the dispatcher that fills it.
#[derive(Clone)]
pub struct Notices {
    queue: Arc<Mutex<Vec<String>>>,
    dispatch: tracing::Dispatch,
}

impl Notices {
    pub fn new() -> Self {
        let queue = Arc::new(Mutex::new(Vec::new()));
        let dispatch = tracing::Dispatch::new(Collector {
            queue: queue.clone(),
        });
        Notices { queue, dispatch }
    }

    pub fn dispatch(&self) -> tracing::Dispatch {
        self.dispatch.clone()
    }

    /// The notices collected since the last call, one line each.
    pub fn take(&self) -> Vec<String> {
        std::mem::take(&mut *self.queue.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Default for Notices {
    fn default() -> Self {
        Self::new()
    }
}

struct Collector {
    queue: Arc<Mutex<Vec<String>>>,
}

struct MessageField(Option<String>);

impl Visit for MessageField {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0 = Some(value.to_string());
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" && self.0.is_none() {
            self.0 = Some(format!("{value:?}"));
        }
    }
}

impl Subscriber for Collector {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if metadata.target() == TARGET {
            Interest::always()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target() == TARGET
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut message = MessageField(None);
        event.record(&mut message);
        let Some(text) = message.0 else { return };
        // sqlx maps NOTICE to INFO and WARNING to WARN; INFO/LOG severities arrive as TRACE.
        let severity = match *event.metadata().level() {
            Level::ERROR => "ERROR",
            Level::WARN => "WARNING",
            Level::INFO => "NOTICE",
            Level::DEBUG => "DEBUG",
            Level::TRACE => "INFO",
        };
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{severity}:  {text}"));
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}
