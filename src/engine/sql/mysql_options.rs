//! A `mysql://` / `mariadb://` URL → the MySQL driver's connection options.
//!
//! The URL keeps the names it had when the session ran on sqlx, which are the mysql client's own
//! option names: `ssl-mode` (`DISABLED`, `PREFERRED` — the default —, `REQUIRED`, `VERIFY_CA`,
//! `VERIFY_IDENTITY`), `ssl-ca`, `ssl-cert`, `ssl-key`, `socket`, `charset`, `collation` and
//! `timezone`. Any other parameter is refused with this list, rather than ignored.
//!
//! The session is set up as the mysql client sets up its own: the server's `sql_mode` and
//! `time_zone` stay as they are (no `PIPES_AS_CONCAT`, no forced UTC), the character set is
//! utf8mb4, and `CLIENT_FOUND_ROWS` is off, so an UPDATE's count is of the rows it changed.

use std::sync::{Arc, Mutex};

use mysql_async::{ClientIdentity, Opts, OptsBuilder, SslOpts};

/// How a session connects: the driver's options plus what runs right after connecting.
#[derive(Clone)]
pub struct MySqlOptions {
    pub opts: Opts,
    /// `ssl-mode=PREFERRED`: the same options without TLS, for a server that offers none.
    pub plain: Option<Opts>,
    /// `host:port` (or the socket path), for messages.
    pub address: String,
    /// `SET NAMES …`, `SET time_zone = …` from the URL.
    pub setup: Vec<String>,
    /// The client's message for a `LOAD DATA LOCAL INFILE` file that could not be read, set by
    /// the file handler during the statement (see [`local_infile`]).
    pub infile_failure: InfileFailure,
}

/// Where the file handler leaves its message for the statement that asked for the file.
pub type InfileFailure = Arc<Mutex<Option<String>>>;

/// The parameters a URL may carry, for the refusal of any other.
const KNOWN: &str = "ssl-mode, ssl-ca, ssl-cert, ssl-key, socket, charset, collation, timezone";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum SslMode {
    Disabled,
    Preferred,
    Required,
    VerifyCa,
    VerifyIdentity,
}

impl SslMode {
    fn parse(value: &str) -> Result<SslMode, String> {
        Ok(
            match value.to_ascii_uppercase().replace('-', "_").as_str() {
                "DISABLED" => SslMode::Disabled,
                "PREFERRED" => SslMode::Preferred,
                "REQUIRED" => SslMode::Required,
                "VERIFY_CA" => SslMode::VerifyCa,
                "VERIFY_IDENTITY" => SslMode::VerifyIdentity,
                _ => {
                    return Err(format!(
                        "ssl-mode={value} is not a MySQL ssl-mode; use DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY"
                    ));
                }
            },
        )
    }
}

fn decoded(text: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| format!("'{text}' is not valid UTF-8 once percent-decoded"))
}

/// A MySQL string literal for a `SET` value from the URL (quotes and backslashes doubled, which
/// reads the same under every `sql_mode`... except NO_BACKSLASH_ESCAPES, where a doubled
/// backslash is two: so backslashes are refused instead).
fn set_literal(name: &str, value: &str) -> Result<String, String> {
    if value.contains('\\') || value.contains('\0') {
        return Err(format!(
            "{name}={value}: a backslash or NUL is not allowed here"
        ));
    }
    Ok(format!("'{}'", value.replace('\'', "''")))
}

/// A character set or collation name: letters, digits and underscores only.
fn identifier(name: &str, value: &str) -> Result<String, String> {
    if value.is_empty() || !value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "{name}={value} is not a character set or collation name"
        ));
    }
    Ok(value.to_string())
}

/// Reads a `mysql://user:password@host:port/database?…` URL (`mariadb://` is the same).
pub fn parse(url: &str) -> Result<MySqlOptions, String> {
    let url = match url.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("mariadb") => {
            format!("mysql://{rest}")
        }
        _ => url.to_string(),
    };
    let parsed = url::Url::parse(&url).map_err(|e| format!("the URL cannot be read: {e}"))?;
    let host = match parsed.host() {
        Some(url::Host::Ipv6(address)) => address.to_string(),
        Some(host) => host.to_string(),
        None => "localhost".to_string(),
    };
    let host = if host.is_empty() {
        "localhost".to_string()
    } else {
        host
    };
    let port = parsed.port().unwrap_or(3306);
    // The mysql client's default user is the login name; sqlx's was root, which the kernel kept.
    let user = match parsed.username() {
        "" => "root".to_string(),
        name => decoded(name)?,
    };
    let password = parsed.password().map(decoded).transpose()?;
    let database = match parsed.path().trim_start_matches('/') {
        "" => None,
        path => Some(decoded(path)?),
    };
    let mut mode = SslMode::Preferred;
    let (mut ca, mut cert, mut key, mut socket) = (None, None, None, None);
    let (mut charset, mut collation, mut timezone) = (None, None, None);
    for (name, value) in parsed.query_pairs() {
        let value = value.into_owned();
        match name.as_ref() {
            "ssl-mode" | "sslmode" => mode = SslMode::parse(&value)?,
            "ssl-ca" | "sslca" => ca = Some(value),
            "ssl-cert" | "sslcert" => cert = Some(value),
            "ssl-key" | "sslkey" => key = Some(value),
            "socket" => socket = Some(value),
            "charset" => charset = Some(identifier("charset", &value)?),
            "collation" => collation = Some(identifier("collation", &value)?),
            "timezone" | "time-zone" => timezone = Some(set_literal("timezone", &value)?),
            other => {
                return Err(format!(
                    "the URL parameter '{other}' is not known for MySQL/MariaDB; the known ones are {KNOWN}"
                ));
            }
        }
    }
    let identity = match (cert, key) {
        (Some(cert), Some(key)) => Some(ClientIdentity::new(
            std::path::PathBuf::from(cert).into(),
            std::path::PathBuf::from(key).into(),
        )),
        (None, None) => None,
        _ => return Err("ssl-cert and ssl-key go together: give both or neither".into()),
    };
    let infile_failure = InfileFailure::default();
    let mut builder = OptsBuilder::default()
        .ip_or_hostname(host.clone())
        .tcp_port(port)
        .user(Some(user))
        .pass(password)
        .db_name(database)
        // The driver would otherwise ask a loopback server for its socket and move to it (the
        // session's TLS and address would then not be what the URL says).
        .prefer_socket(false)
        // Statements go as text (COM_QUERY); nothing is prepared through the protocol.
        .stmt_cache_size(Some(0))
        .local_infile_handler(Some({
            let failure = infile_failure.clone();
            move |name: &[u8]| local_infile(name, failure.clone())
        }));
    if let Some(socket) = &socket {
        builder = builder.socket(Some(socket.clone()));
    }
    let plain = builder.clone();
    if mode != SslMode::Disabled {
        let mut ssl = SslOpts::default()
            .with_client_identity(identity)
            // REQUIRED and PREFERRED encrypt without checking who answers, as the mysql client
            // and sqlx do; VERIFY_CA checks the chain; VERIFY_IDENTITY the host name too.
            .with_danger_accept_invalid_certs(matches!(
                mode,
                SslMode::Preferred | SslMode::Required
            ))
            .with_danger_skip_domain_validation(mode != SslMode::VerifyIdentity);
        if let Some(ca) = ca {
            ssl = ssl.with_root_certs(vec![std::path::PathBuf::from(ca).into()]);
        }
        builder = builder.ssl_opts(Some(ssl));
    }
    let mut setup = Vec::new();
    match (charset, collation) {
        (Some(charset), Some(collation)) => {
            setup.push(format!("SET NAMES {charset} COLLATE {collation}"))
        }
        (Some(charset), None) => setup.push(format!("SET NAMES {charset}")),
        (None, Some(collation)) => setup.push(format!("SET NAMES utf8mb4 COLLATE {collation}")),
        (None, None) => {}
    }
    if let Some(zone) = timezone {
        setup.push(format!("SET time_zone = {zone}"));
    }
    let address = match &socket {
        Some(socket) => socket.clone(),
        None if host.contains(':') => format!("[{host}]:{port}"),
        None => format!("{host}:{port}"),
    };
    Ok(MySqlOptions {
        opts: builder.into(),
        plain: (mode == SslMode::Preferred).then(|| plain.into()),
        address,
        setup,
        infile_failure,
    })
}

/// `LOAD DATA LOCAL INFILE 'path'`: the kernel reads the file and sends it, as the mysql client
/// does (a relative path is the kernel's working directory, the notebook's folder).
///
/// A file that cannot be read is sent as empty (the server loads nothing) and the message goes
/// to `failure`, which the session turns into the statement's error, as the client's
/// `File 'x.csv' not found (Errcode: 2)`: an error from the handler itself would make the
/// driver close the connection, and the session's temporary tables and settings with it.
fn local_infile(
    name: &[u8],
    failure: InfileFailure,
) -> futures_util::future::BoxFuture<
    'static,
    Result<mysql_async::InfileData, mysql_async::LocalInfileError>,
> {
    use std::os::unix::ffi::OsStrExt;
    use tokio::io::AsyncReadExt;
    let path = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(name));
    let fail = move |path: &std::path::Path, error: &std::io::Error| {
        if let Ok(mut slot) = failure.lock() {
            slot.get_or_insert_with(|| infile_message(path, error));
        }
    };
    Box::pin(async move {
        let data: mysql_async::InfileData = match tokio::fs::File::open(&path).await {
            Ok(file) => Box::pin(futures_util::stream::unfold(
                Some((file, path, fail)),
                |state| async move {
                    let (mut file, path, fail) = state?;
                    let mut chunk = vec![0u8; 64 * 1024];
                    match file.read(&mut chunk).await {
                        Ok(0) => None,
                        Ok(n) => {
                            chunk.truncate(n);
                            Some((Ok(bytes::Bytes::from(chunk)), Some((file, path, fail))))
                        }
                        Err(e) => {
                            fail(&path, &e);
                            None
                        }
                    }
                },
            )),
            Err(e) => {
                fail(&path, &e);
                Box::pin(futures_util::stream::empty())
            }
        };
        Ok(data)
    })
}

/// The mysql client's words for a local file it cannot read.
fn infile_message(path: &std::path::Path, error: &std::io::Error) -> String {
    let code = error.raw_os_error().unwrap_or(0);
    match error.kind() {
        std::io::ErrorKind::NotFound => {
            format!("File '{}' not found (Errcode: {code})", path.display())
        }
        _ => format!(
            "File '{}' could not be read (Errcode: {code}: {error})",
            path.display()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(url: &str) -> MySqlOptions {
        parse(url).unwrap()
    }

    #[test]
    fn user_password_host_and_database() {
        let o = options("mariadb://alice:p%40ss@127.0.0.1:3307/shop");
        assert_eq!(o.opts.user(), Some("alice"));
        assert_eq!(o.opts.pass(), Some("p@ss"));
        assert_eq!(o.opts.ip_or_hostname(), "127.0.0.1");
        assert_eq!(o.opts.tcp_port(), 3307);
        assert_eq!(o.opts.db_name(), Some("shop"));
        assert_eq!(o.address, "127.0.0.1:3307");
        assert!(
            o.plain.is_some(),
            "PREFERRED falls back to a plain connection"
        );
        assert!(!o.opts.client_found_rows());
    }

    #[test]
    fn ipv6_hosts_and_defaults() {
        let o = options("mysql://[::1]/");
        assert_eq!(o.opts.ip_or_hostname(), "::1");
        assert_eq!(o.address, "[::1]:3306");
        assert_eq!(o.opts.user(), Some("root"));
        assert_eq!(o.opts.db_name(), None);
    }

    #[test]
    fn ssl_modes() {
        let o = options("mysql://root@h/db?ssl-mode=VERIFY_IDENTITY&ssl-ca=/tmp/ca.crt");
        let ssl = o.opts.ssl_opts().expect("TLS");
        assert!(!ssl.accept_invalid_certs() && !ssl.skip_domain_validation());
        assert_eq!(ssl.root_certs().len(), 1);
        assert!(o.plain.is_none());
        let o = options("mysql://root@h/db?ssl-mode=verify_ca");
        let ssl = o.opts.ssl_opts().expect("TLS");
        assert!(!ssl.accept_invalid_certs() && ssl.skip_domain_validation());
        let o = options("mysql://root@h/db?ssl-mode=DISABLED");
        assert!(o.opts.ssl_opts().is_none() && o.plain.is_none());
    }

    #[test]
    fn unknown_parameters_and_bad_values_are_refused() {
        let e = parse("mysql://h/db?pool=3").err().unwrap();
        assert!(e.contains("'pool'") && e.contains("ssl-mode"), "{e}");
        assert!(parse("mysql://h/db?ssl-mode=ON").is_err());
        assert!(parse("mysql://h/db?charset=utf8;DROP").is_err());
        assert!(parse("mysql://h/db?ssl-cert=/a").is_err());
    }

    #[test]
    fn charset_and_time_zone_are_set_after_connecting() {
        let o = options("mysql://h/db?charset=latin1&timezone=%2B00:00");
        assert_eq!(
            o.setup,
            vec!["SET NAMES latin1", "SET time_zone = '+00:00'"]
        );
    }
}
