//! Opening an engine from a connection URL: the scheme picks the engine.

use std::sync::Arc;
use std::time::Duration;

use super::{Engine, EngineError, Language};

/// How long connecting (TCP connect + handshake + authentication) may take before `%connect`
/// or a cell's first use gives up and names the host that did not answer.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings every engine honours when it opens a connection (`%config connect_timeout`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Connect + handshake limit; an engine that reconnects by itself uses it again.
    pub connect_timeout: Duration,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
        }
    }
}

/// Which language a URL's engine speaks, from its scheme alone.
pub fn language_of(url: &str) -> Result<Language, EngineError> {
    let scheme = url.split(':').next().unwrap_or("").to_ascii_lowercase();
    match scheme.as_str() {
        // The built-in connection over kept variables (`engine/results`).
        "results" if url == super::results::URL => Ok(Language::Sql),
        "sqlite" | "postgres" | "postgresql" | "mysql" | "mariadb" => Ok(Language::Sql),
        "mongodb" | "mongodb+srv" | "embedded" => Ok(Language::Mql),
        "redis" | "rediss" | "redis+unix" | "unix" | "redis+cluster" | "rediss+cluster"
        | "redis+sentinel" | "rediss+sentinel" => Ok(Language::Redis),
        _ => Err(EngineError::usage(format!(
            "unknown URL scheme in '{}'; use sqlite:, postgres://, postgresql://, mysql://, mariadb://, mongodb://, mongodb+srv://, embedded, redis://, rediss://, redis+unix://, redis+cluster:// or redis+sentinel://",
            mask_password(url)
        ))),
    }
}

/// A network URL must say `scheme://`; `postgres:/host/db` (one slash) would otherwise reach a
/// driver that reads it as a socket path and fails with something unrelated (a role named
/// "anonymous"). Returns the expected shape for the scheme when the URL is malformed.
fn malformed_network_url(url: &str) -> Option<&'static str> {
    let (scheme, rest) = url.split_once(':')?;
    let shape = match scheme.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" => "postgresql://user:password@host:5432/database",
        "mysql" | "mariadb" => "mysql://user:password@host:3306/database",
        "mongodb" => "mongodb://user:password@host:27017/database",
        "mongodb+srv" => "mongodb+srv://user:password@cluster.example.net/database",
        "redis" | "rediss" => "redis://:password@host:6379/0",
        _ => return None,
    };
    // `postgres:///db` (empty host: the local socket) is valid; `postgres:/host` is not.
    (!rest.starts_with("//")).then_some(shape)
}

/// Opens a connection. The engine connects lazily or at once, as suits its driver.
pub async fn open(url: &str, options: &OpenOptions) -> Result<Arc<dyn Engine>, EngineError> {
    if let Some(shape) = malformed_network_url(url) {
        return Err(EngineError::usage(format!(
            "malformed URL '{}': after the scheme comes '//' and the host; expected {shape}",
            mask_password(url)
        )));
    }
    if url == super::results::URL {
        return super::results::open(options).await;
    }
    match language_of(url)? {
        Language::Sql => super::sql::open(url, options).await,
        Language::Mql => super::mql::open(url, options).await,
        Language::Redis => super::redis::open(url, options).await,
    }
}

/// Replaces the password in `scheme://user:password@host` with `****`.
pub fn mask_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let Some(at) = authority.rfind('@') else {
        return url.to_string();
    };
    let userinfo = &authority[..at];
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{}://{user}:****@{}", &url[..scheme_end], &rest[at + 1..]),
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_passwords_only() {
        assert_eq!(
            mask_password("postgres://u:secret@h:5432/db"),
            "postgres://u:****@h:5432/db"
        );
        assert_eq!(mask_password("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(
            mask_password("redis://:pw@h:6379/0"),
            "redis://:****@h:6379/0"
        );
        assert_eq!(mask_password("sqlite::memory:"), "sqlite::memory:");
    }

    #[test]
    fn a_url_without_double_slash_is_malformed() {
        assert_eq!(
            malformed_network_url("postgres:/127.0.0.1/test"),
            Some("postgresql://user:password@host:5432/database")
        );
        assert!(malformed_network_url("redis:127.0.0.1").is_some());
        assert_eq!(malformed_network_url("postgres:///test"), None);
        assert_eq!(malformed_network_url("mysql://root@127.0.0.1/test"), None);
        assert_eq!(malformed_network_url("sqlite:file.db"), None);
        assert_eq!(malformed_network_url("embedded:/tmp/db"), None);
    }

    #[test]
    fn scheme_picks_language() {
        assert_eq!(language_of("postgresql://x").unwrap(), Language::Sql);
        assert_eq!(language_of("embedded").unwrap(), Language::Mql);
        assert_eq!(language_of("rediss://x").unwrap(), Language::Redis);
        assert!(
            language_of("ftp://x")
                .unwrap_err()
                .evalue
                .contains("unknown URL scheme")
        );
    }
}
