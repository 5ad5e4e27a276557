//! MySQL's and MariaDB's catalog for completion, read from `information_schema` on a side
//! connection. Values are cast to CHAR so one row reader serves every query; the column layouts
//! are the ones [`super::assemble`] expects.

/// schema, table, kind, column, type, nullable (1/0), default, row estimate.
pub const COLUMNS: &str = "SELECT c.TABLE_SCHEMA, c.TABLE_NAME,
    CASE t.TABLE_TYPE WHEN 'VIEW' THEN 'view' WHEN 'SYSTEM VIEW' THEN 'view' ELSE 'table' END,
    c.COLUMN_NAME, c.COLUMN_TYPE, CASE c.IS_NULLABLE WHEN 'YES' THEN '1' ELSE '0' END,
    CAST(c.COLUMN_DEFAULT AS CHAR), CAST(t.TABLE_ROWS AS CHAR)
FROM information_schema.COLUMNS c
JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
WHERE c.TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION
LIMIT 100000";

/// schema, table, index name, definition.
pub const INDEXES: &str = "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME,
    CONCAT(CASE WHEN NON_UNIQUE = 0 THEN 'UNIQUE ' ELSE '' END, INDEX_TYPE, ' (',
        GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR ', '), ')')
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
GROUP BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, INDEX_TYPE
ORDER BY 1, 2, 3
LIMIT 100000";

/// schema, name, signature, description: the user's stored functions and procedures.
pub const FUNCTIONS: &str = "SELECT r.ROUTINE_SCHEMA, r.ROUTINE_NAME,
    CONCAT('(', COALESCE((SELECT GROUP_CONCAT(CONCAT(p.PARAMETER_NAME, ' ', p.DTD_IDENTIFIER)
        ORDER BY p.ORDINAL_POSITION SEPARATOR ', ') FROM information_schema.PARAMETERS p
        WHERE p.SPECIFIC_SCHEMA = r.ROUTINE_SCHEMA AND p.SPECIFIC_NAME = r.SPECIFIC_NAME
          AND p.ORDINAL_POSITION > 0), ''), ')',
        CASE WHEN r.ROUTINE_TYPE = 'FUNCTION' THEN CONCAT(' → ', r.DTD_IDENTIFIER) ELSE ' (procedure)' END),
    NULLIF(r.ROUTINE_COMMENT, '')
FROM information_schema.ROUTINES r
WHERE r.ROUTINE_SCHEMA NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')
ORDER BY 1, 2
LIMIT 20000";

pub const SCHEMAS: &str = "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY 1";

/// MariaDB 10.6+ and MySQL 8 list their keywords; older servers fall back to the static list.
pub const KEYWORDS: &str = "SELECT UPPER(WORD) FROM information_schema.KEYWORDS ORDER BY 1";

pub const DEFAULT_SCHEMA: &str = "SELECT COALESCE(DATABASE(), '')";

/// Sent once when the side connection opens; MariaDB and MySQL name the time bound differently,
/// so one of the two fails and is ignored.
pub const SETUP: &[&str] = &[
    "SET SESSION TRANSACTION READ ONLY",
    "SET SESSION max_statement_time = 5",
    "SET SESSION max_execution_time = 5000",
];

/// MySQL's builtin functions people type most, with the manual's signatures; the server has no
/// catalog of them (`mysql.help_topic` is often empty).
pub const BUILTINS: &[(&str, &str)] = &[
    ("ABS", "(X)"),
    ("AVG", "([DISTINCT] expr)"),
    ("CAST", "(expr AS type)"),
    ("CEIL", "(X)"),
    ("COALESCE", "(value, ...)"),
    ("CONCAT", "(str1, str2, ...)"),
    ("CONCAT_WS", "(separator, str1, str2, ...)"),
    ("COUNT", "([DISTINCT] expr)"),
    ("CURDATE", "()"),
    ("CURRENT_TIMESTAMP", "([fsp])"),
    ("DATE_ADD", "(date, INTERVAL expr unit)"),
    ("DATE_FORMAT", "(date, format)"),
    ("DATEDIFF", "(expr1, expr2)"),
    ("FLOOR", "(X)"),
    ("GREATEST", "(value1, value2, ...)"),
    (
        "GROUP_CONCAT",
        "([DISTINCT] expr [ORDER BY ...] [SEPARATOR str])",
    ),
    ("IFNULL", "(expr1, expr2)"),
    ("JSON_EXTRACT", "(json_doc, path[, path] ...)"),
    ("JSON_OBJECT", "([key, val[, key, val] ...])"),
    ("LEAST", "(value1, value2, ...)"),
    ("LENGTH", "(str)"),
    ("LOWER", "(str)"),
    ("MAX", "([DISTINCT] expr)"),
    ("MIN", "([DISTINCT] expr)"),
    ("NOW", "([fsp])"),
    ("NULLIF", "(expr1, expr2)"),
    ("REPLACE", "(str, from_str, to_str)"),
    ("ROUND", "(X[, D])"),
    ("SUBSTRING", "(str, pos[, len])"),
    ("SUM", "([DISTINCT] expr)"),
    ("TRIM", "([{BOTH | LEADING | TRAILING} [remstr] FROM] str)"),
    ("UPPER", "(str)"),
];
