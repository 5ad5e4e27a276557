//! SQLite's catalog for completion, read with read-only queries on the session's own connection
//! (an in-memory database exists only there): `sqlite_master` and the `pragma_*` table-valued
//! functions, for `main` and `temp`. The column layouts are the ones [`super::assemble`] expects.

/// schema, table, kind, column, type, nullable (1/0), default, row estimate (none: counted apart).
pub const COLUMNS: &str = "SELECT 'main', m.name, m.type, p.name, p.type,
    CASE WHEN p.\"notnull\" THEN '0' ELSE '1' END, p.dflt_value, NULL
FROM sqlite_master m JOIN pragma_table_info(m.name, 'main') p
WHERE m.type IN ('table', 'view') AND m.name NOT LIKE 'sqlite_%'
UNION ALL
SELECT 'temp', m.name, m.type, p.name, p.type,
    CASE WHEN p.\"notnull\" THEN '0' ELSE '1' END, p.dflt_value, NULL
FROM sqlite_temp_master m JOIN pragma_table_info(m.name, 'temp') p
WHERE m.type IN ('table', 'view')";

/// schema, table, index name, definition.
pub const INDEXES: &str =
    "SELECT 'main', tbl_name, name, COALESCE(sql, 'automatic index (PRIMARY KEY or UNIQUE)')
FROM sqlite_master WHERE type = 'index'
UNION ALL
SELECT 'temp', tbl_name, name, COALESCE(sql, 'automatic index (PRIMARY KEY or UNIQUE)')
FROM sqlite_temp_master WHERE type = 'index'";

/// schema, name, signature, description: the functions this SQLite build has.
pub const FUNCTIONS: &str = "SELECT 'main', name,
    CASE WHEN narg < 0 THEN '(...)' ELSE '(' || narg || ' argument' || CASE WHEN narg = 1 THEN '' ELSE 's' END || ')' END
        || ' ' || type,
    NULL
FROM pragma_function_list ORDER BY name, narg";

pub const SCHEMAS: &str = "SELECT name FROM pragma_database_list ORDER BY seq";

/// Tables up to this many get their rows counted, each up to [`COUNT_BOUND`]: the count holds
/// the session, so a refresh after a write must stay a few milliseconds even on a big file.
pub const COUNTED_TABLES: usize = 50;
/// A count stops here and says "at least".
pub const COUNT_BOUND: i64 = 10_000;

/// SQLite's keywords, from <https://sqlite.org/lang_keywords.html>.
pub const KEYWORDS: &[&str] = &[
    "ABORT",
    "ACTION",
    "ADD",
    "AFTER",
    "ALL",
    "ALTER",
    "ALWAYS",
    "ANALYZE",
    "AND",
    "AS",
    "ASC",
    "ATTACH",
    "AUTOINCREMENT",
    "BEFORE",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASCADE",
    "CASE",
    "CAST",
    "CHECK",
    "COLLATE",
    "COLUMN",
    "COMMIT",
    "CONFLICT",
    "CONSTRAINT",
    "CREATE",
    "CROSS",
    "CURRENT",
    "CURRENT_DATE",
    "CURRENT_TIME",
    "CURRENT_TIMESTAMP",
    "DATABASE",
    "DEFAULT",
    "DEFERRABLE",
    "DEFERRED",
    "DELETE",
    "DESC",
    "DETACH",
    "DISTINCT",
    "DO",
    "DROP",
    "EACH",
    "ELSE",
    "END",
    "ESCAPE",
    "EXCEPT",
    "EXCLUDE",
    "EXCLUSIVE",
    "EXISTS",
    "EXPLAIN",
    "FAIL",
    "FILTER",
    "FIRST",
    "FOLLOWING",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "GENERATED",
    "GLOB",
    "GROUP",
    "GROUPS",
    "HAVING",
    "IF",
    "IGNORE",
    "IMMEDIATE",
    "IN",
    "INDEX",
    "INDEXED",
    "INITIALLY",
    "INNER",
    "INSERT",
    "INSTEAD",
    "INTERSECT",
    "INTO",
    "IS",
    "ISNULL",
    "JOIN",
    "KEY",
    "LAST",
    "LEFT",
    "LIKE",
    "LIMIT",
    "MATCH",
    "MATERIALIZED",
    "NATURAL",
    "NO",
    "NOT",
    "NOTHING",
    "NOTNULL",
    "NULL",
    "NULLS",
    "OF",
    "OFFSET",
    "ON",
    "OR",
    "ORDER",
    "OTHERS",
    "OUTER",
    "OVER",
    "PARTITION",
    "PLAN",
    "PRAGMA",
    "PRECEDING",
    "PRIMARY",
    "QUERY",
    "RAISE",
    "RANGE",
    "RECURSIVE",
    "REFERENCES",
    "REGEXP",
    "REINDEX",
    "RELEASE",
    "RENAME",
    "REPLACE",
    "RESTRICT",
    "RETURNING",
    "RIGHT",
    "ROLLBACK",
    "ROW",
    "ROWS",
    "SAVEPOINT",
    "SELECT",
    "SET",
    "TABLE",
    "TEMP",
    "TEMPORARY",
    "THEN",
    "TIES",
    "TO",
    "TRANSACTION",
    "TRIGGER",
    "UNBOUNDED",
    "UNION",
    "UNIQUE",
    "UPDATE",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "VIRTUAL",
    "WHEN",
    "WHERE",
    "WINDOW",
    "WITH",
    "WITHOUT",
];
