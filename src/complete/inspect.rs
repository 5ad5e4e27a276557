//! Inspection (Shift+Tab): what the name under the cursor is, from the schema cache: a table or
//! view (columns, types, indexes, rows), a column, a SQL function (signatures), a collection
//! (sampled field types, indexes, count), a Redis command (its docs) or key (type, TTL, size,
//! encoding, asked live on the side connection), a kernel variable (type and preview), a magic.

use super::context::{Place, header, place};
use super::{sql, word_end, word_start};
use crate::catalog::cache::Cache;
use crate::catalog::{Catalog, Found, Lookup, MongoCollection, RowCount, SqlCatalog, SqlTable};
use crate::engine::Language;

pub async fn inspect(cache: &Cache, code: &str, cursor: usize) -> Option<String> {
    let cursor = cursor.min(code.len());
    let start = word_start(code, cursor, &['%', '$', '.']);
    let end = word_end(code, cursor, &['%', '$', '.']);
    let word = code[start..end].trim_matches('.');
    if word.starts_with('%') {
        return crate::cell::magics::help_for(word.trim_start_matches('%')).map(str::to_string);
    }
    let (language, connection, body_start) = header(code);
    if let Place::MagicLine { .. } = place(code, cursor) {
        // A connection name on a magic line.
        let entry = cache.connections().into_iter().find(|c| c.name == word)?;
        return Some(format!(
            "connection {}: %%{} {}",
            entry.name,
            entry.language.magic(),
            entry.kind
        ));
    }
    if let Some(text) = variable(cache, word) {
        return Some(text);
    }
    let entry = cache.connection_for(language, connection.as_deref())?;
    let catalog = cache.catalog_for(&entry).await;
    match (language, catalog.as_deref()) {
        (Language::Sql, Some(Catalog::Sql(catalog))) => {
            inspect_sql(catalog, code, body_start, cursor, word)
        }
        (Language::Mql, Some(Catalog::Mongo(catalog))) => {
            let parts: Vec<&str> = word.split('.').collect();
            let name = match parts.as_slice() {
                ["db", collection, ..] => collection,
                [collection, ..] => collection,
                [] => return None,
            };
            catalog
                .collection(name)
                .map(|c| describe_collection(&catalog.database, c))
        }
        (Language::Redis, catalog) => {
            let start = super::redis::word_start(code, cursor);
            let end = code[cursor..]
                .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
                .map_or(code.len(), |i| cursor + i);
            let word = &code[start..end];
            let line_start = code[..start].rfind('\n').map_or(0, |i| i + 1);
            let before = super::redis::words_before(&code[line_start..start]);
            let command = match before.as_slice() {
                [] => Some(word.to_string()),
                [container] => Some(format!("{container} {word}")),
                _ => None,
            };
            if let (Some(Catalog::Redis(docs)), Some(name)) = (catalog, command)
                && let Some(command) = docs.command(&name)
            {
                return Some(format!(
                    "{} {}\n\n{}\n\nsince: {}\ngroup: {}\ncomplexity: {}",
                    command.name,
                    command.arguments,
                    command.summary,
                    command.since,
                    command.group,
                    command.complexity
                ));
            }
            match cache
                .lookup(
                    &entry.name,
                    &Lookup::RedisKey {
                        key: word.to_string(),
                    },
                )
                .await
            {
                Some(Found::Text(Some(text))) => Some(text),
                _ => None,
            }
        }
        _ => None,
    }
}

fn variable(cache: &Cache, word: &str) -> Option<String> {
    let name = word.trim_start_matches(':');
    let found = cache.variables().into_iter().find(|v| v.name == name)?;
    let mut text = format!("variable {}: {}\n{}", found.name, found.kind, found.summary);
    if let Some(table) = &found.table {
        // What `%%sql results` sees: the columns the loader gives it, whatever the kind.
        let width = table
            .columns
            .iter()
            .map(|(n, _)| n.chars().count())
            .max()
            .unwrap_or(0);
        text.push_str(&format!(
            "\n\nas a table on %%sql results ({} row{}):",
            table.rows,
            if table.rows == 1 { "" } else { "s" }
        ));
        for (column, ty) in &table.columns {
            text.push_str(&format!("\n  {column:<width$}  {ty}"));
        }
    }
    Some(text)
}

fn inspect_sql(
    catalog: &SqlCatalog,
    code: &str,
    body_start: usize,
    cursor: usize,
    word: &str,
) -> Option<String> {
    let dialect = sql::dialect_of(Some(catalog));
    let (statement_start, statement_end) = sql::statement(code, body_start, cursor, dialect);
    let refs = sql::references(
        &code[statement_start..statement_end.max(statement_start)],
        dialect,
    );
    let parts: Vec<&str> = word
        .split('.')
        .map(|p| p.trim_matches(|c| c == '"' || c == '`'))
        .collect();
    match parts.as_slice() {
        [qualifier, column] => {
            if let Some(table) = sql::resolve(catalog, &refs, qualifier)
                && let Some(text) = describe_column(table, column)
            {
                return Some(text);
            }
            catalog.table(Some(qualifier), column).map(describe_table)
        }
        [name] => {
            if let Some(table) = catalog.table(None, name) {
                return Some(describe_table(table));
            }
            for r in &refs {
                if let Some(table) = catalog.table(r.schema.as_deref(), &r.table)
                    && let Some(text) = describe_column(table, name)
                {
                    return Some(text);
                }
            }
            catalog.function(name).map(|f| {
                let mut text = format!(
                    "function {}{}",
                    if f.schema.is_empty() {
                        String::new()
                    } else {
                        format!("{}.", f.schema)
                    },
                    f.name
                );
                for signature in &f.signatures {
                    text.push_str(&format!("\n  {}{signature}", f.name));
                }
                if let Some(description) = &f.description {
                    text.push_str(&format!("\n\n{description}"));
                }
                text
            })
        }
        [schema, table, column] => catalog
            .table(Some(schema), table)
            .and_then(|t| describe_column(t, column)),
        _ => None,
    }
}

pub fn describe_table(table: &SqlTable) -> String {
    let mut text = format!("{} {}.{}", table.kind, table.schema, table.name);
    if let Some(rows) = table.rows {
        text.push_str(&match rows {
            RowCount::Estimate(n) => format!(" — about {n} rows (server estimate)"),
            RowCount::Exact(n) => format!(" — {n} row{}", if n == 1 { "" } else { "s" }),
            RowCount::AtLeast(n) => format!(" — more than {n} rows"),
        });
    }
    if table.session_only {
        text.push_str(if table.schema == "pg_temp" {
            "\n(this session only: dropped when it ends)"
        } else {
            "\n(this session only: not committed yet)"
        });
    }
    let width = table
        .columns
        .iter()
        .map(|c| c.name.chars().count())
        .max()
        .unwrap_or(0);
    text.push_str("\n\ncolumns:");
    for column in &table.columns {
        text.push_str(&format!(
            "\n  {:<width$}  {}",
            column.name, column.data_type
        ));
        if !column.nullable {
            text.push_str(" NOT NULL");
        }
        if let Some(default) = &column.default {
            text.push_str(&format!(" DEFAULT {default}"));
        }
    }
    if !table.indexes.is_empty() {
        text.push_str("\n\nindexes:");
        for index in &table.indexes {
            text.push_str(&format!("\n  {}: {}", index.name, index.definition));
        }
    }
    text
}

fn describe_column(table: &SqlTable, name: &str) -> Option<String> {
    let column = table
        .columns
        .iter()
        .find(|c| c.name.eq_ignore_ascii_case(name))?;
    let mut text = format!(
        "column {}.{}.{}: {}",
        table.schema, table.name, column.name, column.data_type
    );
    text.push_str(if column.nullable {
        " (nullable)"
    } else {
        " NOT NULL"
    });
    if let Some(default) = &column.default {
        text.push_str(&format!("\ndefault: {default}"));
    }
    let indexed: Vec<&str> = table
        .indexes
        .iter()
        .filter(|i| i.definition.contains(&column.name))
        .map(|i| i.name.as_str())
        .collect();
    if !indexed.is_empty() {
        text.push_str(&format!("\nindexes: {}", indexed.join(", ")));
    }
    Some(text)
}

pub fn describe_collection(database: &str, collection: &MongoCollection) -> String {
    let mut text = format!("collection {database}.{}", collection.name);
    if let Some(count) = collection.count {
        text.push_str(&format!(
            " — {count} document{} (estimatedDocumentCount)",
            if count == 1 { "" } else { "s" }
        ));
    }
    text.push_str(&format!(
        "\n\nfields (sampled from {} documents):",
        collection.sampled
    ));
    let width = collection
        .fields
        .iter()
        .map(|(p, _)| p.chars().count())
        .max()
        .unwrap_or(0);
    for (path, kinds) in &collection.fields {
        text.push_str(&format!("\n  {path:<width$}  {}", kinds.join(" | ")));
    }
    if !collection.indexes.is_empty() {
        text.push_str("\n\nindexes:");
        for (name, keys) in &collection.indexes {
            text.push_str(&format!("\n  {name}: {keys}"));
        }
    }
    text
}
