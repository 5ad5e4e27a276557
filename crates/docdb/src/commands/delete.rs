//! `delete`: each statement removes one (`limit: 1`) or all (`limit: 0`)
//! matching documents.

use bson::{Bson, Document, doc};

use super::args;
use crate::engine::Ctx;
use crate::error::{CommandError, Result};
use crate::exec::{SelectRequest, select};

pub fn delete(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    if let Some(reply) = super::timeseries::delete(ctx, &coll)? {
        return Ok(reply);
    }
    super::write_util::reject_view(ctx, &coll)?;
    let statements = args::doc_array(ctx, "deletes")?;
    let ordered = args::opt_bool(ctx, "ordered")?.unwrap_or(true);
    let vars = args::let_vars(ctx)?;
    let (n, errors) = ctx.engine.write(|cat| {
        let mut n = 0i32;
        let mut errors: Vec<Bson> = Vec::new();
        for (i, st) in statements.iter().enumerate() {
            let result = (|| -> Result<i32> {
                let q = args::doc_field(st, "delete.deletes", "q")?
                    .cloned()
                    .unwrap_or_default();
                let limit = match args::int_field(st, "delete.deletes", "limit")? {
                    None => {
                        return Err(CommandError::failed_to_parse(
                            "BSON field 'delete.deletes.limit' is missing but a required field",
                        ));
                    }
                    Some(0) => None,
                    Some(1) => Some(1),
                    Some(other) => {
                        return Err(CommandError::failed_to_parse(format!(
                            "The limit field in delete objects must be 0 or 1. Got {other}"
                        )));
                    }
                };
                let hint = match st.get("hint") {
                    None | Some(Bson::Null) => None,
                    Some(Bson::Document(h)) if h.is_empty() => None,
                    Some(h) => Some(h.clone()),
                };
                let requested = args::requested_collation(st, "delete.deletes")?;
                let Some(c) = cat.get(ctx.db, &coll) else {
                    // mongod builds the query before it looks at the collection.
                    docdb_query::matcher::Filter::parse(&q)?;
                    return Ok(0);
                };
                let collation = args::effective_collation(&requested, c.collation.as_ref());
                let req = SelectRequest {
                    filter: Some(&q),
                    limit,
                    hint: hint.as_ref(),
                    vars,
                    collation: collation.as_ref(),
                    ..Default::default()
                };
                let sel = select(c, &req, &ctx.guard)?;
                crate::profiler::note_selection(c, &sel);
                let rows = sel.rows;
                let mut removed = 0;
                for (k, row) in rows.into_iter().enumerate() {
                    // A killed deleteMany stops between documents, as mongod's does.
                    if k % 512 == 511 {
                        ctx.guard.check()?;
                    }
                    if cat.remove(ctx.db, &coll, row.record).is_some() {
                        removed += 1;
                    }
                }
                Ok(removed)
            })();
            match result {
                Ok(k) => {
                    n += k;
                    crate::profiler::note_statement(st, doc! {"ndeleted": k});
                }
                Err(e) => {
                    errors.push(Bson::Document(e.to_write_error(i)));
                    if ordered {
                        break;
                    }
                }
            }
        }
        (n, errors)
    })?;
    Ok(super::write_util::write_reply(n, errors))
}
