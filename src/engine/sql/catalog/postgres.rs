//! PostgreSQL's catalog for completion, read from `pg_catalog` on a side connection. Every
//! value is cast to text so one row reader serves every query; the column layouts are the ones
//! [`super::assemble`] expects.

/// schema, table, kind, column, type, nullable (1/0), default, row estimate.
pub const COLUMNS: &str = "SELECT n.nspname::text, c.relname::text,
    CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'f' THEN 'foreign table'
        WHEN 'p' THEN 'partitioned table' ELSE 'table' END,
    a.attname::text, format_type(a.atttypid, a.atttypmod),
    CASE WHEN a.attnotnull THEN '0' ELSE '1' END,
    pg_get_expr(d.adbin, d.adrelid),
    CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::bigint::text END
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE c.relkind IN ('r', 'v', 'm', 'f', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
ORDER BY n.nspname, c.relname, a.attnum
LIMIT 100000";

/// schema, table, index name, definition.
pub const INDEXES: &str =
    "SELECT n.nspname::text, t.relname::text, i.relname::text, pg_get_indexdef(i.oid)
FROM pg_index x
JOIN pg_class i ON i.oid = x.indexrelid
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
  AND n.nspname NOT LIKE 'pg_temp%'
ORDER BY 1, 2, 3
LIMIT 100000";

/// schema, name, signature, description: functions, aggregates and window functions, the
/// builtins of `pg_catalog` included (they are what people type).
pub const FUNCTIONS: &str = "SELECT n.nspname::text, p.proname::text,
    '(' || pg_get_function_arguments(p.oid) || ') → ' || COALESCE(pg_get_function_result(p.oid), 'void'),
    obj_description(p.oid, 'pg_proc')
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'a', 'w', 'p') AND n.nspname <> 'information_schema'
  AND n.nspname NOT LIKE 'pg_toast%' AND p.proname !~ '^_'
ORDER BY 1, 2
LIMIT 20000";

/// schema, table of every relation the session sees, only inside a transaction that has written
/// something (no rows otherwise): what its uncommitted `DROP`s left.
pub const SESSION_NAMES: &str = "SELECT n.nspname::text, c.relname::text
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE pg_current_xact_id_if_assigned() IS NOT NULL
  AND c.relkind IN ('r', 'v', 'm', 'f', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'
LIMIT 100000";

pub const SCHEMAS: &str = "SELECT nspname::text FROM pg_namespace
WHERE nspname NOT LIKE 'pg_toast%' AND nspname NOT LIKE 'pg_temp%' ORDER BY 1";

/// The server's own keyword list.
pub const KEYWORDS: &str = "SELECT upper(word) FROM pg_get_keywords() ORDER BY 1";

pub const DEFAULT_SCHEMA: &str = "SELECT COALESCE(current_schema(), 'public')::text";

/// Sent once when the side connection opens: it can read and nothing else, and gives up on
/// anything slow rather than keep a catalog read waiting.
pub const SETUP: &[&str] = &[
    "SET default_transaction_read_only = on",
    "SET statement_timeout = '5s'",
    "SET lock_timeout = '1s'",
    "SET application_name = 'dbkernel catalog'",
];
