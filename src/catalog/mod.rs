//! What completion and inspection know about each connection: its schema as last read
//! ([`Catalog`]), and the few questions answered live ([`Lookup`]: Redis keys by prefix, one
//! key's details), because a key space is too large and changes too often to cache.
//!
//! Engines read their own catalog (`Engine::catalog`, `Engine::lookup`) with queries that change
//! nothing in the user's session: a side connection where the server has sessions (PostgreSQL,
//! MySQL/MariaDB, Redis), read-only catalog queries on the session where only it sees the data
//! (SQLite's in-memory database). [`cache`] keeps one snapshot per connection, refreshed in the
//! background after a cell that may have changed the schema, so a completion request only ever
//! reads memory and never waits on a running cell.

pub mod cache;
pub mod kept;

/// What a catalog read says when the session it reads (SQLite's, the mongosh state) stayed
/// locked by a running cell: the cache tries again rather than keep a stale snapshot.
pub const SESSION_BUSY: &str = "the session stayed busy with a running cell";

/// One connection's schema as last read.
#[derive(Debug, Clone)]
pub enum Catalog {
    Sql(SqlCatalog),
    Mongo(MongoCatalog),
    Redis(RedisCatalog),
}

#[derive(Debug, Clone, Default)]
pub struct SqlCatalog {
    /// `PostgreSQL`, `MySQL`, `SQLite`: which keywords and quoting apply.
    pub dialect: String,
    /// Where unqualified names are looked up (`public`, the MySQL database, `main`).
    pub default_schema: String,
    pub schemas: Vec<String>,
    pub tables: Vec<SqlTable>,
    pub functions: Vec<SqlFunction>,
    /// The server's own keyword list where it has one (PostgreSQL `pg_get_keywords()`, MariaDB
    /// `information_schema.KEYWORDS`), else the dialect's documented list.
    pub keywords: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SqlTable {
    pub schema: String,
    pub name: String,
    /// `table`, `view`, `materialized view`, ...
    pub kind: String,
    pub columns: Vec<SqlColumn>,
    pub indexes: Vec<SqlIndex>,
    /// The server's estimate (PostgreSQL `reltuples`, MySQL `TABLE_ROWS`) or a bounded count
    /// (SQLite); `None` when unknown.
    pub rows: Option<RowCount>,
    /// Seen only by the user's session: a temporary table, or one created (or altered) by its
    /// open transaction and not yet committed.
    pub session_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowCount {
    Estimate(i64),
    Exact(i64),
    AtLeast(i64),
}

#[derive(Debug, Clone, Default)]
pub struct SqlColumn {
    pub name: String,
    pub data_type: String,
    pub nullable: bool,
    pub default: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SqlIndex {
    pub name: String,
    /// `CREATE UNIQUE INDEX … (a, b)` where the server gives it, else `UNIQUE (a, b)`.
    pub definition: String,
}

#[derive(Debug, Clone, Default)]
pub struct SqlFunction {
    pub schema: String,
    pub name: String,
    /// One line per overload: `(a integer, b integer) → integer`.
    pub signatures: Vec<String>,
    pub description: Option<String>,
}

/// What only the user's session sees, read on the session between cells
/// ([`crate::engine::Engine::session_tables`]).
#[derive(Debug, Clone, Default)]
pub struct SessionTables {
    /// Its temporary tables and the tables its open transaction created or altered.
    pub tables: Vec<SqlTable>,
    /// Inside a transaction that changed something: every (schema, table) the session sees, so
    /// that a table it dropped (not yet committed) is no longer offered. `None`: no such change.
    pub visible: Option<std::collections::HashSet<(String, String)>>,
}

impl SqlCatalog {
    /// The table or view `name` (optionally `schema.name`), matched as the server folds names:
    /// exactly first, then case-insensitively.
    pub fn table(&self, schema: Option<&str>, name: &str) -> Option<&SqlTable> {
        let fits = |t: &&SqlTable, exact: bool| {
            let eq = |a: &str, b: &str| {
                if exact {
                    a == b
                } else {
                    a.eq_ignore_ascii_case(b)
                }
            };
            eq(&t.name, name) && schema.is_none_or(|s| eq(&t.schema, s))
        };
        let in_default = |t: &&SqlTable| schema.is_some() || t.schema == self.default_schema;
        self.tables
            .iter()
            .filter(in_default)
            .find(|t| fits(t, true))
            .or_else(|| self.tables.iter().find(|t| fits(t, true)))
            .or_else(|| self.tables.iter().find(|t| fits(t, false)))
    }

    pub fn function(&self, name: &str) -> Option<&SqlFunction> {
        let mut found = self
            .functions
            .iter()
            .filter(|f| f.name.eq_ignore_ascii_case(name));
        let first = found.next()?;
        // A user's function shadows nothing, but pg_catalog's builtins come first on the path.
        Some(
            found
                .chain(std::iter::once(first))
                .find(|f| f.schema == self.default_schema)
                .unwrap_or(first),
        )
    }
}

#[derive(Debug, Clone, Default)]
pub struct MongoCatalog {
    /// The database `db` means in the session (`use DB`).
    pub database: String,
    pub databases: Vec<String>,
    pub collections: Vec<MongoCollection>,
}

#[derive(Debug, Clone, Default)]
pub struct MongoCollection {
    pub name: String,
    /// `estimatedDocumentCount`.
    pub count: Option<u64>,
    /// Field paths seen in the sampled documents (`address.city`, `items.sku` through arrays),
    /// each with the BSON types seen, in first-seen order.
    pub fields: Vec<(String, Vec<String>)>,
    /// How many documents the field list was sampled from.
    pub sampled: usize,
    /// Index name and key pattern as mongosh prints it (`{ email: 1 }`).
    pub indexes: Vec<(String, String)>,
}

impl MongoCatalog {
    pub fn collection(&self, name: &str) -> Option<&MongoCollection> {
        self.collections.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, Default)]
pub struct RedisCatalog {
    /// Commands from the server's `COMMAND DOCS` (subcommands as `CLIENT LIST`).
    pub commands: Vec<RedisCommand>,
}

#[derive(Debug, Clone, Default)]
pub struct RedisCommand {
    /// Upper case, as the docs print it: `SET`, `CLIENT LIST`.
    pub name: String,
    pub summary: String,
    pub since: String,
    pub group: String,
    pub complexity: String,
    /// The argument line as redis.io prints it: `key value [NX | XX] [GET] …`.
    pub arguments: String,
}

impl RedisCatalog {
    pub fn command(&self, name: &str) -> Option<&RedisCommand> {
        self.commands
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// Questions answered live rather than from the snapshot, in bounded time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Up to a few hundred key names that start with the prefix (`SCAN … MATCH prefix*`).
    RedisKeys { prefix: String },
    /// Type, TTL, size and encoding of one key, as text; `None` inside when it does not exist.
    RedisKey { key: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Keys(Vec<String>),
    Text(Option<String>),
}
