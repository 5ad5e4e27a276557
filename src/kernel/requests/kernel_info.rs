//! kernel_info_reply: who we are and how frontends should treat the language.

use serde_json::{Value as Json, json};

use crate::wire::message::PROTOCOL_VERSION;

pub fn reply() -> Json {
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
