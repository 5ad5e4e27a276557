//! Connections of a `%%redis` connection name: one pinned session plus short-lived helpers.
//!
//! The session is a dedicated multiplexed connection (never shared with other names or cells'
//! background work), so `SELECT`, `MULTI` and `WATCH` persist between cells. The driver's 500 ms
//! default response timeout is switched off (it would break `BLPOP` and slow scripts); the engine
//! bounds blocking work itself and interrupts it on the server (`CLIENT UNBLOCK`, `SCRIPT KILL`,
//! `CLIENT KILL`) through a *side* connection, because the blocked one cannot send anything.

use std::time::Duration;

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster_async::ClusterConnection;
use redis::{
    AsyncConnectionConfig, Client, Cmd, ConnectionAddr, ConnectionInfo, ProtocolVersion,
    RedisError, RedisResult, TlsCertificates, Value,
};

use super::double::DoubleStyle;
use super::topology::{self, Topology};
use crate::engine::EngineError;
use crate::engine::registry::mask_password;

/// Bound for the side connection (to a server the session already reached) and its own
/// requests (`CLIENT UNBLOCK`...), which never block: the stop button must not wait long.
const SIDE_TIMEOUT: Duration = Duration::from_secs(2);

/// Where to connect, parsed once from the URL.
#[derive(Clone)]
pub struct Target {
    /// The server (direct), the first seed node (cluster) or the master's template: its
    /// credentials, database and protocol, with its address filled in at connect (sentinel).
    pub info: ConnectionInfo,
    pub topology: Topology,
    /// CA and client certificates from the URL's `cacert=`/`cert=`/`key=` files.
    pub certs: Option<TlsCertificates>,
    /// The URL with its password masked, for `%connections` and messages.
    pub description: String,
    /// How long connecting (TCP, TLS, AUTH, SELECT, CLIENT ID) may take: `%config
    /// connect_timeout`, used again for every reconnect.
    pub connect_timeout: Duration,
}

impl Target {
    /// Parses `redis://[user:pass@]host:port/db`, `rediss://...`, `redis+unix:///path?db=N`,
    /// `redis+cluster://h:p,h:p`, `redis+sentinel://h:p/service/db`, with `?protocol=resp3` to
    /// speak RESP3 (see [`topology`]).
    pub fn parse(url: &str) -> Result<Target, EngineError> {
        let description = mask_password(url);
        let parsed = topology::parse(url, &description)?;
        Ok(Target {
            info: parsed.info,
            topology: parsed.topology,
            certs: parsed.certs,
            description,
            connect_timeout: crate::engine::registry::DEFAULT_CONNECT_TIMEOUT,
        })
    }

    /// The same target with another connect timeout.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Target {
        self.connect_timeout = timeout;
        self
    }

    /// A short name of the server address for messages (`127.0.0.1:6379`, a socket path,
    /// `cluster 127.0.0.1:7000,…`, `sentinel service at 127.0.0.1:26379`).
    pub fn address(&self) -> String {
        match &self.topology {
            Topology::Direct => address_of(&self.info),
            Topology::Cluster { nodes } => format!(
                "cluster {}",
                nodes.iter().map(address_of).collect::<Vec<_>>().join(",")
            ),
            Topology::Sentinel { sentinels, service } => format!(
                "the master '{service}' of sentinel {}",
                sentinels
                    .iter()
                    .map(address_of)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
    }

    /// The connection info of the one server a side or streaming connection talks to: the
    /// server itself, a cluster's first seed node, or the master the sentinels name now.
    pub async fn node_info(&self) -> Result<ConnectionInfo, RedisError> {
        match &self.topology {
            Topology::Sentinel { sentinels, service } => {
                super::sentinel::master_info(self, sentinels, service).await
            }
            _ => Ok(self.info.clone()),
        }
    }
}

/// `host:port` (with ` (TLS)`) or the socket path of one node.
pub fn address_of(info: &ConnectionInfo) -> String {
    {
        match info.addr() {
            ConnectionAddr::Tcp(host, port) => format!("{host}:{port}"),
            ConnectionAddr::TcpTls { host, port, .. } => format!("{host}:{port} (TLS)"),
            ConnectionAddr::Unix(path) => path.display().to_string(),
            other => format!("{other:?}"),
        }
    }
}

/// The session's connection: one server's, or a cluster's (which routes each command to the
/// node owning its keys' slot and follows MOVED/ASK itself).
#[derive(Clone)]
pub enum SessionConn {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl SessionConn {
    pub async fn send(&mut self, command: &Cmd) -> RedisResult<Value> {
        match self {
            SessionConn::Single(conn) => conn.send_packed_command(command).await,
            SessionConn::Cluster(conn) => conn.req_packed_command(command).await,
        }
    }

    pub fn is_cluster(&self) -> bool {
        matches!(self, SessionConn::Cluster(_))
    }
}

/// The pinned session and what the engine tracks about its server-side state.
pub struct Session {
    pub conn: SessionConn,
    /// `CLIENT ID` of the session, used to unblock or kill it from a side connection.
    pub client_id: Option<i64>,
    /// The database `SELECT`ed now (re-selected after a reconnect).
    pub db: i64,
    /// Inside `MULTI`: commands are queued, nothing blocks; a reconnect would lose the transaction.
    pub in_multi: bool,
    /// Commands queued since `MULTI`.
    pub queued: usize,
    /// A command was refused while queueing: `EXEC` will abort (`EXECABORT`).
    pub queue_refused: bool,
    /// A `WATCH` is in effect: the next `EXEC` aborts if a watched key changed.
    pub watching: bool,
    pub protocol: ProtocolVersion,
    /// How the server writes RESP3 doubles (by its version), to show them as redis-cli does.
    pub double_style: DoubleStyle,
    /// A client for this session's settings (same server, credentials, db, protocol), for side
    /// and streaming connections.
    pub client: Client,
    /// The server reached (`host:port`): for a sentinel target, the master named at connect.
    pub server: String,
}

impl Session {
    /// The transaction state the next cell inherits, for `%connections` and the shutdown
    /// message: `MULTI open, 3 commands queued — EXEC or DISCARD`; `None` when nothing is open.
    pub fn open_state(&self) -> Option<String> {
        if self.in_multi {
            let plural = if self.queued == 1 { "" } else { "s" };
            let mut text = format!("MULTI open, {} command{plural} queued", self.queued);
            if self.watching {
                text.push_str(", WATCH in effect");
            }
            if self.queue_refused {
                text.push_str(", a queued command was refused so EXEC will abort");
            }
            text.push_str(" — EXEC or DISCARD");
            return Some(text);
        }
        self.watching
            .then(|| "WATCH in effect — the next EXEC aborts if a watched key changes; UNWATCH to drop it".to_string())
    }

    /// The line shown under a result of this connection while state is open, marked like
    /// redis-cli's prompt (`(TX)`).
    pub fn footer_note(&self) -> Option<String> {
        let state = self.open_state()?;
        let mark = if self.in_multi { "(TX)" } else { "(WATCH)" };
        Some(format!("{mark} {state}"))
    }
}

fn session_client(
    node: &ConnectionInfo,
    db: i64,
    protocol: ProtocolVersion,
) -> Result<Client, RedisError> {
    let settings = node
        .redis_settings()
        .clone()
        .set_db(db)
        .set_protocol(protocol);
    Client::open(node.clone().set_redis_settings(settings))
}

/// Opens the session (the URL's database and protocol unless told otherwise), all of it
/// (asking the sentinels, connect, handshake, authentication, `CLIENT ID`) within the target's
/// connect timeout: a listener that accepts and never answers must not hang the cell.
pub async fn connect(
    target: &Target,
    db: Option<i64>,
    protocol: Option<ProtocolVersion>,
) -> Result<Session, RedisError> {
    let db = db.unwrap_or(target.info.redis_settings().db());
    let protocol = protocol.unwrap_or(target.info.redis_settings().protocol());
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(target.connect_timeout))
        .set_response_timeout(None);
    let handshake = async {
        let node = target.node_info().await?;
        let client = session_client(&node, db, protocol)?;
        let (mut conn, client_id) = match &target.topology {
            // A cluster session has one connection per node: no single CLIENT ID to unblock, so
            // the stop button reopens it instead.
            Topology::Cluster { nodes } => (
                SessionConn::Cluster(super::cluster::connect(target, nodes, protocol).await?),
                None,
            ),
            _ => {
                let mut conn = client
                    .get_multiplexed_async_connection_with_config(&config)
                    .await?;
                // Without CLIENT ID (an ACL may forbid it) blocking commands are stopped by
                // reconnecting.
                let client_id = match conn
                    .send_packed_command(redis::cmd("CLIENT").arg("ID"))
                    .await
                {
                    Ok(Value::Int(id)) => Some(id),
                    _ => None,
                };
                (SessionConn::Single(conn), client_id)
            }
        };
        // Doubles only arrive as such in RESP3; `HELLO` without arguments reports the version
        // without changing anything.
        let double_style = if protocol == ProtocolVersion::RESP3 {
            server_version(&mut conn)
                .await
                .map(|v| DoubleStyle::for_version(&v))
                .unwrap_or_default()
        } else {
            DoubleStyle::default()
        };
        Ok::<_, RedisError>((client, conn, client_id, double_style, address_of(&node)))
    };
    let (client, conn, client_id, double_style, server) =
        tokio::time::timeout(target.connect_timeout, handshake)
            .await
            .map_err(|_| {
                RedisError::from(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    "no answer",
                ))
            })??;
    Ok(Session {
        conn,
        client_id,
        db,
        in_multi: false,
        queued: 0,
        queue_refused: false,
        watching: false,
        protocol,
        double_style,
        client,
        server,
    })
}

/// The server's version from `HELLO`'s map (`None` when it does not say).
async fn server_version(conn: &mut SessionConn) -> Option<String> {
    let Ok(Value::Map(pairs)) = conn.send(&redis::cmd("HELLO")).await else {
        return None;
    };
    pairs
        .into_iter()
        .find_map(|(key, value)| match (key, value) {
            (Value::BulkString(k), Value::BulkString(v)) if k == b"version" => {
                String::from_utf8(v).ok()
            }
            _ => None,
        })
}

/// Opens a short-lived helper connection to the same server for `CLIENT UNBLOCK` and friends.
pub async fn side_connection(client: &Client) -> Result<MultiplexedConnection, RedisError> {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(SIDE_TIMEOUT))
        .set_response_timeout(Some(SIDE_TIMEOUT));
    client
        .get_multiplexed_async_connection_with_config(&config)
        .await
}

/// Sends one helper command on a fresh side connection; its reply, or `None` when it failed.
pub async fn side_command(client: &Client, command: &redis::Cmd) -> Option<Value> {
    let mut side = side_connection(client).await.ok()?;
    side.send_packed_command(command).await.ok()
}

/// The user-facing error for a failed connection attempt: which host, what happened, in words
/// (never the password: the driver's messages do not carry it, and the URL is masked).
pub fn connect_error(target: &Target, error: &RedisError) -> EngineError {
    let address = target.address();
    let secs = target.connect_timeout.as_secs_f64();
    let message = if error.is_timeout() {
        format!("Redis at {address} did not answer within {secs} s")
    } else if error.is_connection_refusal() {
        format!(
            "cannot connect to Redis at {address}: connection refused — is redis-server running?"
        )
    } else if is_authentication_failure(error) {
        // The driver keeps the server's WRONGPASS text to itself; it never holds the password.
        format!(
            "Redis at {address} refused the credentials: {}",
            error.detail().unwrap_or("password authentication failed")
        )
    } else {
        format!("cannot connect to Redis at {address}: {error}")
    };
    let mut result = EngineError::new("RedisConnectionError", message)
        .with_detail(format!("connection URL: {}", target.description));
    if error.is_timeout() {
        result = result.with_detail(
            "raise the limit with %config connect_timeout = SECONDS, or check the host and port",
        );
    }
    if is_authentication_failure(error) {
        return result.with_detail("check the user name and password in the URL (redis://user:password@host:port; the default user has no name: redis://:password@host:port)");
    }
    result.with_detail("check that the server runs and the URL is right; change it with %connect NAME redis://host:port or the REDIS_URL environment variable")
}

fn is_authentication_failure(error: &RedisError) -> bool {
    matches!(error.kind(), redis::ErrorKind::AuthenticationFailed)
        || error
            .code()
            .is_some_and(|c| c == "WRONGPASS" || c == "NOAUTH")
}

/// Does this error mean nothing answered at the address (so a private server may stand in)?
pub fn is_unreachable(error: &RedisError) -> bool {
    error.is_connection_refusal() || error.is_timeout() || error.is_io_error()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_parse_with_db_user_and_password_masked() {
        let t = Target::parse("redis://alice:s3cret@localhost:6380/2").unwrap();
        assert_eq!(t.description, "redis://alice:****@localhost:6380/2");
        assert_eq!(t.info.redis_settings().db(), 2);
        assert_eq!(t.info.redis_settings().username(), Some("alice"));
        assert_eq!(t.info.redis_settings().password(), Some("s3cret"));
        assert_eq!(t.address(), "localhost:6380");
    }

    #[test]
    fn unix_sockets_and_resp3_parse() {
        let t = Target::parse("redis+unix:///tmp/redis.sock?db=3").unwrap();
        assert_eq!(t.info.redis_settings().db(), 3);
        assert_eq!(t.address(), "/tmp/redis.sock");
        let t = Target::parse("redis://127.0.0.1/?protocol=resp3").unwrap();
        assert_eq!(t.info.redis_settings().protocol(), ProtocolVersion::RESP3);
        assert!(
            Target::parse("rediss://example.com:6380")
                .unwrap()
                .address()
                .contains("TLS")
        );
    }

    #[test]
    fn bad_urls_say_what_is_expected_without_the_password() {
        let e = Target::parse("redis://u:pw@host:notaport").err().unwrap();
        assert!(!e.evalue.contains("pw@"), "{}", e.evalue);
        assert!(
            e.detail
                .iter()
                .any(|d| d.contains("redis://[user:password@]host"))
        );
    }
}
