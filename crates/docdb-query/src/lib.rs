//! MongoDB query-language semantics on BSON documents.
//!
//! A pure library: no I/O, threads, sockets or async. The engine crate (`docdb`) owns storage,
//! indexes, cursors and the wire protocol and calls into this crate for everything that decides
//! *what a query means*. Everything is parsed once per command (so malformed input is reported
//! with MongoDB's own error codes before any document is touched) and then applied per document.
//!
//! # Code map
//! - `error`: `QueryError {code, code_name, message}`, shaped like a server error reply.
//! - `collation`: locale-aware string order (ICU4X), mongod's collation specs and sort keys.
//! - `value`, `number`, `decimal`: the canonical BSON order across types, exact numeric
//!   comparison (int32/int64/double/decimal128 by value), exact decimal128 arithmetic.
//! - `path`: dotted paths, strict (`a.0.b` indexes) and with implicit array traversal.
//! - `matcher`: query filters (`Filter`), with `leaf` (path predicates and array traversal),
//!   `bits` (`$bitsAllSet` ...) and `regex` (PCRE2 itself, as mongod matches).
//! - `projection`, `sort`: find projections and sort specifications.
//! - `update`: update operators, replacements, update pipelines, positional paths, upsert seeds.
//! - `expr`: the aggregation expression language, one submodule per operator family.
//! - `aggregate`: pipelines; `group`, `reshape`, `lookup`, `window` hold the stage families.
//!   Writes (`$out`, `$merge`) are returned to the caller, never performed here.
//! - `schema`: `$jsonSchema` and `errInfo.details` for validation failures.
//! - `index_keys`: the keys a document contributes to an index (multikey, parallel arrays).
//! - `text`: `$text` tokenizing, search-string parsing and scoring.
//! - `js`: server-side JavaScript (`$where`, `$function`, `$accumulator`) on QuickJS.
//! - `limits`: the caller's interruption check and mongod's memory budgets, by BSON size.
//!
//! # Invariants
//! - Nothing here panics on input: malformed specs are `QueryError`s, odd data is handled.
//! - Nothing here reads other collections except through the caller's `aggregate::Catalog`.
//! - Missing is not null: expressions carry `Option<Bson>`, filters distinguish the two where
//!   MongoDB does (`$exists`, `$type: "null"`) and merge them where it does (`{a: null}`).

pub mod aggregate;
pub mod collation;
pub mod decimal;
pub mod error;
pub mod expr;
pub mod fmt;
pub mod geo;
pub mod index_keys;
pub mod js;
pub mod limits;
pub mod matcher;
pub mod number;
pub mod path;
pub mod projection;
pub mod schema;
pub mod sort;
pub mod text;
pub mod update;
pub mod value;

pub use aggregate::{AggContext, AggOutput, Catalog, OutputStage, Pipeline};
pub use error::{QueryError, Result};
pub use expr::{Variables, evaluate};
pub use limits::{Limits, MemoryLimits};
pub use matcher::{Filter, MatchContext};
pub use projection::Projection;
pub use sort::SortSpec;
pub use text::TextSearch;
pub use update::{Update, UpdateContext};
