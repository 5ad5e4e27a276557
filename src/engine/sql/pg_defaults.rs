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
//! Values are decoded the same way under any of these settings: every value arrives as the
//! server's text. `client_encoding` stays UTF8, which is what psql uses on a UTF-8 terminal and
//! what the driver needs to read text at all.

use sqlx::postgres::{PgConnectOptions, PgConnection};
use sqlx::{AssertSqlSafe, Row};

/// The settings sqlx's startup message overrides, with the libpq environment variable that
/// sets each one.
const OVERRIDDEN: &[(&str, &str)] = &[("TimeZone", "PGTZ"), ("DateStyle", "PGDATESTYLE")];

/// Sets TimeZone and DateStyle on a freshly opened connection to what psql would have had.
/// A catalog the role may not read leaves that setting as it is; nothing here fails a connect.
pub async fn restore(conn: &mut PgConnection, options: &PgConnectOptions) {
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
        if let Err(e) = set {
            log::warn!("could not restore {name} = {value}: {e}");
        }
    }
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
