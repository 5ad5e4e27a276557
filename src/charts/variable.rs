//! `%chart VAR KIND x=… y=…`: a chart of a kept result (`--out VAR`). The kept rows are walked
//! through the same accumulators as a streaming result.

use chart::Request;

use super::{DocumentFeed, TableFeed};
use crate::engine::EngineError;
use crate::result::{Provenance, QueryResult};
use crate::session::variables::Variable;

/// `redis_command`: for a kept Redis reply, the command that produced it (`ZRANGE`, `HGETALL`).
pub fn chart_variable(
    name: &str,
    variable: &Variable,
    redis_command: Option<&str>,
    request: Request,
) -> Result<QueryResult, EngineError> {
    let provenance = Provenance {
        connection: format!("%chart {name}"),
        ..Provenance::default()
    };
    match variable {
        Variable::Table(table) => {
            let mut feed = TableFeed::new(request);
            feed.push_table(table);
            feed.finish(provenance)
        }
        Variable::Documents(documents) => {
            let mut feed = DocumentFeed::new(request);
            for document in documents {
                feed.push(document);
            }
            feed.finish(provenance)
        }
        Variable::Bson(bson::Bson::Array(items))
            if items.iter().all(|i| matches!(i, bson::Bson::Document(_))) =>
        {
            let mut feed = DocumentFeed::new(request);
            for item in items {
                if let bson::Bson::Document(document) = item {
                    feed.push(document);
                }
            }
            feed.finish(provenance)
        }
        Variable::Redis(reply) => {
            super::redis::chart_reply(request, redis_command, reply, provenance)
        }
        other => Err(EngineError::usage(format!(
            "%chart {name}: {name} holds a {}, not rows; keep a table, documents or a Redis \
             reply with --out {name} on a cell; nothing was drawn",
            other.summary().0
        ))),
    }
}
