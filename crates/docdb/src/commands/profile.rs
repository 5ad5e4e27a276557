//! `profile`: the database profiler's settings (see `crate::profiler` for what is recorded).
//! `{profile: -1}` reads, `{profile: 0|1|2}` sets the database's level; `slowms` and
//! `sampleRate` (server-wide, as in mongod) may be set with either. The reply is the settings
//! from before the change, `{was, slowms, sampleRate}`, as mongod answers. A profiling
//! `filter` is refused rather than accepted and not applied.

use bson::{Bson, Document, doc};

use crate::engine::Ctx;
use crate::error::{CommandError, Result};

fn number(ctx: &Ctx, field: &str) -> Result<Option<f64>> {
    match ctx.cmd.get(field) {
        None => Ok(None),
        Some(v @ (Bson::Int32(_) | Bson::Int64(_) | Bson::Double(_))) => {
            Ok(crate::index::spec::number(v))
        }
        Some(other) => Err(CommandError::type_mismatch(format!(
            "BSON field 'profile.{field}' is the wrong type '{}', expected types '[long, int, decimal, double]'",
            docdb_query::value::type_alias(other)
        ))),
    }
}

pub fn profile(ctx: &Ctx) -> Result<Document> {
    let level = number(ctx, "profile")?.unwrap_or(f64::NAN);
    if ![-1.0, 0.0, 1.0, 2.0].contains(&level) {
        return Err(CommandError::bad_value(format!(
            "Invalid profiling level: {level}"
        )));
    }
    if ctx.cmd.contains_key("filter") {
        return Err(CommandError {
            code: 115,
            code_name: "CommandNotSupported",
            message: "a profiling 'filter' is not supported by the embedded engine; profile with a level and slowms instead".into(),
            extra: None,
        });
    }
    let slow_ms = match number(ctx, "slowms")? {
        Some(ms) if ms.fract() != 0.0 => {
            return Err(CommandError::bad_value(format!(
                "slowms must be an integer, found {ms}"
            )));
        }
        other => other.map(|ms| ms as i64),
    };
    let sample_rate = match number(ctx, "sampleRate")? {
        Some(r) if !(0.0..=1.0).contains(&r) => {
            return Err(CommandError::bad_value(format!(
                "'sampleRate' must be between 0.0 and 1.0 inclusive, found {r}"
            )));
        }
        other => other,
    };
    let new_level = (level >= 0.0).then_some(level as i32);
    let (was, slowms, rate) = ctx
        .engine
        .profiler
        .set(ctx.db, new_level, slow_ms, sample_rate);
    Ok(doc! {"was": was, "slowms": slowms as i32, "sampleRate": rate, "ok": 1.0})
}
