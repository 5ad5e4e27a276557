//! `killOp`: stops an operation `currentOp` lists (`current_op.rs`).

use bson::{Bson, Document, doc};

use crate::engine::Ctx;
use crate::error::{CommandError, Result};

pub fn kill_op(ctx: &Ctx) -> Result<Document> {
    let opid = match ctx.cmd.get("op") {
        Some(Bson::Int32(i)) => i64::from(*i),
        Some(Bson::Int64(i)) => *i,
        Some(Bson::Double(d)) if d.fract() == 0.0 => *d as i64,
        Some(v) => {
            return Err(CommandError::type_mismatch(format!(
                "killOp: 'op' must be a number, found {v}"
            )));
        }
        None => {
            return Err(CommandError::failed_to_parse(
                "killOp needs the 'op' field (an opid from currentOp)",
            ));
        }
    };
    let found = i32::try_from(opid)
        .map(|id| ctx.engine.ops().kill(id))
        .unwrap_or(false);
    if !found {
        log::info!("killOp: no running operation with opid {opid}");
    }
    Ok(doc! {"info": "attempting to kill op", "ok": 1.0})
}
