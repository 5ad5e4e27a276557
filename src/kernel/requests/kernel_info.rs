//! kernel_info_reply: who we are and how frontends should treat the language, and under
//! `dbkernel.sql` the SQL connections the kernel started with (from dbkernel.toml or
//! DATABASE_URL: name → dialect, and the current one), which the JupyterLab extension cannot
//! read from the notebook's text; it highlights `%%sql NAME` cells in those dialects.

use serde_json::{Value as Json, json};

use crate::catalog::cache::Cache;
use crate::engine::Language;
use crate::session::connections::Entry;
use crate::wire::message::PROTOCOL_VERSION;

pub async fn reply(cache: &Cache) -> Json {
    let mut reply = static_reply();
    if let Some(started) = cache.started_connections().await {
        reply["dbkernel"] = json!({"sql": sql_dialects(&started)});
    }
    reply
}

/// `{"connections": {NAME: DIALECT}, "current": NAME}` for the SQL connections, with the
/// dialect names the extension uses (`postgresql`, `mysql`, `mariadb`, `sqlite`).
fn sql_dialects(entries: &[Entry]) -> Json {
    let mut connections = serde_json::Map::new();
    let mut current = Json::Null;
    for entry in entries.iter().filter(|e| e.language == Language::Sql) {
        // Before any cell every connection is still pending: `kind` is its URL's scheme.
        let dialect = match entry.kind.to_ascii_lowercase().as_str() {
            "postgres" | "postgresql" => "postgresql",
            "mysql" => "mysql",
            "mariadb" => "mariadb",
            "sqlite" | crate::engine::results::URL => "sqlite",
            _ => continue,
        };
        connections.insert(entry.name.clone(), json!(dialect));
        if entry.current {
            current = json!(entry.name);
        }
    }
    json!({"connections": connections, "current": current})
}

fn static_reply() -> Json {
    json!({
        "status": "ok",
        "protocol_version": PROTOCOL_VERSION,
        "implementation": "dbkernel",
        "implementation_version": env!("CARGO_PKG_VERSION"),
        "language_info": {
            "name": "sql",
            "version": "",
            "mimetype": "text/x-sql",
            "file_extension": ".sql",
            "pygments_lexer": "sql",
            "codemirror_mode": "sql",
            "nbconvert_exporter": "script"
        },
        "banner": format!(
            "dbkernel {} — SQL (SQLite, PostgreSQL, MySQL/MariaDB), MongoDB shell and Redis in one notebook. Type %help.",
            env!("CARGO_PKG_VERSION")
        ),
        "help_links": [],
        "debugger": false
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::connections::Connections;

    #[test]
    fn the_started_sql_connections_with_their_dialects() {
        let entries = Connections::from_environment().entries();
        let sql = sql_dialects(&entries);
        assert_eq!(sql["connections"]["results"], "sqlite");
        assert_eq!(sql["current"], "default");
        assert!(sql["connections"].get("mongo").is_none());
    }
}
