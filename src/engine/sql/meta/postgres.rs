//! psql's describe commands on PostgreSQL: `\d`, `\d NAME`, `\dt`, `\di`, `\dv`, `\ds`, `\dm`,
//! `\dn`, `\df`, `\l`, `\du`/`\dg`, each with an optional pattern and a `+` (verbose) form:
//! sizes, persistence, access methods, privileges, source code and descriptions in the lists,
//! and under `\d+ NAME` the storage columns and the footers psql 15 adds. `\d NAME` describes
//! tables, views, materialized views, foreign tables and sequences with psql 15's footers in
//! its order. The queries are ours, written after reading what `psql -E` (15) sends; columns,
//! titles, footers and "Did not find" messages are psql's. Values psql shows as empty are `''`
//! rather than NULL (psql's describe commands print NULL as nothing), so that they look the
//! same here.

use super::pattern::{self, Pattern};
use super::{Query, Refusal, Shape, literal, unsupported};

const SUPPORTED: &str = "\\d, \\d NAME, \\dt, \\di, \\dv, \\dm, \\ds, \\dn, \\df, \\l, \\du, \\dg (each also with + and an optional pattern) and \\x";

pub fn plan(command: &str, argument: &str) -> Result<Vec<Query>, Refusal> {
    let pattern = pattern::parse(argument);
    // `+` is psql's verbose form; the relation commands have one.
    let (base, verbose) = match command.strip_suffix('+') {
        Some(base)
            if matches!(
                base,
                "\\d"
                    | "\\dt"
                    | "\\di"
                    | "\\dv"
                    | "\\dm"
                    | "\\ds"
                    | "\\dn"
                    | "\\df"
                    | "\\l"
                    | "\\list"
                    | "\\du"
                    | "\\dg"
            ) =>
        {
            (base, true)
        }
        _ => (command, false),
    };
    let list = |kinds: &str, index: bool| relations(kinds, &pattern, argument, index, verbose);
    let queries = match base {
        "\\d" if !argument.is_empty() => vec![Query {
            sql: lookup(&pattern),
            shape: Shape::Describe {
                name: argument.to_string(),
                verbose,
            },
        }],
        "\\d" => list("'r','p','v','m','S','f'", false),
        "\\dt" => list("'r','p'", false),
        "\\di" => list("'i','I'", true),
        "\\dv" => list("'v'", false),
        "\\dm" => list("'m'", false),
        "\\ds" => list("'S'", false),
        "\\dn" => vec![table(schemas(&pattern, verbose), "List of schemas", None)],
        "\\df" => vec![table(
            functions(&pattern, verbose),
            "List of functions",
            None,
        )],
        "\\l" | "\\list" => vec![table(
            databases(&pattern, verbose),
            "List of databases",
            None,
        )],
        "\\du" | "\\dg" => vec![table(roles(&pattern, verbose), "List of roles", None)],
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
        (None, None) if !pattern.given => format!(
            " AND n.nspname <> 'pg_catalog' AND n.nspname !~ '^pg_toast' AND n.nspname <> 'information_schema' AND {visible}"
        ),
        (None, _) => format!(" AND {visible}"),
    }
}

const RELKIND_NAME: &str = "CASE c.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view' WHEN 'i' THEN 'index' WHEN 'S' THEN 'sequence' WHEN 't' THEN 'TOAST table' WHEN 'f' THEN 'foreign table' WHEN 'p' THEN 'partitioned table' WHEN 'I' THEN 'partitioned index' END";

fn relations(
    kinds: &str,
    pattern: &Pattern,
    argument: &str,
    index: bool,
    verbose: bool,
) -> Vec<Query> {
    let (table_column, mut join) = if index {
        (
            ", c2.relname AS \"Table\"",
            " LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid LEFT JOIN pg_catalog.pg_class c2 ON i.indrelid = c2.oid".to_string(),
        )
    } else {
        ("", String::new())
    };
    // psql 15 adds these under `+`; the access method only when tables, materialized views or
    // indexes are listed.
    let mut verbose_columns = String::new();
    if verbose {
        verbose_columns.push_str(
            ", CASE c.relpersistence WHEN 'p' THEN 'permanent' WHEN 't' THEN 'temporary' WHEN 'u' THEN 'unlogged' END AS \"Persistence\"",
        );
        if kinds.contains("'r'") || kinds.contains("'m'") || kinds.contains("'i'") {
            verbose_columns.push_str(", COALESCE(am.amname::text, '') AS \"Access method\"");
            join.push_str(" LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam");
        }
        verbose_columns.push_str(
            ", pg_catalog.pg_size_pretty(pg_catalog.pg_table_size(c.oid)) AS \"Size\", \
             COALESCE(pg_catalog.obj_description(c.oid, 'pg_class'), '') AS \"Description\"",
        );
    }
    let sql = format!(
        "SELECT n.nspname AS \"Schema\", c.relname AS \"Name\", {RELKIND_NAME} AS \"Type\", \
         pg_catalog.pg_get_userbyid(c.relowner) AS \"Owner\"{table_column}{verbose_columns} \
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

/// The relations `\d NAME` describes: oid, schema, name, title kind (`Unlogged table` as psql
/// titles it), relkind.
fn lookup(pattern: &Pattern) -> String {
    format!(
        "SELECT c.oid::text, n.nspname::text, c.relname::text, \
         CASE WHEN c.relpersistence = 'u' THEN 'Unlogged ' ELSE '' END || \
         CASE WHEN c.relpersistence = 'u' THEN lower(k.title) ELSE k.title END, c.relkind::text \
         FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace, \
         LATERAL (SELECT CASE c.relkind WHEN 'r' THEN 'Table' WHEN 'p' THEN 'Partitioned table' \
         WHEN 'v' THEN 'View' WHEN 'm' THEN 'Materialized view' WHEN 'f' THEN 'Foreign table' WHEN 'i' THEN 'Index' \
         WHEN 'I' THEN 'Partitioned index' WHEN 'S' THEN 'Sequence' WHEN 't' THEN 'TOAST table' END AS title) k \
         WHERE c.relkind IN ('r','p','v','m','f','i','I','S','t'){}{} ORDER BY 2, 3",
        filter("c.relname", &pattern.name),
        visibility(pattern, "pg_catalog.pg_table_is_visible(c.oid)"),
    )
}

/// One relation [`lookup`] found, as its row gives it.
pub struct Found<'a> {
    /// A number the server sent.
    pub oid: &'a str,
    pub schema: &'a str,
    pub name: &'a str,
    /// psql's title word: `Table`, `Unlogged table`, `View`…
    pub kind: &'a str,
    /// `pg_class.relkind`.
    pub relkind: &'a str,
}

/// `\d NAME` (`verbose`: `\d+ NAME`) for one relation found by [`lookup`]: its columns under
/// `Table "schema.name"`, then psql 15's footers in its order (partition, indexes, constraints,
/// policies, statistics, rules, publications, view definition, triggers, foreign server,
/// inheritance, partitions, typed table, replica identity, tablespace, access method, options).
/// A sequence gets its settings and the column that owns it.
pub fn describe(found: &Found<'_>, verbose: bool) -> Result<Vec<Query>, Refusal> {
    let Found {
        oid,
        schema,
        name,
        kind,
        relkind,
    } = *found;
    let Ok(oid) = oid.parse::<u32>() else {
        return Ok(Vec::new());
    };
    let title = Shape::Table {
        title: Some(format!("{kind} \"{schema}.{name}\"")),
        empty: None,
    };
    if relkind == "S" {
        return Ok(sequence(oid, title));
    }
    if matches!(relkind, "i" | "I") {
        return Ok(index(oid, relkind, title, verbose));
    }
    if relkind == "t" {
        return Ok(toast(oid, title, verbose));
    }
    let table_like = matches!(relkind, "r" | "p" | "m" | "f");
    let mut queries = vec![Query {
        sql: columns(oid, relkind, verbose),
        shape: title,
    }];
    let footer = |sql: String, heading: &str| Query {
        sql,
        shape: Shape::Footer {
            heading: heading.to_string(),
        },
    };
    let lines = |sql: String| Query {
        sql,
        shape: Shape::Lines,
    };
    queries.push(lines(partition_of(oid, verbose)));
    if relkind == "p" {
        queries.push(lines(format!(
            "SELECT 'Partition key: ' || pg_catalog.pg_get_partkeydef({oid}::pg_catalog.oid)"
        )));
    }
    if table_like {
        queries.push(footer(indexes(oid), "Indexes:"));
        queries.push(footer(
            format!(
                "SELECT '\"' || conname || '\" ' || pg_catalog.pg_get_constraintdef(oid, true) FROM pg_catalog.pg_constraint \
                 WHERE conrelid = {oid} AND contype = 'c' ORDER BY conname"
            ),
            "Check constraints:",
        ));
        // A partition shows the keys it has from its ancestors as theirs (`TABLE "parent"`).
        queries.push(footer(
            format!(
                "SELECT CASE WHEN conrelid = {oid} THEN '\"' || conname || '\" ' \
                   ELSE 'TABLE \"' || conrelid::pg_catalog.regclass::text || '\" CONSTRAINT \"' || conname || '\" ' END \
                   || pg_catalog.pg_get_constraintdef(oid, true) \
                 FROM pg_catalog.pg_constraint \
                 WHERE conrelid IN (SELECT pg_catalog.pg_partition_ancestors({oid}) UNION ALL VALUES ({oid}::pg_catalog.regclass)) \
                   AND contype = 'f' AND conparentid = 0 \
                 ORDER BY conrelid = {oid} DESC, conname"
            ),
            "Foreign-key constraints:",
        ));
        queries.push(footer(
            format!(
                "SELECT 'TABLE \"' || conrelid::pg_catalog.regclass::text || '\" CONSTRAINT \"' || conname || '\" ' || pg_catalog.pg_get_constraintdef(oid, true) \
                 FROM pg_catalog.pg_constraint \
                 WHERE confrelid IN (SELECT pg_catalog.pg_partition_ancestors({oid}) UNION ALL VALUES ({oid}::pg_catalog.regclass)) \
                   AND contype = 'f' AND conparentid = 0 ORDER BY conname"
            ),
            "Referenced by:",
        ));
        if matches!(relkind, "r" | "p") {
            queries.push(lines(policies(oid)));
        }
        queries.push(footer(statistics(oid), "Statistics objects:"));
        if relkind != "m" {
            for (heading, enabled) in RULE_CATEGORIES {
                queries.push(footer(
                    format!(
                        "SELECT substring(trim(trailing ';' FROM pg_catalog.pg_get_ruledef(r.oid, true)) FROM 13) \
                         FROM pg_catalog.pg_rewrite r WHERE r.ev_class = {oid} AND r.ev_enabled = '{enabled}' ORDER BY r.rulename"
                    ),
                    heading,
                ));
            }
        }
        if matches!(relkind, "r" | "p") {
            queries.push(footer(publications(oid), "Publications:"));
        }
    }
    if verbose && matches!(relkind, "v" | "m") {
        queries.push(lines(format!(
            "SELECT E'View definition:\\n' || pg_catalog.pg_get_viewdef({oid}::pg_catalog.oid, true)"
        )));
    }
    if verbose && relkind == "v" {
        // A view's rules are indented by one space, not four (psql's own layout).
        queries.push(lines(format!(
            "SELECT 'Rules:' || string_agg(E'\\n ' || substring(trim(trailing ';' FROM pg_catalog.pg_get_ruledef(r.oid, true)) FROM 13), '' ORDER BY r.rulename) \
             FROM pg_catalog.pg_rewrite r WHERE r.ev_class = {oid} AND r.rulename <> '_RETURN' HAVING count(*) > 0"
        )));
    }
    for (heading, which) in TRIGGER_CATEGORIES {
        queries.push(footer(triggers(oid, which), heading));
    }
    if table_like {
        if relkind == "f" {
            queries.push(lines(format!(
                "SELECT 'Server: ' || s.srvname || COALESCE(E'\\nFDW options: (' || NULLIF(pg_catalog.array_to_string(ARRAY( \
                   SELECT pg_catalog.quote_ident(option_name) || ' ' || pg_catalog.quote_literal(option_value) \
                   FROM pg_catalog.pg_options_to_table(f.ftoptions)), ', '), '') || ')', '') \
                 FROM pg_catalog.pg_foreign_table f JOIN pg_catalog.pg_foreign_server s ON s.oid = f.ftserver WHERE f.ftrelid = {oid}"
            )));
        }
        queries.push(lines(inherits(oid)));
        queries.push(lines(children(oid, relkind, verbose)));
        queries.push(lines(format!(
            "SELECT 'Typed table of type: ' || c.reloftype::pg_catalog.regtype::text FROM pg_catalog.pg_class c \
             WHERE c.oid = {oid} AND c.reloftype <> 0"
        )));
        if verbose && matches!(relkind, "r" | "m") {
            // The default says nothing, and an index identity is marked on its index line.
            queries.push(lines(format!(
                "SELECT 'Replica Identity: ' || CASE c.relreplident WHEN 'f' THEN 'FULL' WHEN 'n' THEN 'NOTHING' ELSE 'DEFAULT' END \
                 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.oid = {oid} AND c.relreplident <> 'i' \
                   AND ((n.nspname <> 'pg_catalog' AND c.relreplident <> 'd') OR (n.nspname = 'pg_catalog' AND c.relreplident <> 'n'))"
            )));
        }
        if relkind != "f" {
            queries.push(lines(tablespace(oid)));
        }
        if verbose && matches!(relkind, "r" | "m") {
            queries.push(lines(access_method(oid)));
        }
    }
    if verbose {
        queries.push(lines(options(oid)));
    }
    Ok(queries)
}

/// `\d INDEX`: its columns (key or included, the expression they index), then
/// `Partition of:` for an index partition, the line that says what kind of index it is on which
/// table, a partitioned index's partitions, and under `\d+` the storage columns, a partitioned
/// index's access method and the options.
fn index(oid: u32, relkind: &str, title: Shape, verbose: bool) -> Vec<Query> {
    let extra = if verbose {
        ", CASE a.attstorage WHEN 'p' THEN 'plain' WHEN 'e' THEN 'external' WHEN 'm' THEN 'main' WHEN 'x' THEN 'extended' ELSE '' END AS \"Storage\", \
         CASE WHEN a.attstattarget = -1 THEN '' ELSE a.attstattarget::text END AS \"Stats target\""
    } else {
        ""
    };
    let lines = |sql: String| Query {
        sql,
        shape: Shape::Lines,
    };
    let mut queries = vec![
        Query {
            sql: format!(
                "SELECT a.attname AS \"Column\", pg_catalog.format_type(a.atttypid, a.atttypmod) AS \"Type\", \
                 CASE WHEN a.attnum <= (SELECT i.indnkeyatts FROM pg_catalog.pg_index i WHERE i.indexrelid = {oid}) THEN 'yes' ELSE 'no' END AS \"Key?\", \
                 pg_catalog.pg_get_indexdef(a.attrelid, a.attnum, true) AS \"Definition\"{extra} \
                 FROM pg_catalog.pg_attribute a WHERE a.attrelid = {oid} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
            ),
            shape: title,
        },
        lines(partition_of(oid, verbose)),
        lines(format!(
            "SELECT CASE WHEN i.indisprimary THEN 'primary key, ' \
                    WHEN i.indisunique THEN 'unique' || CASE WHEN i.indnullsnotdistinct THEN ' nulls not distinct' ELSE '' END || ', ' \
                    ELSE '' END \
               || am.amname || ', for table \"' || n.nspname || '.' || t.relname || '\"' \
               || COALESCE(', predicate (' || pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) || ')', '') \
               || CASE WHEN i.indisclustered THEN ', clustered' ELSE '' END \
               || CASE WHEN NOT i.indisvalid THEN ', invalid' ELSE '' END \
               || CASE WHEN NOT i.indimmediate AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = i.indrelid \
                    AND conindid = i.indexrelid AND contype IN ('p','u','x') AND condeferrable) THEN ', deferrable' ELSE '' END \
               || CASE WHEN NOT i.indimmediate AND EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conrelid = i.indrelid \
                    AND conindid = i.indexrelid AND contype IN ('p','u','x') AND condeferred) THEN ', initially deferred' ELSE '' END \
               || CASE WHEN i.indisreplident THEN ', replica identity' ELSE '' END \
             FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             JOIN pg_catalog.pg_class t ON t.oid = i.indrelid JOIN pg_catalog.pg_am am ON am.oid = c.relam \
             WHERE i.indexrelid = {oid}"
        )),
    ];
    if relkind == "I" {
        queries.push(lines(children(oid, relkind, verbose)));
    }
    queries.push(lines(tablespace(oid)));
    if verbose && relkind == "I" {
        queries.push(lines(access_method(oid)));
    }
    if verbose {
        queries.push(lines(options(oid)));
    }
    queries
}

/// `\d pg_toast.pg_toast_N`: its columns (name and type; `\d+` adds the storage), the table it
/// belongs to, its index, and under `\d+` its access method.
fn toast(oid: u32, title: Shape, verbose: bool) -> Vec<Query> {
    let storage = if verbose {
        ", CASE a.attstorage WHEN 'p' THEN 'plain' WHEN 'e' THEN 'external' WHEN 'm' THEN 'main' WHEN 'x' THEN 'extended' ELSE '' END AS \"Storage\""
    } else {
        ""
    };
    let lines = |sql: String| Query {
        sql,
        shape: Shape::Lines,
    };
    let mut queries = vec![
        Query {
            sql: format!(
                "SELECT a.attname AS \"Column\", pg_catalog.format_type(a.atttypid, a.atttypmod) AS \"Type\"{storage} \
                 FROM pg_catalog.pg_attribute a WHERE a.attrelid = {oid} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
            ),
            shape: title,
        },
        lines(format!(
            "SELECT 'Owning table: \"' || n.nspname || '.' || c.relname || '\"' FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE c.reltoastrelid = {oid}"
        )),
        Query {
            sql: indexes(oid),
            shape: Shape::Footer {
                heading: "Indexes:".to_string(),
            },
        },
        lines(tablespace(oid)),
    ];
    if verbose {
        queries.push(lines(access_method(oid)));
        queries.push(lines(options(oid)));
    }
    queries
}

/// `Tablespace: "name"` for a relation outside the database's default tablespace.
fn tablespace(oid: u32) -> String {
    format!(
        "SELECT 'Tablespace: \"' || t.spcname || '\"' FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_tablespace t ON t.oid = c.reltablespace WHERE c.oid = {oid}"
    )
}

fn access_method(oid: u32) -> String {
    format!(
        "SELECT 'Access method: ' || am.amname FROM pg_catalog.pg_class c \
         JOIN pg_catalog.pg_am am ON am.oid = c.relam WHERE c.oid = {oid}"
    )
}

/// `Options: fillfactor=70, toast.autovacuum_enabled=false` (`\d+`).
fn options(oid: u32) -> String {
    format!(
        "SELECT 'Options: ' || pg_catalog.array_to_string(c.reloptions || \
           array(SELECT 'toast.' || x FROM pg_catalog.unnest(tc.reloptions) x), ', ') \
         FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid \
         WHERE c.oid = {oid} AND (c.reloptions IS NOT NULL OR tc.reloptions IS NOT NULL)"
    )
}

/// The column table of `\d NAME`; `\d+` adds storage, compression (tables and materialized
/// views), the statistics target (every kind but views) and descriptions, and a foreign table
/// has its per-column FDW options after the default.
fn columns(oid: u32, relkind: &str, verbose: bool) -> String {
    let mut extra = String::new();
    if relkind == "f" {
        extra.push_str(
            ", CASE WHEN a.attfdwoptions IS NULL THEN '' ELSE '(' || pg_catalog.array_to_string(ARRAY( \
               SELECT pg_catalog.quote_ident(option_name) || ' ' || pg_catalog.quote_literal(option_value) \
               FROM pg_catalog.pg_options_to_table(a.attfdwoptions)), ', ') || ')' END AS \"FDW options\"",
        );
    }
    if verbose {
        extra.push_str(
            ", CASE a.attstorage WHEN 'p' THEN 'plain' WHEN 'e' THEN 'external' WHEN 'm' THEN 'main' WHEN 'x' THEN 'extended' ELSE '' END AS \"Storage\"",
        );
        if matches!(relkind, "r" | "p" | "m") {
            extra.push_str(
                ", CASE a.attcompression WHEN 'p' THEN 'pglz' WHEN 'l' THEN 'lz4' ELSE '' END AS \"Compression\"",
            );
        }
        if relkind != "v" {
            extra.push_str(
                ", CASE WHEN a.attstattarget = -1 THEN '' ELSE a.attstattarget::text END AS \"Stats target\"",
            );
        }
        extra.push_str(
            ", COALESCE(pg_catalog.col_description(a.attrelid, a.attnum), '') AS \"Description\"",
        );
    }
    format!(
        "SELECT a.attname AS \"Column\", pg_catalog.format_type(a.atttypid, a.atttypmod) AS \"Type\", \
         COALESCE((SELECT co.collname FROM pg_catalog.pg_collation co, pg_catalog.pg_type t \
                   WHERE co.oid = a.attcollation AND t.oid = a.atttypid AND a.attcollation <> t.typcollation), '') AS \"Collation\", \
         CASE WHEN a.attnotnull THEN 'not null' ELSE '' END AS \"Nullable\", \
         COALESCE(CASE WHEN a.attidentity = 'a' THEN 'generated always as identity' \
                       WHEN a.attidentity = 'd' THEN 'generated by default as identity' \
                       WHEN a.attgenerated = 's' THEN 'generated always as (' || pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) || ') stored' \
                       ELSE pg_catalog.pg_get_expr(d.adbin, d.adrelid, true) END, '') AS \"Default\"{extra} \
         FROM pg_catalog.pg_attribute a \
         LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum AND a.atthasdef \
         WHERE a.attrelid = {oid} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"
    )
}

/// `\d SEQUENCE`: its settings under `Sequence "schema.name"`, then the column it belongs to
/// (`Owned by:` for a serial or `OWNED BY`, `Sequence for identity column:` for an identity).
/// psql's `\d+` adds nothing for a sequence.
fn sequence(oid: u32, title: Shape) -> Vec<Query> {
    vec![
        Query {
            sql: format!(
                "SELECT pg_catalog.format_type(seqtypid, NULL) AS \"Type\", seqstart AS \"Start\", seqmin AS \"Minimum\", \
                 seqmax AS \"Maximum\", seqincrement AS \"Increment\", CASE WHEN seqcycle THEN 'yes' ELSE 'no' END AS \"Cycles?\", \
                 seqcache AS \"Cache\" FROM pg_catalog.pg_sequence WHERE seqrelid = {oid}"
            ),
            shape: title,
        },
        Query {
            sql: format!(
                "SELECT CASE d.deptype WHEN 'a' THEN 'Owned by: ' ELSE 'Sequence for identity column: ' END \
                   || pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(c.relname) || '.' || pg_catalog.quote_ident(a.attname) \
                 FROM pg_catalog.pg_class c \
                 JOIN pg_catalog.pg_depend d ON c.oid = d.refobjid \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid \
                 WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass \
                   AND d.objid = {oid} AND d.deptype IN ('a', 'i') LIMIT 1"
            ),
            shape: Shape::Lines,
        },
    ]
}

/// One line per index: name, kind, method and columns, then its constraint's deferral, CLUSTER,
/// INVALID, REPLICA IDENTITY and a tablespace other than the database's.
fn indexes(oid: u32) -> String {
    format!(
        "SELECT '\"' || c2.relname || '\"' || \
           CASE WHEN i.indisprimary THEN ' PRIMARY KEY,' WHEN con.contype = 'u' THEN ' UNIQUE CONSTRAINT,' \
                WHEN con.contype = 'x' THEN '' WHEN i.indisunique THEN ' UNIQUE,' ELSE '' END || ' ' || \
           CASE WHEN con.contype = 'x' THEN pg_catalog.pg_get_constraintdef(con.oid, true) \
                ELSE substring(pg_catalog.pg_get_indexdef(i.indexrelid, 0, true) from ' USING (.*)$') END || \
           CASE WHEN con.condeferrable THEN ' DEFERRABLE' ELSE '' END || CASE WHEN con.condeferred THEN ' INITIALLY DEFERRED' ELSE '' END || \
           CASE WHEN i.indisclustered THEN ' CLUSTER' ELSE '' END || CASE WHEN NOT i.indisvalid THEN ' INVALID' ELSE '' END || \
           CASE WHEN i.indisreplident THEN ' REPLICA IDENTITY' ELSE '' END || \
           COALESCE((SELECT ', tablespace \"' || t.spcname || '\"' FROM pg_catalog.pg_tablespace t WHERE t.oid = c2.reltablespace), '') \
         FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c2 ON c2.oid = i.indexrelid \
         LEFT JOIN pg_catalog.pg_constraint con ON con.conrelid = i.indrelid AND con.conindid = i.indexrelid AND con.contype IN ('p','u','x') \
         WHERE i.indrelid = {oid} ORDER BY i.indisprimary DESC, c2.relname"
    )
}

/// `Partition of: parent BOUND`, and under `\d+` the constraint the bound implies.
fn partition_of(oid: u32, verbose: bool) -> String {
    let constraint = if verbose {
        " || E'\\n' || COALESCE('Partition constraint: ' || NULLIF(pg_catalog.pg_get_partition_constraintdef(c.oid), ''), 'No partition constraint')"
    } else {
        ""
    };
    format!(
        "SELECT 'Partition of: ' || i.inhparent::pg_catalog.regclass::text || ' ' || COALESCE(pg_catalog.pg_get_expr(c.relpartbound, c.oid), '') \
           || CASE WHEN i.inhdetachpending THEN ' DETACH PENDING' ELSE '' END{constraint} \
         FROM pg_catalog.pg_class c JOIN pg_catalog.pg_inherits i ON c.oid = i.inhrelid \
         WHERE c.oid = {oid} AND c.relispartition"
    )
}

/// Extended statistics: `"schema.name" (kinds) ON columns FROM table`, the kinds only when not
/// all three are built, and a statistics target other than the default.
fn statistics(oid: u32) -> String {
    format!(
        "SELECT '\"' || stxnamespace::pg_catalog.regnamespace::text || '.' || stxname || '\"' \
           || CASE WHEN ('d' = ANY(stxkind) OR 'f' = ANY(stxkind) OR 'm' = ANY(stxkind)) \
                    AND NOT ('d' = ANY(stxkind) AND 'f' = ANY(stxkind) AND 'm' = ANY(stxkind)) \
                   THEN ' (' || concat_ws(', ', CASE WHEN 'd' = ANY(stxkind) THEN 'ndistinct' END, \
                        CASE WHEN 'f' = ANY(stxkind) THEN 'dependencies' END, CASE WHEN 'm' = ANY(stxkind) THEN 'mcv' END) || ')' \
                   ELSE '' END \
           || ' ON ' || pg_catalog.pg_get_statisticsobjdef_columns(oid) || ' FROM ' || stxrelid::pg_catalog.regclass::text \
           || CASE WHEN stxstattarget <> -1 THEN '; STATISTICS ' || stxstattarget ELSE '' END \
         FROM pg_catalog.pg_statistic_ext WHERE stxrelid = {oid} \
         ORDER BY stxnamespace::pg_catalog.regnamespace::text, stxname"
    )
}

/// psql's rule footers for tables, by `ev_enabled`.
const RULE_CATEGORIES: &[(&str, &str)] = &[
    ("Rules:", "O"),
    ("Disabled rules:", "D"),
    ("Rules firing always:", "A"),
    ("Rules firing on replica only:", "R"),
];

/// The publications a table is in: by its schema, by name (with its column list and row
/// filter), or all tables.
fn publications(oid: u32) -> String {
    format!(
        "SELECT '\"' || pubname || '\"' || COALESCE(' (' || cols || ')', '') || COALESCE(' WHERE ' || qual, '') FROM ( \
           SELECT p.pubname, NULL::text AS qual, NULL::text AS cols FROM pg_catalog.pg_publication p \
             JOIN pg_catalog.pg_publication_namespace pn ON p.oid = pn.pnpubid \
             JOIN pg_catalog.pg_class pc ON pc.relnamespace = pn.pnnspid \
           WHERE pc.oid = {oid} AND pg_catalog.pg_relation_is_publishable({oid}) \
           UNION SELECT p.pubname, pg_catalog.pg_get_expr(pr.prqual, pr.prrelid), \
             (SELECT string_agg(a.attname, ', ' ORDER BY s.k) FROM pg_catalog.unnest(pr.prattrs::pg_catalog.int2[]) WITH ORDINALITY AS s(attnum, k) \
                JOIN pg_catalog.pg_attribute a ON a.attrelid = pr.prrelid AND a.attnum = s.attnum) \
           FROM pg_catalog.pg_publication p JOIN pg_catalog.pg_publication_rel pr ON p.oid = pr.prpubid WHERE pr.prrelid = {oid} \
           UNION SELECT p.pubname, NULL, NULL FROM pg_catalog.pg_publication p \
           WHERE p.puballtables AND pg_catalog.pg_relation_is_publishable({oid}) \
         ) x ORDER BY pubname"
    )
}

/// `Inherits: a,` and the further parents under it, aligned after the heading (partition
/// parents are `Partition of:` instead).
fn inherits(oid: u32) -> String {
    format!(
        "SELECT CASE WHEN n = 1 THEN 'Inherits: ' ELSE '          ' END || name || CASE WHEN n < total THEN ',' ELSE '' END FROM ( \
           SELECT c.oid::pg_catalog.regclass::text AS name, row_number() OVER (ORDER BY i.inhseqno) AS n, count(*) OVER () AS total \
           FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i \
           WHERE c.oid = i.inhparent AND i.inhrelid = {oid} AND c.relkind <> 'p' AND c.relkind <> 'I') x ORDER BY n"
    )
}

/// A parent's children: under `\d` only how many (`Number of partitions: 2 (Use \d+ to list
/// them.)`), under `\d+` the list with each partition's bound; a partitioned table without
/// partitions says `Number of partitions: 0` either way.
fn children(oid: u32, relkind: &str, verbose: bool) -> String {
    let (heading, noun) = if matches!(relkind, "p" | "I") {
        ("Partitions", "partitions")
    } else {
        ("Child tables", "child tables")
    };
    let kids = format!(
        "WITH k AS (SELECT c.oid::pg_catalog.regclass::text AS name, c.relkind, i.inhdetachpending AS pending, \
           pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound \
         FROM pg_catalog.pg_class c, pg_catalog.pg_inherits i WHERE c.oid = i.inhrelid AND i.inhparent = {oid})"
    );
    let none = if relkind == "p" {
        " UNION ALL SELECT 'Number of partitions: 0', 0 WHERE NOT EXISTS (SELECT 1 FROM k)"
    } else {
        ""
    };
    if verbose {
        let indent = " ".repeat(heading.len() + 2);
        format!(
            "{kids}, o AS (SELECT *, row_number() OVER (ORDER BY bound = 'DEFAULT', name) AS n, count(*) OVER () AS total FROM k) \
             SELECT line FROM (SELECT CASE WHEN n = 1 THEN '{heading}: ' ELSE '{indent}' END || name || COALESCE(' ' || bound, '') \
               || CASE WHEN relkind IN ('p', 'I') THEN ', PARTITIONED' ELSE '' END \
               || CASE WHEN pending THEN ' (DETACH PENDING)' ELSE '' END || CASE WHEN n < total THEN ',' ELSE '' END AS line, n FROM o{none}) x \
             ORDER BY n"
        )
    } else {
        format!(
            "{kids} SELECT line FROM (SELECT 'Number of {noun}: ' || count(*) || ' (Use \\d+ to list them.)' AS line, 1 AS n FROM k \
             HAVING count(*) > 0{none}) x"
        )
    }
}

/// psql's trigger footers: its five categories, by `tgenabled` (and whether internal).
const TRIGGER_CATEGORIES: &[(&str, &str)] = &[
    ("Triggers:", "t.tgenabled = 'O'"),
    (
        "Disabled user triggers:",
        "t.tgenabled = 'D' AND NOT t.tgisinternal",
    ),
    (
        "Disabled internal triggers:",
        "t.tgenabled = 'D' AND t.tgisinternal",
    ),
    ("Triggers firing always:", "t.tgenabled = 'A'"),
    ("Triggers firing on replica only:", "t.tgenabled = 'R'"),
];

/// One trigger category's lines: the definition after `TRIGGER `, and `, ON TABLE parent` for
/// one cloned from a partitioned table, among the triggers psql lists (user ones, disabled
/// internal ones, and partition clones).
fn triggers(oid: u32, which: &str) -> String {
    format!(
        "SELECT substring(def FROM position(' TRIGGER ' IN def) + 9) || COALESCE(', ON TABLE ' || parent, '') FROM ( \
           SELECT t.tgname, pg_catalog.pg_get_triggerdef(t.oid, true) AS def, \
             CASE WHEN t.tgparentid <> 0 THEN (SELECT u.tgrelid::pg_catalog.regclass::text \
               FROM pg_catalog.pg_trigger u, pg_catalog.pg_partition_ancestors(t.tgrelid) WITH ORDINALITY AS a(relid, depth) \
               WHERE u.tgname = t.tgname AND u.tgrelid = a.relid AND u.tgparentid = 0 ORDER BY a.depth LIMIT 1) END AS parent \
           FROM pg_catalog.pg_trigger t \
           WHERE t.tgrelid = {oid} AND ({which}) AND (NOT t.tgisinternal OR t.tgenabled = 'D' OR EXISTS ( \
             SELECT 1 FROM pg_catalog.pg_depend WHERE objid = t.oid AND refclassid = 'pg_catalog.pg_trigger'::pg_catalog.regclass)) \
         ) x ORDER BY tgname"
    )
}

/// psql's policy footer: a heading that says whether row security is on (or forced), `(none)`
/// when it is on without policies, then each policy with its roles and expressions on their
/// own lines. Nothing when row security is off and there are no policies.
fn policies(oid: u32) -> String {
    format!(
        "WITH p AS ( \
           SELECT pol.polname::text COLLATE \"C\" AS polname, '    POLICY \"' || pol.polname || '\"' \
             || CASE WHEN NOT pol.polpermissive THEN ' AS RESTRICTIVE' ELSE '' END \
             || CASE pol.polcmd WHEN 'r' THEN ' FOR SELECT' WHEN 'a' THEN ' FOR INSERT' WHEN 'w' THEN ' FOR UPDATE' WHEN 'd' THEN ' FOR DELETE' ELSE '' END \
             || CASE WHEN pol.polroles = '{{0}}' THEN '' ELSE E'\\n      TO ' || pg_catalog.array_to_string(array( \
                  SELECT rolname FROM pg_catalog.pg_roles WHERE oid = ANY (pol.polroles) ORDER BY 1), ',') END \
             || COALESCE(E'\\n      USING (' || pg_catalog.pg_get_expr(pol.polqual, pol.polrelid) || ')', '') \
             || COALESCE(E'\\n      WITH CHECK (' || pg_catalog.pg_get_expr(pol.polwithcheck, pol.polrelid) || ')', '') AS line \
           FROM pg_catalog.pg_policy pol WHERE pol.polrelid = {oid}), \
         r AS (SELECT c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced, (SELECT count(*) FROM p) AS n \
               FROM pg_catalog.pg_class c WHERE c.oid = {oid}) \
         SELECT line, k, name FROM ( \
           SELECT CASE WHEN NOT enabled THEN 'Policies (row security disabled):' \
                       WHEN forced THEN 'Policies (forced row security enabled):' \
                       WHEN n = 0 THEN 'Policies (row security enabled):' ELSE 'Policies:' END \
                  || CASE WHEN n = 0 THEN ' (none)' ELSE '' END AS line, 0 AS k, ''::text COLLATE \"C\" AS name \
           FROM r WHERE enabled OR n > 0 \
           UNION ALL SELECT line, 1, polname FROM p) x ORDER BY k, name"
    )
}

/// `\dn`; `\dn+` adds privileges and descriptions.
fn schemas(pattern: &Pattern, verbose: bool) -> String {
    let default = if !pattern.given {
        " AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'"
    } else {
        ""
    };
    let extra = if verbose {
        ", COALESCE(pg_catalog.array_to_string(n.nspacl, E'\\n'), '') AS \"Access privileges\", \
         COALESCE(pg_catalog.obj_description(n.oid, 'pg_namespace'), '') AS \"Description\""
    } else {
        ""
    };
    format!(
        "SELECT n.nspname AS \"Name\", pg_catalog.pg_get_userbyid(n.nspowner) AS \"Owner\"{extra} \
         FROM pg_catalog.pg_namespace n WHERE true{default}{} ORDER BY 1",
        filter("n.nspname", &pattern.name)
    )
}

/// `\df`; `\df+` adds volatility, parallel safety, owner, security, privileges, language,
/// source code and descriptions.
fn functions(pattern: &Pattern, verbose: bool) -> String {
    let (extra, join) = if verbose {
        (
            ", CASE p.provolatile WHEN 'i' THEN 'immutable' WHEN 's' THEN 'stable' WHEN 'v' THEN 'volatile' END AS \"Volatility\", \
             CASE p.proparallel WHEN 'r' THEN 'restricted' WHEN 's' THEN 'safe' WHEN 'u' THEN 'unsafe' END AS \"Parallel\", \
             pg_catalog.pg_get_userbyid(p.proowner) AS \"Owner\", \
             CASE WHEN p.prosecdef THEN 'definer' ELSE 'invoker' END AS \"Security\", \
             COALESCE(pg_catalog.array_to_string(p.proacl, E'\\n'), '') AS \"Access privileges\", \
             l.lanname AS \"Language\", \
             COALESCE(pg_catalog.pg_get_function_sqlbody(p.oid), p.prosrc) AS \"Source code\", \
             COALESCE(pg_catalog.obj_description(p.oid, 'pg_proc'), '') AS \"Description\"",
            " LEFT JOIN pg_catalog.pg_language l ON l.oid = p.prolang",
        )
    } else {
        ("", "")
    };
    format!(
        "SELECT n.nspname AS \"Schema\", p.proname AS \"Name\", \
         COALESCE(pg_catalog.pg_get_function_result(p.oid), '') AS \"Result data type\", \
         pg_catalog.pg_get_function_arguments(p.oid) AS \"Argument data types\", \
         CASE p.prokind WHEN 'a' THEN 'agg' WHEN 'w' THEN 'window' WHEN 'p' THEN 'proc' ELSE 'func' END AS \"Type\"{extra} \
         FROM pg_catalog.pg_proc p LEFT JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace{join} \
         WHERE true{}{} ORDER BY 1, 2, 4",
        filter("p.proname", &pattern.name),
        match (&pattern.schema, &pattern.name) {
            (Some(_), _) => filter("n.nspname", &pattern.schema),
            (None, None) if !pattern.given => " AND pg_catalog.pg_function_is_visible(p.oid) AND n.nspname <> 'pg_catalog' AND n.nspname <> 'information_schema'".to_string(),
            (None, _) => " AND pg_catalog.pg_function_is_visible(p.oid)".to_string(),
        }
    )
}

/// psql 15's columns. `to_jsonb(d)` reads the ICU locale whatever the server calls its column
/// (`daticulocale` in 15 and 16), and gives '' where there is none. `\l+` adds the size (where
/// the user may connect, as psql checks), the tablespace and descriptions.
fn databases(pattern: &Pattern, verbose: bool) -> String {
    let (extra, join) = if verbose {
        (
            ", CASE WHEN pg_catalog.has_database_privilege(d.datname, 'CONNECT') OR pg_catalog.pg_has_role('pg_read_all_stats', 'USAGE') \
                    THEN pg_catalog.pg_size_pretty(pg_catalog.pg_database_size(d.datname)) ELSE 'No Access' END AS \"Size\", \
             t.spcname AS \"Tablespace\", \
             COALESCE(pg_catalog.shobj_description(d.oid, 'pg_database'), '') AS \"Description\"",
            " JOIN pg_catalog.pg_tablespace t ON d.dattablespace = t.oid",
        )
    } else {
        ("", "")
    };
    format!(
        "SELECT d.datname AS \"Name\", pg_catalog.pg_get_userbyid(d.datdba) AS \"Owner\", \
         pg_catalog.pg_encoding_to_char(d.encoding) AS \"Encoding\", d.datcollate AS \"Collate\", d.datctype AS \"Ctype\", \
         COALESCE(to_jsonb(d) ->> 'daticulocale', to_jsonb(d) ->> 'datlocale', '') AS \"ICU Locale\", \
         CASE to_jsonb(d) ->> 'datlocprovider' WHEN 'c' THEN 'libc' WHEN 'i' THEN 'icu' WHEN 'b' THEN 'builtin' ELSE 'libc' END AS \"Locale Provider\", \
         COALESCE(pg_catalog.array_to_string(d.datacl, E'\\n'), '') AS \"Access privileges\"{extra} \
         FROM pg_catalog.pg_database d{join} WHERE true{} ORDER BY 1",
        filter("d.datname", &pattern.name)
    )
}

/// `\du`/`\dg`; `\du+` adds descriptions.
fn roles(pattern: &Pattern, verbose: bool) -> String {
    let default = if !pattern.given {
        " AND r.rolname !~ '^pg_'"
    } else {
        ""
    };
    let description = if verbose {
        ", COALESCE(pg_catalog.shobj_description(r.oid, 'pg_authid'), '') AS \"Description\""
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
               WHERE m.member = r.oid ORDER BY 1)::text AS \"Member of\"{description} \
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
        assert!(plan("\\dt+", "").is_ok());
        assert!(plan("\\dn+", "").is_ok());
        assert!(plan("\\l+", "").is_ok());
        assert!(plan("\\dT+", "").is_err());
    }

    #[test]
    fn every_relation_kind_psql_describes_is_described() {
        for (relkind, first_column) in [
            ("r", "\"Column\""),
            ("p", "\"Column\""),
            ("S", "\"Start\""),
            ("i", "\"Key?\""),
            ("I", "\"Key?\""),
            ("t", "\"Column\""),
        ] {
            let found = Found {
                oid: "16384",
                schema: "public",
                name: "x",
                kind: "Table",
                relkind,
            };
            let queries = describe(&found, true).expect("described");
            assert!(queries[0].sql.contains(first_column), "{relkind}");
        }
    }
}
