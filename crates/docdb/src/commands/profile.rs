//! `profile`: the database profiler's settings. The embedded engine has no profiler (no
//! `system.profile` collection), so it answers what mongod answers at level 0 — `{was: 0,
//! slowms: 100, sampleRate: 1.0}`, mongod's defaults — for a read (`profile: -1`) and for
//! setting level 0, and refuses a level that would record operations, or a change of
//! `slowms`/`sampleRate`/`filter`, rather than accepting settings it would not act on.

use bson::{Bson, Document, doc};

use crate::engine::Ctx;
use crate::error::{CommandError, Result};

/// mongod's default `slowms` (operationProfiling.slowOpThresholdMs).
const SLOW_MS: i32 = 100;

pub fn profile(ctx: &Ctx) -> Result<Document> {
    let level = match ctx.cmd.get("profile") {
        Some(v @ (Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_))) => {
            crate::index::spec::number(v).unwrap_or(f64::NAN)
        }
        Some(other) => {
            return Err(CommandError::type_mismatch(format!(
                "BSON field 'profile.profile' is the wrong type '{}', expected types '[long, int, decimal, double]'",
                docdb_query::value::type_alias(other)
            )));
        }
        None => f64::NAN,
    };
    if ![-1.0, 0.0, 1.0, 2.0].contains(&level) {
        return Err(CommandError::bad_value(format!(
            "Invalid profiling level: {level}"
        )));
    }
    let changes = ["slowms", "sampleRate", "filter"]
        .into_iter()
        .find(|k| ctx.cmd.contains_key(*k));
    if level > 0.0 || changes.is_some() {
        let what = match changes {
            Some(option) => format!("setting '{option}'"),
            None => format!("profiling level {level}"),
        };
        return Err(CommandError {
            code: 115,
            code_name: "CommandNotSupported",
            message: format!(
                "{what} is not supported by the embedded engine: it has no profiler and keeps no system.profile collection"
            ),
            extra: None,
        });
    }
    Ok(doc! {"was": 0, "slowms": SLOW_MS, "sampleRate": 1.0, "ok": 1.0})
}
