//! The session settings psql would have had, restored after sqlx's connect.
//!
//! sqlx's startup message always sends `TimeZone=UTC` and `DateStyle=ISO, MDY` (and, unless told
//! otherwise, `extra_float_digits`). Startup parameters outrank the settings of the role and the
//! database (`ALTER ROLE … SET TimeZone`), so without this module a role set to Europe/Berlin
//! would see UTC timestamps, unlike psql, which sends neither. `extra_float_digits` is simply not
//! sent (see `PgSession::connect`); the other two are put back to the value psql's session gets,
//! found in the order PostgreSQL itself applies them:
//!
//! 1. what the user asked for in the connection: `PGTZ` / `PGDATESTYLE` (libpq sends them) and
//!    `-c name=value` in the URL's `options` (or `PGOPTIONS`), which sqlx's own parameters
//!    would otherwise override;
//! 2. `pg_db_role_setting`: role in this database, role, database, `ALTER ROLE ALL`;
//! 3. the server's configuration file (`pg_file_settings`, readable by superusers and
//!    `pg_read_all_settings`), else its built-in default;
//! 4. when the file cannot be read: `log_timezone` for TimeZone (initdb writes both from the
//!    same system zone; it cannot be changed by a client), and DateStyle as sqlx set it.
//!
//! `RESET TimeZone`, `RESET ALL`, `SET … TO DEFAULT` and `DISCARD ALL` go back to a setting's
//! reset value, which for these two is what sqlx's startup message said (UTC) and no SQL can
//! change. So the values restored at connect are kept ([`Restored`]) and set again after such a
//! statement succeeds ([`resets`], [`Restored::reapply`]): the session then shows what psql's
//! would. (A RESET inside a function body is not seen.)
//!
//! Values are decoded the same way under any of these settings: every value arrives as the
//! server's text. `client_encoding` stays UTF8, which is what psql uses on a UTF-8 terminal and
//! what the driver needs to read text at all.

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Row};

/// The settings sqlx's startup message overrides, with the libpq environment variable that
/// sets each one.
const OVERRIDDEN: &[(&str, &str)] = &[("TimeZone", "PGTZ"), ("DateStyle", "PGDATESTYLE")];

/// The values [`restore`] set: psql's reset values for the settings sqlx overrides.
#[derive(Debug, Default, Clone)]
pub struct Restored(Vec<(&'static str, String)>);

/// Which overridden settings a statement puts back to their reset value, and whether only for
/// the transaction (`SET LOCAL … TO DEFAULT`).
#[derive(Debug, PartialEq, Eq)]
pub struct Reset {
    names: Vec<&'static str>,
    local: bool,
}

impl Restored {
    /// Sets again what a successful RESET-like statement just put back to sqlx's values.
    /// Inside a transaction this is part of it, so a ROLLBACK undoes both together.
    pub async fn reapply(&self, conn: &mut PgConnection, reset: &Reset) {
        for (name, value) in &self.0 {
            if !reset.names.contains(name) {
                continue;
            }
            // Simple protocol: after DISCARD ALL the server has no prepared statements, and a
            // cached one of sqlx's would fail.
            let text = crate::session::variables::Scalar::Text(value.clone());
            let sql = format!(
                "SELECT set_config('{name}', {}, {})",
                super::literal::postgres(&text),
                reset.local
            );
            let set = sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *conn).await;
            if let Err(e) = set {
                log::warn!("could not restore {name} = {value} after a reset: {e}");
            }
        }
    }
}

/// Whether `sql` (one statement) resets TimeZone or DateStyle: `RESET name`, `RESET TIME ZONE`,
/// `RESET ALL`, `DISCARD ALL`, `SET [SESSION|LOCAL] name {TO|=} DEFAULT`,
/// `SET [SESSION|LOCAL] TIME ZONE {DEFAULT|LOCAL}`.
pub fn resets(sql: &str) -> Option<Reset> {
    let words = words(sql);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let all = || OVERRIDDEN.iter().map(|(name, _)| *name).collect::<Vec<_>>();
    let named = |word: &str| {
        OVERRIDDEN
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map(|(name, _)| vec![*name])
    };
    let session = |names| {
        Some(Reset {
            names,
            local: false,
        })
    };
    match words.as_slice() {
        ["reset", "all"] | ["discard", "all"] => session(all()),
        ["reset", "time", "zone"] => session(vec!["TimeZone"]),
        ["reset", name] => session(named(name)?),
        ["set", rest @ ..] => {
            let (local, rest) = match rest {
                ["local", rest @ ..] => (true, rest),
                ["session", rest @ ..] => (false, rest),
                rest => (false, rest),
            };
            let names = match rest {
                ["time", "zone", "default" | "local"] => vec!["TimeZone"],
                [name, "to" | "=", "default"] => named(name)?,
                _ => return None,
            };
            Some(Reset { names, local })
        }
        _ => None,
    }
}

/// The statement's words, lower-cased, `=` apart, identifier quotes and a final `;` dropped,
/// after leading comments. Anything longer than a reset is cut short: it is not one.
fn words(sql: &str) -> Vec<String> {
    let mut text = sql.trim_start();
    loop {
        if let Some(rest) = text.strip_prefix("--") {
            text = rest.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(rest) = text.strip_prefix("/*") {
            text = rest.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            break;
        }
    }
    text.trim_end()
        .trim_end_matches(';')
        .replace('=', " = ")
        .split_whitespace()
        .take(7)
        .map(|w| w.trim_matches('"').to_ascii_lowercase())
        .collect()
}

/// Sets TimeZone and DateStyle on a freshly opened connection to what psql would have had, and
/// returns what it set. A catalog the role may not read leaves that setting as it is; nothing
/// here fails a connect.
pub async fn restore(conn: &mut PgConnection, options: &PgConnectOptions) -> Restored {
    let mut restored = Restored::default();
    let explicit = options_settings(options.get_options().unwrap_or(""));
    for (name, variable) in OVERRIDDEN {
        let asked = std::env::var(variable)
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| {
                explicit
                    .iter()
                    .rev()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            });
        let value = match asked {
            Some(value) => Some(value),
            None => configured(conn, name).await,
        };
        let Some(value) = value else {
            continue;
        };
        let set = sqlx::query("SELECT set_config($1, $2, false)")
            .bind(*name)
            .bind(&value)
            .execute(&mut *conn)
            .await;
        match set {
            Ok(_) => restored.0.push((name, value)),
            Err(e) => log::warn!("could not restore {name} = {value}: {e}"),
        }
    }
    restored
}

/// The value of `name` from the role/database settings or the server's configuration.
async fn configured(conn: &mut PgConnection, name: &str) -> Option<String> {
    let role_or_database = sqlx::query(
        "SELECT substr(c, strpos(c, '=') + 1) \
         FROM pg_catalog.pg_db_role_setting r, unnest(r.setconfig) AS c \
         WHERE r.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())) \
           AND r.setrole IN (0, (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = session_user)) \
           AND lower(split_part(c, '=', 1)) = lower($1) \
         ORDER BY (r.setdatabase <> 0 AND r.setrole <> 0) DESC, r.setrole <> 0 DESC, r.setdatabase <> 0 DESC \
         LIMIT 1",
    )
    .bind(name)
    .fetch_optional(&mut *conn)
    .await;
    if let Ok(Some(row)) = role_or_database {
        return row.try_get::<String, _>(0).ok();
    }
    let file = sqlx::query(
        "SELECT (SELECT f.setting FROM pg_catalog.pg_file_settings f \
                  WHERE lower(f.name) = lower($1) AND f.applied ORDER BY f.seqno DESC LIMIT 1), \
                (SELECT s.boot_val FROM pg_catalog.pg_settings s WHERE s.name = $1)",
    )
    .bind(name)
    .fetch_one(&mut *conn)
    .await;
    match file {
        Ok(row) => row
            .try_get::<Option<String>, _>(0)
            .ok()
            .flatten()
            .or_else(|| row.try_get::<Option<String>, _>(1).ok().flatten()),
        // pg_file_settings is for superusers and pg_read_all_settings only.
        Err(_) if name == "TimeZone" => {
            sqlx::raw_sql(AssertSqlSafe("SELECT current_setting('log_timezone')"))
                .fetch_one(&mut *conn)
                .await
                .ok()
                .and_then(|row| row.try_get::<String, _>(0).ok())
        }
        Err(_) => None,
    }
}

/// `-c name=value`, `-cname=value` and `--name=value` in a libpq `options` string (words split
/// at unescaped spaces, `\` escaping the next character), in order.
fn options_settings(options: &str) -> Vec<(String, String)> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut chars = options.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => word.extend(chars.next()),
            ' ' | '\t' => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            c => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    let mut settings = Vec::new();
    let mut words = words.into_iter();
    while let Some(word) = words.next() {
        let setting = if word == "-c" {
            words.next()
        } else if let Some(rest) = word.strip_prefix("--") {
            Some(rest.to_string())
        } else {
            word.strip_prefix("-c").map(str::to_string)
        };
        if let Some((name, value)) = setting.as_deref().and_then(|s| s.split_once('=')) {
            settings.push((name.replace('-', "_"), value.to_string()));
        }
    }
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_that_reset_the_overridden_settings_are_recognised() {
        let session = |names: &[&'static str]| {
            Some(Reset {
                names: names.to_vec(),
                local: false,
            })
        };
        assert_eq!(resets("RESET TimeZone;"), session(&["TimeZone"]));
        assert_eq!(resets("reset \"timezone\""), session(&["TimeZone"]));
        assert_eq!(resets("RESET TIME ZONE"), session(&["TimeZone"]));
        assert_eq!(
            resets("-- c\nRESET ALL"),
            session(&["TimeZone", "DateStyle"])
        );
        assert_eq!(resets("DISCARD ALL"), session(&["TimeZone", "DateStyle"]));
        assert_eq!(resets("SET datestyle TO DEFAULT"), session(&["DateStyle"]));
        assert_eq!(resets("SET TimeZone=default"), session(&["TimeZone"]));
        assert_eq!(
            resets("SET LOCAL TIME ZONE LOCAL"),
            Some(Reset {
                names: vec!["TimeZone"],
                local: true
            })
        );
        assert_eq!(resets("RESET search_path"), None);
        assert_eq!(resets("SET TimeZone = 'UTC'"), None);
        assert_eq!(resets("SELECT 1"), None);
    }

    #[test]
    fn settings_in_libpq_options_are_found() {
        assert_eq!(
            options_settings("-c TimeZone=Asia/Tokyo --DateStyle=German -cgeqo=off"),
            vec![
                ("TimeZone".to_string(), "Asia/Tokyo".to_string()),
                ("DateStyle".to_string(), "German".to_string()),
                ("geqo".to_string(), "off".to_string()),
            ]
        );
        assert_eq!(
            options_settings("-c DateStyle=ISO,\\ DMY"),
            vec![("DateStyle".to_string(), "ISO, DMY".to_string())]
        );
        assert!(options_settings("").is_empty());
    }
}
