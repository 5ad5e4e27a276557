//! The `results` connection's tables as completion sees them: every kept variable that can be a
//! table, by its name, with the columns the loader would give it — without loading anything.
//!
//! The `results` engine copies a variable into its SQLite database only when a cell names it, so
//! its own catalog shows only the tables loaded so far. Completion must offer every kept table,
//! documents result and Redis reply, so the cache lays these over the engine's snapshot (or
//! stands them alone before the connection was first used). The columns come from
//! [`crate::engine::results::columns::shape_of`], the one mapping the loader uses, computed once
//! per variable version after the cell that kept it.

use super::{Catalog, RowCount, SqlCatalog, SqlColumn, SqlTable};
use crate::catalog::cache::VariableInfo;
use crate::session::variables::Variables;

/// The kind the `results` engine gives a table it copied from a variable.
pub const LOADED: &str = "loaded result";

/// A kept variable as a table: its columns (name, SQLite type) and row count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptTable {
    pub columns: Vec<(String, String)>,
    pub rows: usize,
}

/// The table shape of every tabular variable in `vars`, reusing `previous` for a variable whose
/// version has not changed (documents are scanned whole to type their fields, so once is enough).
pub fn shapes(vars: &Variables, previous: &[VariableInfo]) -> Vec<(String, Option<KeptTable>)> {
    vars.iter()
        .map(|(name, value)| {
            let version = vars.version(name);
            let kept = previous
                .iter()
                .find(|p| &p.name == name && p.version.is_some() && p.version == version)
                .map(|p| p.table.clone())
                .unwrap_or_else(|| {
                    if !crate::engine::results::names::is_tabular(value) {
                        return None;
                    }
                    let command = vars.source(name).and_then(|s| s.redis_command.as_deref());
                    let shape = crate::engine::results::columns::shape_of(value, command).ok()?;
                    Some(KeptTable {
                        columns: shape
                            .columns
                            .iter()
                            .map(|(n, ty)| (n.clone(), ty.name().to_string()))
                            .collect(),
                        rows: shape.rows,
                    })
                });
            (name.clone(), kept)
        })
        .collect()
}

/// `base` (the engine's snapshot, or nothing yet) with every kept table laid over it: a loaded
/// copy is replaced by its variable (what the next cell will load) or left out when the variable
/// is gone (the next cell drops it); tables a cell created there stay.
pub fn overlay(base: Option<&Catalog>, variables: &[VariableInfo]) -> Catalog {
    let mut catalog = match base {
        Some(Catalog::Sql(sql)) => sql.clone(),
        _ => SqlCatalog {
            dialect: "SQLite".into(),
            default_schema: "main".into(),
            schemas: vec!["main".into()],
            keywords: Vec::new(),
            ..Default::default()
        },
    };
    catalog.tables.retain(|t| t.kind != LOADED);
    for variable in variables {
        let Some(kept) = &variable.table else {
            continue;
        };
        catalog
            .tables
            .retain(|t| !(t.schema == "main" && t.name.eq_ignore_ascii_case(&variable.name)));
        catalog.tables.push(SqlTable {
            schema: "main".into(),
            name: variable.name.clone(),
            kind: format!("kept {}", variable.kind),
            columns: kept
                .columns
                .iter()
                .map(|(name, ty)| SqlColumn {
                    name: name.clone(),
                    data_type: ty.clone(),
                    nullable: true,
                    default: None,
                })
                .collect(),
            indexes: Vec::new(),
            rows: Some(RowCount::Exact(kept.rows as i64)),
            session_only: false,
        });
    }
    Catalog::Sql(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(name: &str, table: Option<KeptTable>) -> VariableInfo {
        VariableInfo {
            name: name.into(),
            kind: "table".into(),
            summary: String::new(),
            version: Some(1),
            table,
        }
    }

    #[test]
    fn kept_tables_replace_loaded_copies_and_gone_ones_disappear() {
        let table = |name: &str, kind: &str| SqlTable {
            schema: "main".into(),
            name: name.into(),
            kind: kind.into(),
            ..Default::default()
        };
        let base = Catalog::Sql(SqlCatalog {
            dialect: "SQLite".into(),
            default_schema: "main".into(),
            tables: vec![
                table("orders", LOADED),
                table("gone", LOADED),
                table("made_here", "table"),
            ],
            ..Default::default()
        });
        let kept = KeptTable {
            columns: vec![("id".into(), "INTEGER".into())],
            rows: 3,
        };
        let vars = [info("orders", Some(kept)), info("n", None)];
        let Catalog::Sql(sql) = overlay(Some(&base), &vars) else {
            panic!("not SQL")
        };
        let names: Vec<&str> = sql.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["made_here", "orders"]);
        let orders = sql.table(None, "orders").unwrap();
        assert_eq!(orders.kind, "kept table");
        assert_eq!(orders.rows, Some(RowCount::Exact(3)));
        assert_eq!(orders.columns[0].data_type, "INTEGER");
    }

    /// Measures the one-off cost of typing a large documents result (`--ignored`; prints it).
    #[test]
    #[ignore]
    fn measure_shape_of_200k_documents() {
        let docs: Vec<bson::Document> = (0..200_000)
            .map(|i| bson::doc! {"_id": i, "a": i, "b": format!("x{i}"), "c": {"d": i}, "e": i % 2 == 0})
            .collect();
        let mut vars = Variables::default();
        vars.set("big", crate::session::variables::Variable::Documents(docs));
        let started = std::time::Instant::now();
        let first = shapes(&vars, &[]);
        let cold = started.elapsed();
        let info = [VariableInfo {
            name: "big".into(),
            kind: "documents".into(),
            summary: String::new(),
            version: vars.version("big"),
            table: first[0].1.clone(),
        }];
        let started = std::time::Instant::now();
        let again = shapes(&vars, &info);
        println!(
            "200k documents: first {cold:?}, same version again {:?}",
            started.elapsed()
        );
        assert_eq!(again[0].1, first[0].1);
    }
}
