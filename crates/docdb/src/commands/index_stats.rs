//! `$indexStats`: one document per index of the collection, with the number of operations
//! that used it (`accesses.ops`, counted by `exec::select` from each plan, so a query that
//! scans the index counts and a collection scan does not) and since when (`accesses.since`:
//! when the index was built or the server started, as mongod's counters are not persisted).
//!
//! Shape as mongod 7.0's: `{name, key, host, accesses: {ops: Long, since: Date}, spec}`.

use bson::{Bson, Document, doc};

use crate::engine::Ctx;
use crate::error::{CommandError, Result, codes};

/// Is this stage `$indexStats`?
pub fn is_source_stage(stage: &Document) -> bool {
    stage.len() == 1 && stage.contains_key("$indexStats")
}

/// Refuses `$indexStats` anywhere but first (40602, as mongod).
pub fn check_not_later(stages: &[Document]) -> Result<()> {
    if stages.iter().skip(1).any(|s| s.contains_key("$indexStats")) {
        return Err(CommandError::new(
            40602,
            "$indexStats is only valid as the first stage in a pipeline",
        ));
    }
    Ok(())
}

/// The documents a leading `$indexStats` produces for collection `coll`.
pub fn source_documents(ctx: &Ctx, coll: Option<&str>, stage: &Document) -> Result<Vec<Document>> {
    match stage.get("$indexStats") {
        Some(Bson::Document(spec)) if spec.is_empty() => {}
        _ => {
            return Err(CommandError::new(
                28803,
                "The $indexStats stage specification must be an empty object",
            ));
        }
    }
    let Some(coll) = coll else {
        return Err(CommandError::new(
            codes::INVALID_NAMESPACE,
            "$indexStats must be run against a collection, not with {aggregate: 1}",
        ));
    };
    Ok(ctx.engine.read(|cat| {
        let Some(c) = cat.get(ctx.db, coll) else {
            return Vec::new();
        };
        c.indexes
            .iter()
            .map(|index| {
                doc! {
                    "name": index.spec.name.clone(),
                    "key": index.spec.key.clone(),
                    "host": "localhost",
                    "accesses": {
                        "ops": index.accesses.ops() as i64,
                        "since": index.accesses.since,
                    },
                    "spec": index.spec.to_document(),
                }
            })
            .collect()
    }))
}
