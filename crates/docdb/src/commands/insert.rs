//! `insert`: ordered or unordered batches with per-document write errors.

use bson::{Bson, Document};

use super::args;
use super::write_util::{check_storable, validate, with_id_first};
use crate::engine::Ctx;
use crate::error::Result;

pub fn insert(ctx: &Ctx) -> Result<Document> {
    let coll = args::collection(ctx)?;
    if let Some(reply) = super::timeseries::insert(ctx, &coll)? {
        return Ok(reply);
    }
    super::write_util::reject_view(ctx, &coll)?;
    let documents: Vec<Document> = match ctx.take_documents() {
        Some(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| match v {
                Bson::Document(d) => Ok(d),
                other => Err(crate::error::CommandError::type_mismatch(format!(
                    "BSON field 'insert.documents.{i}' is the wrong type '{}', expected type 'object'",
                    docdb_query::value::type_alias(&other)
                ))),
            })
            .collect::<Result<_>>()?,
        None => args::doc_array(ctx, "documents")?,
    };
    let ordered = args::opt_bool(ctx, "ordered")?.unwrap_or(true);
    let bypass = args::opt_bool(ctx, "bypassDocumentValidation")?.unwrap_or(false);
    crate::catalog::check_db_name(ctx.db)?;
    let (n, errors) = ctx.engine.write(|cat| {
        let mut n = 0i32;
        let mut errors: Vec<Bson> = Vec::new();
        for (i, doc) in documents.into_iter().enumerate() {
            let doc = with_id_first(doc);
            let outcome = check_storable(&doc)
                .and_then(|_| validate(cat.get(ctx.db, &coll), &doc, None, bypass))
                .and_then(|_| cat.insert(ctx.db, &coll, doc));
            match outcome {
                Ok(_) => n += 1,
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
