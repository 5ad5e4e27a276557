//! Opening a MongoDB connection and saying plainly what went wrong with one.
//!
//! The driver connects lazily: `Client::with_uri_str` succeeds for a port nothing listens on,
//! and the first query then waits for server selection (30 s by default) and fails with a
//! paragraph of topology description. So `open` asks the server `hello` at once, bounded by
//! `%config connect_timeout` (which also becomes the driver's connect and server selection
//! timeouts, so a server that goes away later fails a cell in that time too), and reads the
//! server's write limits from the reply for batch splitting. Driver errors become one line
//! that says what failed and where, with the kind, host and server code as detail lines.

use std::time::Duration;

use bson::doc;
use mongodb::Client;
use mongodb::error::{Error, ErrorKind};
use mongodb::options::ClientOptions;

use crate::engine::EngineError;
use crate::engine::registry::{OpenOptions, mask_password};

/// A connected client and what its server told us.
pub struct Connected {
    pub client: Client,
    pub limits: mongosh::WriteLimits,
    /// `host:port` of every seed, for messages.
    pub hosts: Vec<String>,
}

/// Parses `uri`, connects and checks that a MongoDB server answers within the connect timeout.
/// `shown` is the URL as the user may see it (password masked).
pub async fn connect(uri: &str, shown: &str, open: &OpenOptions) -> Result<Connected, EngineError> {
    let timeout = open.connect_timeout;
    let mut options = ClientOptions::parse(uri).await.map_err(|e| {
        EngineError::new(
            "MongoConnectionError",
            format!("cannot use the MongoDB URI {shown}: {}", one_line(&e)),
        )
        .with_detail(
            "expected mongodb://[user:password@]host[:port][/db][?options] or mongodb+srv://...",
        )
    })?;
    let hosts: Vec<String> = options.hosts.iter().map(|h| h.to_string()).collect();
    options.connect_timeout = Some(options.connect_timeout.unwrap_or(timeout).min(timeout));
    let selection = options
        .server_selection_timeout
        .unwrap_or(timeout)
        .min(timeout);
    options.server_selection_timeout = Some(selection);
    let asked = Asked {
        replica_set: options.repl_set_name.clone(),
        tls: matches!(options.tls, Some(mongodb::options::Tls::Enabled(_))),
    };
    if options.app_name.is_none() {
        options.app_name = Some("dbkernel".into());
    }
    let client = Client::with_options(options).map_err(|e| {
        EngineError::new(
            "MongoConnectionError",
            format!("cannot use the MongoDB URI {shown}: {}", one_line(&e)),
        )
    })?;
    // Server selection is bounded by the same timeout; the outer bound is a backstop for a
    // driver step that is not (a TLS handshake that never completes).
    let admin = client.database("admin");
    let hello = admin.run_command(doc! { "hello": 1 });
    let reply = match tokio::time::timeout(timeout + Duration::from_secs(1), hello).await {
        Ok(Ok(reply)) => reply,
        Ok(Err(e)) => return Err(unreachable(&hosts, shown, selection, &e, &asked)),
        Err(_) => {
            return Err(unreachable_because(
                &hosts,
                shown,
                timeout,
                &asked.explain("no answer to the MongoDB handshake".into()),
            ));
        }
    };
    Ok(Connected {
        client,
        limits: mongosh::WriteLimits::from_hello(&reply),
        hosts,
    })
}

fn seconds(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs.fract() == 0.0 {
        format!("{secs:.0} s")
    } else {
        format!("{secs} s")
    }
}

/// What the URL asked of the deployment, to say why no server could be selected.
struct Asked {
    replica_set: Option<String>,
    tls: bool,
}

impl Asked {
    /// `why`, with the URL's deployment options that explain it: a replica set name no reachable
    /// server reports (the driver drops a standalone from a replica-set topology), or TLS to a
    /// server that never answers a TLS handshake.
    fn explain(&self, why: String) -> String {
        if let Some(set) = &self.replica_set
            && why.contains("no answer")
        {
            return format!(
                "no member of replica set '{set}' answered: the server there is not in that set (a standalone, or another set); remove replicaSet= from the URL, or use the set name its hello reports (setName)"
            );
        }
        if self.tls && why.contains("no answer") {
            return format!(
                "{why}; the URL asks for TLS (tls=true, or mongodb+srv:// where TLS is the default): a server without TLS never answers a TLS handshake — add tls=false for such a server"
            );
        }
        why
    }
}

/// The error for a server that did not answer `hello` in time (or refused to).
fn unreachable(
    hosts: &[String],
    shown: &str,
    timeout: Duration,
    error: &Error,
    asked: &Asked,
) -> EngineError {
    if let ErrorKind::Authentication { message, .. } = error.kind.as_ref() {
        return EngineError::new(
            "MongoServerError[AuthenticationFailed]",
            format!(
                "MongoDB at {} refused the credentials: {}",
                hosts.join(", "),
                mask_password(message)
            ),
        )
        .with_detail(format!("connection URL: {shown}"))
        .with_detail("check the user name, password and authSource in the URL");
    }
    if let ErrorKind::Command(command) = error.kind.as_ref() {
        // The server answered, but not `hello` (an old server or a proxy): it was reached.
        return EngineError::new(
            "MongoConnectionError",
            format!(
                "MongoDB at {} answered the handshake with an error: {}",
                hosts.join(", "),
                command.message
            ),
        )
        .with_detail(format!("code: {} ({})", command.code, command.code_name));
    }
    let mut result = unreachable_because(hosts, shown, timeout, &asked.explain(cause(error)));
    result = result.with_detail(format!("driver: {}", kind_name(error)));
    result
}

fn unreachable_because(hosts: &[String], shown: &str, timeout: Duration, why: &str) -> EngineError {
    let hint = if why.contains("refused") {
        " — is mongod running?"
    } else {
        ""
    };
    EngineError::new(
        "MongoConnectionError",
        format!(
            "could not reach MongoDB at {} within {}: {why}{hint}",
            hosts.join(", "),
            seconds(timeout)
        ),
    )
    .with_detail(format!("connection URL: {shown}"))
    .with_detail(if why.contains("refused") {
        "nothing listens there: check the host and port, and start the server"
    } else {
        "raise the limit with %config connect_timeout = SECONDS, or check the host, port and that the server runs"
    })
}

/// What went wrong underneath a server selection failure, in a few words.
fn cause(error: &Error) -> String {
    let text = match error.kind.as_ref() {
        ErrorKind::ServerSelection { message, .. } => message.clone(),
        other => other.to_string(),
    };
    let lower = text.to_ascii_lowercase();
    if lower.contains("connection refused") {
        "connection refused".into()
    } else if lower.contains("dns")
        || lower.contains("failed to lookup")
        || lower.contains("name or service not known")
    {
        "the host name could not be resolved".into()
    } else if lower.contains("timed out") || lower.contains("deadline") {
        "the connection attempt timed out".into()
    } else if lower.contains("reset by peer")
        || lower.contains("unexpected end of file")
        || lower.contains("broken pipe")
    {
        "the server closed the connection during the handshake (is it a MongoDB server? does it need TLS?)".into()
    } else if lower.contains("tls") || lower.contains("certificate") {
        format!("TLS failed: {}", inner_error(&text).unwrap_or(&text))
    } else if let ErrorKind::ServerSelection { .. } = error.kind.as_ref() {
        match inner_error(&text) {
            Some(inner) => inner.to_string(),
            None => "no answer to the MongoDB handshake (something accepted the connection but never replied)".into(),
        }
    } else {
        one_line(error)
    }
}

/// The first server's `Error: ...` inside a topology description.
fn inner_error(text: &str) -> Option<&str> {
    let start = text.find("Error: ")? + "Error: ".len();
    let rest = &text[start..];
    let rest = rest.strip_prefix("Kind: ").unwrap_or(rest);
    let end = rest
        .find(", labels")
        .or_else(|| rest.find(" }"))
        .unwrap_or(rest.len());
    Some(rest[..end].trim())
}

/// The driver's error kind, named for a detail line.
pub fn kind_name(error: &Error) -> &'static str {
    match error.kind.as_ref() {
        ErrorKind::InvalidArgument { .. } => "invalid argument",
        ErrorKind::Authentication { .. } => "authentication",
        ErrorKind::BsonDeserialization(_)
        | ErrorKind::BsonSerialization(_)
        | ErrorKind::Bson(_) => "BSON",
        ErrorKind::Command(_) => "server command error",
        ErrorKind::DnsResolve { .. } => "DNS resolution",
        ErrorKind::Internal { .. } => "driver internal error",
        ErrorKind::Io(_) => "network I/O",
        ErrorKind::ConnectionPoolCleared { .. } => "connection pool cleared",
        ErrorKind::InvalidResponse { .. } => "invalid server reply",
        ErrorKind::ServerSelection { .. } => "server selection",
        ErrorKind::InvalidTlsConfig { .. } => "TLS configuration",
        ErrorKind::Write(_) => "write",
        ErrorKind::Transaction { .. } => "transaction",
        ErrorKind::IncompatibleServer { .. } => "incompatible server",
        ErrorKind::Shutdown => "client shut down",
        _ => "other",
    }
}

/// The driver's message without its `Kind: ..., labels: {...}` wrapping.
pub fn one_line(error: &Error) -> String {
    let text = error.kind.to_string();
    text.lines().next().unwrap_or_default().trim().to_string()
}

/// A driver error from a running cell as the user should read it: a name, one line that says
/// what failed, and detail lines with the driver's kind, the host and the server's code.
pub fn driver_error(error: &Error, hosts: &[String], timeout: Duration) -> EngineError {
    let host = hosts.join(", ");
    let (name, message, hint) = match error.kind.as_ref() {
        ErrorKind::InvalidArgument { message, .. } => (
            "MongoInvalidArgumentError",
            message.clone(),
            "the command was not sent",
        ),
        ErrorKind::ServerSelection { .. } => (
            "MongoServerSelectionError",
            format!(
                "could not reach MongoDB at {host} within {}: {}",
                seconds(timeout),
                cause(error)
            ),
            "the server may have stopped; the next cell tries again (%config connect_timeout = SECONDS sets the wait)",
        ),
        ErrorKind::Io(io) => (
            "MongoNetworkError",
            format!("the connection to MongoDB at {host} failed: {io}"),
            "the command may or may not have run on the server; the next cell reconnects",
        ),
        ErrorKind::ConnectionPoolCleared { message, .. } => (
            "MongoNetworkError",
            format!(
                "the connection to MongoDB at {host} was reset: {}",
                message.lines().next().unwrap_or_default()
            ),
            "the next cell reconnects",
        ),
        ErrorKind::Authentication { message, .. } => (
            "MongoServerError[AuthenticationFailed]",
            mask_password(message),
            "check the user name, password and authSource in the URL",
        ),
        ErrorKind::InvalidResponse { message, .. } => (
            "MongoNetworkError",
            format!("MongoDB at {host} sent a reply the driver could not read: {message}"),
            "",
        ),
        _ => ("MongoDriverError", one_line(error), ""),
    };
    let mut result =
        EngineError::new(name, message).with_detail(format!("driver: {}", kind_name(error)));
    if !host.is_empty() {
        result = result.with_detail(format!("server: {host}"));
    }
    if let ErrorKind::Command(command) = error.kind.as_ref() {
        result = result.with_detail(
            format!("code: {} {}", command.code, command.code_name)
                .trim_end()
                .to_string(),
        );
    }
    let labels: Vec<&String> = error.labels().iter().collect();
    if !labels.is_empty() {
        result = result.with_detail(format!(
            "labels: {}",
            labels
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !hint.is_empty() {
        result = result.with_detail(hint);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_inner_error_of_a_topology_description_is_found() {
        let text = "Server selection timeout: No available servers. Topology: { Type: Unknown, Servers: [ { Address: 127.0.0.1:1, Type: Unknown, Error: Kind: I/O error: Connection refused (os error 111), labels: {} } ] }";
        assert_eq!(
            inner_error(text),
            Some("I/O error: Connection refused (os error 111)")
        );
        assert_eq!(
            inner_error(
                "Server selection timeout: No available servers. Topology: { Type: Unknown, Servers: [ { Address: 127.0.0.1:5, Type: Unknown } ] }"
            ),
            None
        );
    }

    #[test]
    fn timeouts_print_in_whole_seconds_when_they_are() {
        assert_eq!(seconds(Duration::from_secs(10)), "10 s");
        assert_eq!(seconds(Duration::from_millis(1500)), "1.5 s");
    }
}
