//! `currentOp` and `killOp`: the running-operation registry made visible.

use bson::{Bson, Document, doc};
use docdb_query::matcher::Filter;

use crate::engine::Ctx;
use crate::error::{CommandError, Result};

/// Fields of a `currentOp` command that are not part of its filter: its own
/// name, its options, and the generic arguments every command may carry.
fn is_filter_field(name: &str) -> bool {
    !(name.starts_with('$')
        || matches!(
            name,
            "currentOp"
                | "comment"
                | "lsid"
                | "maxTimeMS"
                | "txnNumber"
                | "readConcern"
                | "writeConcern"
                | "apiVersion"
                | "apiStrict"
                | "apiDeprecationErrors"
        ))
}

/// `currentOp`: the running operations, narrowed by the query in the
/// command's other fields (`{currentOp: 1, "command.comment": tag}`), so a
/// client kills only its own operation.
pub fn current_op(ctx: &Ctx) -> Result<Document> {
    let mut filter = Document::new();
    for (k, v) in ctx.cmd {
        if is_filter_field(k) {
            filter.insert(k.clone(), v.clone());
        }
    }
    let filter = Filter::parse(&filter)?;
    Ok(doc! {"inprog": ctx.engine.ops().in_progress(&filter), "ok": 1.0})
}

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
