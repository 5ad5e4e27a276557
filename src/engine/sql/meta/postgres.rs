//! psql's describe commands on PostgreSQL: `\d`, `\d NAME`, `\dt`, `\di`, `\dv`, `\ds`, `\dm`,
//! `\dn`, `\df`, `\l`, `\du`/`\dg`, each with an optional pattern. The queries are ours, written
//! after reading what `psql -E` (15) sends; columns, titles and "Did not find" messages are
//! psql's. Values psql shows as empty are `''` rather than NULL, so that they look the same here.

use super::pattern::{self, Pattern};
use super::{Query, Refusal, Shape, literal, unsupported};

const SUPPORTED: &str = "\\d, \\d NAME, \\dt, \\di, \\dv, \\dm, \\ds, \\dn, \\df, \\l, \\du, \\dg and \\x (each with an optional pattern; no + forms)";

pub fn plan(command: &str, argument: &str) -> Result<Vec<Query>, Refusal> {
    let pattern = pattern::parse(argument);
    let queries = match command {
        "\\d" if !argument.is_empty() => vec![Query {
            sql: lookup(&pattern),
            shape: Shape::Describe {
                name: argument.to_string(),
            },
        }],
        "\\d" => relations("'r','p','v','m','S','f'", &pattern, argument, false),
        "\\dt" => relations("'r','p'", &pattern, argument, false),
        "\\di" => relations("'i','I'", &pattern, argument, true),
        "\\dv" => relations("'v'", &pattern, argument, false),
        "\\dm" => relations("'m'", &pattern, argument, false),
        "\\ds" => relations("'S'", &pattern, argument, false),
        "\\dn" => vec![table(schemas(&pattern), "List of schemas", None)],
        "\\df" => vec![table(functions(&pattern), "List of functions", None)],
        "\\l" | "\\list" => vec![table(databases(&pattern), "List of databases", None)],
        "\\du" | "\\dg" => vec![table(roles(&pattern), "List of roles", None)],
        other => {
            return Err(unsupported(
                other,
                SUPPORTED,
                "Ask the catalog instead, e.g. SELECT * FROM information_schema.tables WHERE table_schema = 'public'; (psql -E shows the query psql sends for any command).",
            ));
        }
    };
    Ok(queries)
}

fn table(sql: String, title: &str, empty: Option<String>) -> Query {
    Query {
        sql,
        shape: Shape::Table {
            title: Some(title.to_string()),
            empty,
        },
    }
}

/// `AND column ~ 'regex'` for the parts of a pattern that were given.
fn filter(column: &str, regex: &Option<String>) -> String {
    regex
        .as_ref()
        .map(|r| {
            format!(
                " AND {column} OPERATOR(pg_catalog.~) {} COLLATE pg_catalog.default",
                literal(r)
            )
        })
        .unwrap_or_default()
}

/// Without a schema in the pattern, only what the search path sees (and no system schemas when
/// there is no pattern at all), as psql lists.
fn visibility(pattern: &Pattern, visible: &str) -> String {
    match (&pattern.schema, &pattern.name) {
        (Some(_), _) => filter("n.nspname", &pattern.schema),
        (None, None) => format!(
            " AND n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast' AND n.nspname <> 'information_schema' AND {visible}"
        ),
        (None, Some(_)) => format!(" AND {visible}"),
    }
}

const RELKIND_NAME: &str = "CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END";

fn relations(kinds: &str, pattern: &Pattern, argument: &str, index: bool) -> Vec<Query> {
    let (table_column, join) = if index {
        (
            ", c2.relname AS \"Table\"",
            " LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_catalog.pg_class c2 ON i.indrelid = c2.oid",
        )
    } else {
        ("", "")
    };
    let sql = format!(
        "SELECT n.nspname AS \"Schema\", c.relname AS \"Name\", {RELKIND_NAME} AS \"Type\", \
         pg_catalog.pg_get_userbyid(c.relowner) AS \"Owner\"{table_column} \
         FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace{join} \
         WHERE c.relkind IN ({kinds}){}{} ORDER BY 1, 2",
        filter("c.relname", &pattern.name),
        visibility(pattern, "pg_catalog.pg_table_is_visible(c.oid)"),
    );
    let empty = if argument.is_empty() {
        "Did not find any relations.".to_string()
    } else {
        format!("Did not find any relation named \"{argument}\".")
    };
    vec![table(sql, "List of relations", Some(empty))]
}

/// The relations `\d NAME` describes: oid, schema, name, title kind.
fn lookup(pattern: &Pattern) -> String {
    format!(
        "SELECT c.oid::text, n.nspname::text, c.relname::text, CASE c.relkind WHEN 'r' THEN 'Table' WHEN 'p' THEN 'Partitioned table' \
         WHEN 'v' THEN 'View' WHEN 'm' THEN 'Materialized view' WHEN 'f' THEN 'Foreign table' WHEN 'i' THEN 'Index' \
         WHEN 'I' THEN 'Partitioned index' WHEN 'S' THEN 'Sequence' END \
         FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r','p','v','m','f','i','I','S'){}{} ORDER BY 2, 3",
        filter("c.relname", &pattern.name),
        visibility(pattern, "pg_catalog.pg_table_is_visible(c.oid)"),
    )
}

/// `\d NAME` for one relation found by [`lookup`]: its columns under `Table "schema.name"`, then
/// psql's footers. `oid` is a number the server sent.
pub fn describe(oid: &str, schema: &str, name: &str, kind: &str) -> Result<Vec<Query>, Refusal> {
    let Ok(oid) = oid.parse::<u32>() else {
        return Ok(Vec::new());
    };
    if matches!(kind, "Index" | "Partitioned index" | "Sequence") {
        let (list, query) = if kind == "Sequence" {
            (
                "\\ds",
                format!(
                    "SELECT * FROM pg_catalog.pg_sequences WHERE schemaname = '{schema}' AND sequencename = '{name}';"
                ),
            )
        } else {
            (
                "\\di",
                format!("SELECT pg_catalog.pg_get_indexdef('{schema}.{name}'::regclass);"),
            )
        };
        return Err(Refusal(format!(
            "\\d of {} \"{schema}.{name}\" is not supported here (tables, views, materialized views and foreign tables are); {list} {name} lists it, and {query} shows it",
            kind.to_lowercase()
        )));
    }
    let columns = format!(
        "SELECT a.attname AS \"Column\", pg_catalog.format_type(a.atttypid, a.atttypmod) AS \"Type\", \
         COALESCE((SELECT co.collname FROM pg_catalog.pg_collation co, pg_catalog.pg_type t \
                   WHERE co.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation), '') AS \"Collation\", \
         CASE WHEN a.attnotnull THEN 'not null' ELSE '' END AS \"Nullable\", \
         COALESCE(CASE WHEN a.attidentity = 'a' THEN 'generated always as identity' \
                       WHEN a.attidentity = 'd' THEN 'generated by default as identity' \
                       WHEN a.attgenerated = 's' THEN 'generated always as (' || pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) || ') stored' \
                       ELSE pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) END, '') AS \"Default\" \
         FROM pg_catalog.pg_attribute a \
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef \
         WHERE a.attrelid = {oid} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
    );
    let indexes = format!(
        "SELECT '\"' || c2.relname || '\"' || \
           CASE WHEN i.indisprimary THEN ' PRIMARY KEY,' WHEN con.contype = 'u' THEN ' UNIQUE CONSTRAINT,' \
                WHEN con.contype = 'x' THEN '' WHEN i.indisunique THEN ' UNIQUE,' ELSE '' END || ' ' || \
           CASE WHEN con.contype = 'x' THEN pg_catalog.pg_get_constraintdef(con.oid, true) \
                ELSE substring(pg_catalog.pg_get_indexdef(i.indexrelid, 0, true) from ' USING (.*)$') END || \
           CASE WHEN i.indisclustered THEN ' CLUSTER' ELSE '' END || CASE WHEN NOT i.indisvalid THEN ' INVALID' ELSE '' END \
         FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c2 ON c2.oid = i.indexrelid \
         LEFT JOIN pg_catalog.pg_constraint con ON con.conrelid = i.indrelid AND con.conindid = i.indexrelid AND con.contype IN ('p','u','x') \
         WHERE i.indrelid = {oid} ORDER BY i.indisprimary DESC, c2.relname"
    );
    let constraints = |contype: &str| {
        format!(
            "SELECT '\"' || conname || '\" ' || pg_catalog.pg_get_constraintdef(oid, true) FROM pg_catalog.pg_constraint \
             WHERE conrelid = {oid} AND contype = '{contype}' AND conparentid = 0 ORDER BY conname"
        )
    };
    let referenced = format!(
        "SELECT 'TABLE \"' || conrelid::pg_catalog.regclass::text || '\" CONSTRAINT \"' || conname || '\" ' || pg_catalog.pg_get_constraintdef(oid, true) \
         FROM pg_catalog.pg_constraint WHERE confrelid = {oid} AND contype = 'f' AND conparentid = 0 ORDER BY conname"
    );
    let footer = |sql: String, heading: &str| Query {
        sql,
        shape: Shape::Footer {
            heading: heading.to_string(),
        },
    };
    Ok(vec![
        Query {
            sql: columns,
            shape: Shape::Table {
                title: Some(format!("{kind} \"{schema}.{name}\"")),
                empty: None,
            },
        },
        footer(indexes, "Indexes:"),
        footer(constraints("c"), "Check constraints:"),
        footer(constraints("f"), "Foreign-key constraints:"),
        footer(referenced, "Referenced by:"),
    ])
}

fn schemas(pattern: &Pattern) -> String {
    let default = if pattern.name.is_none() {
        " AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'"
    } else {
        ""
    };
    format!(
        "SELECT n.nspname AS \"Name\", pg_catalog.pg_get_userbyid(n.nspowner) AS \"Owner\" \
         FROM pg_catalog.pg_namespace n WHERE true{default}{} ORDER BY 1",
        filter("n.nspname", &pattern.name)
    )
}

fn functions(pattern: &Pattern) -> String {
    format!(
        "SELECT n.nspname AS \"Schema\", p.proname AS \"Name\", \
         COALESCE(pg_catalog.pg_get_function_result(p.oid), '') AS \"Result data type\", \
         pg_catalog.pg_get_function_arguments(p.oid) AS \"Argument data types\", \
         CASE p.prokind WHEN 'a' THEN 'agg' WHEN 'w' THEN 'window' WHEN 'p' THEN 'proc' ELSE 'func' END AS \"Type\" \
         FROM pg_catalog.pg_proc p LEFT JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace \
         WHERE true{}{} ORDER BY 1, 2, 4",
        filter("p.proname", &pattern.name),
        match (&pattern.schema, &pattern.name) {
            (Some(_), _) => filter("n.nspname", &pattern.schema),
            (None, None) => " AND pg_catalog.pg_function_is_visible(p.oid) AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema'".to_string(),
            (None, Some(_)) => " AND pg_catalog.pg_function_is_visible(p.oid)".to_string(),
        }
    )
}

/// psql 15's columns. `to_jsonb(d)` reads the ICU locale whatever the server calls its column
/// (`daticulocale` in 15 and 16), and gives '' where there is none.
fn databases(pattern: &Pattern) -> String {
    format!(
        "SELECT d.datname AS \"Name\", pg_catalog.pg_get_userbyid(d.datdba) AS \"Owner\", \
         pg_catalog.pg_encoding_to_char(d.encoding) AS \"Encoding\", d.datcollate AS \"Collate\", d.datctype AS \"Ctype\", \
         COALESCE(to_jsonb(d) ->> 'daticulocale', to_jsonb(d) ->> 'datlocale', '') AS \"ICU Locale\", \
         CASE to_jsonb(d) ->> 'datlocprovider' WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE 'libc' END AS \"Locale Provider\", \
         COALESCE(pg_catalog.array_to_string(d.datacl, E'\\n'), '') AS \"Access privileges\" \
         FROM pg_catalog.pg_database d WHERE true{} ORDER BY 1",
        filter("d.datname", &pattern.name)
    )
}

fn roles(pattern: &Pattern) -> String {
    let default = if pattern.name.is_none() {
        " AND r.rolname !~ '^pg_'"
    } else {
        ""
    };
    // The attributes line as psql's describeRoles builds it.
    format!(
        "SELECT r.rolname AS \"Role name\", \
         concat_ws(E'\\n', NULLIF(array_to_string(ARRAY[ \
             CASE WHEN r.rolsuper THEN 'Superuser' END, CASE WHEN NOT r.rolinherit THEN 'No inheritance' END, \
             CASE WHEN r.rolcreaterole THEN 'Create role' END, CASE WHEN r.rolcreatedb THEN 'Create DB' END, \
             CASE WHEN NOT r.rolcanlogin THEN 'Cannot login' END, CASE WHEN r.rolreplication THEN 'Replication' END, \
             CASE WHEN r.rolbypassrls THEN 'Bypass RLS' END], ', '), ''), \
           CASE WHEN r.rolconnlimit = 0 THEN 'No connections' WHEN r.rolconnlimit = 1 THEN '1 connection' \
                WHEN r.rolconnlimit > 1 THEN r.rolconnlimit || ' connections' END, \
           'Password valid until ' || r.rolvaliduntil) AS \"Attributes\", \
         ARRAY(SELECT b.rolname FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles b ON m.roleid = b.oid \
               WHERE m.member = r.oid ORDER BY 1)::text AS \"Member of\" \
         FROM pg_catalog.pg_roles r WHERE true{default}{} ORDER BY 1",
        filter("r.rolname", &pattern.name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_commands_say_what_is_supported() {
        let Refusal(message) = plan("\\dT", "").unwrap_err();
        assert!(message.contains("\\dT is not supported"), "{message}");
        assert!(message.contains("\\dt"), "{message}");
        assert!(plan("\\dt+", "").is_err());
    }
}
