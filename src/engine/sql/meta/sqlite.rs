//! The sqlite3 shell's dot commands for browsing a schema: `.tables [PATTERN]`, `.schema
//! [PATTERN]`, `.indexes [TABLE]` (`.indices`), with the shell's LIKE patterns and its output:
//! names in columns across 80 characters, statements each ended by `;`. Views' column comments
//! (`/* v("1") */`) that newer shells add after `.schema` are not printed.

use super::{Query, Refusal, Shape, literal, unsupported};

pub fn plan(command: &str, argument: &str) -> Result<Vec<Query>, Refusal> {
    if command.starts_with('\\') {
        return Err(psql_command(command, argument));
    }
    let like = |column: &str| {
        if argument.is_empty() {
            String::new()
        } else {
            format!(" AND {column} LIKE {}", literal(argument))
        }
    };
    let query = match command {
        ".tables" => Query {
            sql: format!(
                "SELECT name FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'{} \
                 UNION ALL SELECT 'temp.' || name FROM sqlite_temp_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'{} \
                 ORDER BY 1",
                like("name"),
                like("name")
            ),
            shape: Shape::Names,
        },
        ".schema" => Query {
            sql: format!(
                "SELECT sql FROM (SELECT sql, rowid AS r, 0 AS t, tbl_name, name FROM sqlite_schema \
                   UNION ALL SELECT sql, rowid, 1, tbl_name, name FROM sqlite_temp_schema) \
                 WHERE sql IS NOT NULL{} ORDER BY t, r",
                if argument.is_empty() {
                    String::new()
                } else {
                    format!(
                        " AND (tbl_name LIKE {0} OR name LIKE {0})",
                        literal(argument)
                    )
                }
            ),
            shape: Shape::Statements,
        },
        ".indexes" | ".indices" => Query {
            sql: format!(
                "SELECT name FROM sqlite_schema WHERE type = 'index'{} \
                 UNION ALL SELECT 'temp.' || name FROM sqlite_temp_schema WHERE type = 'index'{} ORDER BY 1",
                like("tbl_name"),
                like("tbl_name")
            ),
            shape: Shape::Names,
        },
        other => {
            return Err(unsupported(
                other,
                ".tables, .schema and .indexes (each with an optional LIKE pattern)",
                "Other shell settings have cell options or SQL instead, e.g. SELECT * FROM pragma_table_info('t'); for a table's columns.",
            ));
        }
    };
    Ok(vec![query])
}

/// A psql command typed on SQLite: say so, and give sqlite3's form where there is one.
fn psql_command(command: &str, argument: &str) -> Refusal {
    let with = |dot: &str| {
        if argument.is_empty() {
            dot.to_string()
        } else {
            format!("{dot} {argument}")
        }
    };
    let instead = match command {
        "\\dt" | "\\dv" | "\\d" if argument.is_empty() => with(".tables"),
        "\\d" => with(".schema"),
        "\\di" => with(".indexes"),
        _ => ".tables, .schema [NAME] or .indexes [TABLE]".to_string(),
    };
    Refusal(format!(
        "{command} is a psql command; this connection is SQLite, whose shell writes it {instead}"
    ))
}

/// The shell's column layout of names: as many columns of `widest + 2` as fit in 80
/// characters, filled down each column first, every name padded.
pub fn columns(names: &[String]) -> String {
    let widest = names
        .iter()
        .map(|n| crate::render::text_cell::width(n))
        .max()
        .unwrap_or(0);
    let per_line = (80 / (widest + 2)).max(1);
    let rows = names.len().div_ceil(per_line);
    let mut out = String::new();
    for row in 0..rows {
        let mut line = String::new();
        for (index, name) in names.iter().enumerate().skip(row).step_by(rows) {
            if index >= rows {
                line.push_str("  ");
            }
            line.push_str(&crate::render::text_cell::pad_right(name, widest));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `sqlite3 t.db .tables` with these twelve tables prints these three lines.
    #[test]
    fn names_in_columns_like_the_shell() {
        let names: Vec<String> = [
            "alpha",
            "beta_longer_name",
            "c",
            "d",
            "e",
            "f",
            "g",
            "h",
            "i",
            "j",
            "v",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            columns(&names),
            "alpha             d                 g                 j               \n\
             beta_longer_name  e                 h                 v               \n\
             c                 f                 i               \n"
        );
    }
}
