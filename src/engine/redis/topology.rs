//! Where a `%%redis` connection name reaches: one server, the master a Sentinel group watches,
//! or a Redis Cluster — read from the URL's scheme, with TLS files (`cacert`, `cert`, `key`,
//! named after redis-cli's `--cacert/--cert/--key`) taken from its query.
//!
//! The driver parses every node's own URL; this module only splits the forms the driver has no
//! URL for (`redis+cluster://h1:p1,h2:p2`, `redis+sentinel://h1:p1/service/db`) into those URLs
//! and loads the certificate files once, so a missing file is a message before any connection.

use redis::{ConnectionInfo, IntoConnectionInfo, TlsCertificates};

use crate::engine::EngineError;

/// The URL forms, for messages.
pub const FORMS: &str = "expected redis://[user:password@]host[:port][/db][?protocol=resp3], rediss://...[?cacert=ca.pem&cert=client.pem&key=client.key] for TLS, redis+unix:///path/to/socket?db=N, redis+cluster://[user:password@]host:port[,host:port...] (rediss+cluster:// for TLS) or redis+sentinel://[user:password@]host:port[,host:port...]/SERVICE[/db]";

/// The shape of the deployment behind a connection name.
#[derive(Clone, Debug)]
pub enum Topology {
    /// One server (or a Unix socket): the URL's own address.
    Direct,
    /// A Redis Cluster reached through these seed nodes; the driver follows MOVED/ASK.
    Cluster { nodes: Vec<ConnectionInfo> },
    /// The master of `service`, asked of these sentinels at every (re)connect.
    Sentinel {
        sentinels: Vec<ConnectionInfo>,
        service: String,
    },
}

/// A parsed URL: the template node (credentials, db, protocol, TLS), the topology and the
/// certificates loaded from the query's files.
pub struct Parsed {
    pub info: ConnectionInfo,
    pub topology: Topology,
    pub certs: Option<TlsCertificates>,
}

/// Parses any of the [`FORMS`]; `description` is the masked URL for messages.
pub fn parse(url: &str, description: &str) -> Result<Parsed, EngineError> {
    let (url, files) = take_tls_files(url);
    let bad = |why: &str| {
        EngineError::usage(format!("cannot use the Redis URL '{description}': {why}"))
            .with_detail(FORMS)
    };
    let tls = url.starts_with("rediss://") || url.starts_with("rediss+");
    if !files.is_empty() && !tls {
        return Err(bad(
            "cacert, cert and key are TLS settings: use rediss:// (or rediss+cluster://)",
        ));
    }
    let certs = load_certs(&files, description)?;
    if let Some((tls, rest)) = split_scheme(&url, "cluster") {
        let (authority, path_query) = split_authority(rest);
        let (userinfo, hosts) = split_userinfo(authority);
        let query = path_query.find('?').map(|i| &path_query[i..]).unwrap_or("");
        let path = path_query.split('?').next().unwrap_or("");
        if !matches!(path, "" | "/" | "/0") {
            return Err(bad(
                "a Redis Cluster has only database 0, so the URL takes no /db",
            ));
        }
        let nodes = node_urls(tls, userinfo, hosts, "/0", query)
            .into_iter()
            .map(|u| u.into_connection_info())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.detail().unwrap_or("invalid node address")))?;
        if nodes.is_empty() {
            return Err(bad("name at least one cluster node: host:port"));
        }
        let info = with_certs(nodes[0].clone(), certs.as_ref());
        return Ok(Parsed {
            info,
            topology: Topology::Cluster { nodes },
            certs,
        });
    }
    if let Some((tls, rest)) = split_scheme(&url, "sentinel") {
        let (authority, path_query) = split_authority(rest);
        let (userinfo, hosts) = split_userinfo(authority);
        let query = path_query.find('?').map(|i| &path_query[i..]).unwrap_or("");
        let path = path_query.split('?').next().unwrap_or("");
        let mut parts = path.trim_start_matches('/').split('/');
        let service = parts.next().unwrap_or("").to_string();
        let db = parts.next().filter(|d| !d.is_empty()).unwrap_or("0");
        if service.is_empty() {
            return Err(bad(
                "name the master's service after the sentinels: redis+sentinel://host:26379/mymaster",
            ));
        }
        if db.parse::<i64>().is_err() {
            return Err(bad(&format!("'{db}' is not a database number")));
        }
        // Sentinels speak plain RESP without the master's credentials or database.
        let sentinels = node_urls(tls, None, hosts, "", "")
            .into_iter()
            .map(|u| u.into_connection_info())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.detail().unwrap_or("invalid sentinel address")))?;
        if sentinels.is_empty() {
            return Err(bad("name at least one sentinel: host:port"));
        }
        // The master's template: its address is filled in from the sentinels at connect time.
        let template = node_urls(tls, userinfo, hosts, &format!("/{db}"), query)
            .remove(0)
            .into_connection_info()
            .map_err(|e| bad(e.detail().unwrap_or("invalid URL")))?;
        return Ok(Parsed {
            info: template,
            topology: Topology::Sentinel { sentinels, service },
            certs,
        });
    }
    let info = url
        .as_str()
        .into_connection_info()
        .map_err(|e| bad(e.detail().unwrap_or("invalid URL")))?;
    Ok(Parsed {
        info: with_certs(info, certs.as_ref()),
        topology: Topology::Direct,
        certs,
    })
}

/// The node's connection info carrying the certificates (the driver keeps them inside the
/// address, so every later client made from it verifies against the same CA).
pub fn with_certs(info: ConnectionInfo, certs: Option<&TlsCertificates>) -> ConnectionInfo {
    let Some(certs) = certs else { return info };
    match redis::Client::build_with_tls(info.clone(), certs.clone()) {
        Ok(client) => client.get_connection_info().clone(),
        Err(_) => info,
    }
}

/// `redis+cluster://` / `rediss+cluster://` (and sentinel): whether TLS, and what follows `://`.
fn split_scheme<'a>(url: &'a str, kind: &str) -> Option<(bool, &'a str)> {
    for (scheme, tls) in [("redis", false), ("rediss", true)] {
        if let Some(rest) = url.strip_prefix(&format!("{scheme}+{kind}://")) {
            return Some((tls, rest));
        }
    }
    None
}

fn split_authority(rest: &str) -> (&str, &str) {
    match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    }
}

fn split_userinfo(authority: &str) -> (Option<&str>, &str) {
    match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    }
}

/// One plain driver URL per `host:port` of a comma-separated list.
fn node_urls(
    tls: bool,
    userinfo: Option<&str>,
    hosts: &str,
    path: &str,
    query: &str,
) -> Vec<String> {
    let scheme = if tls { "rediss" } else { "redis" };
    let user = userinfo.map(|u| format!("{u}@")).unwrap_or_default();
    hosts
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|host| format!("{scheme}://{user}{host}{path}{query}"))
        .collect()
}

/// Removes `cacert=`, `cert=`, `key=` from the query (the driver would not know them).
fn take_tls_files(url: &str) -> (String, Vec<(String, String)>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), Vec::new());
    };
    let (fragment, query) = match query.split_once('#') {
        Some((q, f)) => (format!("#{f}"), q),
        None => (String::new(), query),
    };
    let mut files = Vec::new();
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some((name @ ("cacert" | "cert" | "key"), value)) => {
                files.push((name.to_string(), value.to_string()));
            }
            _ => kept.push(pair),
        }
    }
    let mut url = base.to_string();
    if !kept.is_empty() {
        url.push('?');
        url.push_str(&kept.join("&"));
    }
    url.push_str(&fragment);
    (url, files)
}

fn load_certs(
    files: &[(String, String)],
    description: &str,
) -> Result<Option<TlsCertificates>, EngineError> {
    if files.is_empty() {
        return Ok(None);
    }
    let read = |name: &str| -> Result<Option<Vec<u8>>, EngineError> {
        let Some((_, path)) = files.iter().find(|(n, _)| n == name) else {
            return Ok(None);
        };
        std::fs::read(path).map(Some).map_err(|e| {
            EngineError::usage(format!(
                "cannot read the {name} file '{path}' of the Redis URL '{description}': {e}"
            ))
            .with_detail("cacert= is the CA that signed the server's certificate (PEM); cert= and key= are the client's own, for servers started with tls-auth-clients yes")
        })
    };
    let root_cert = read("cacert")?;
    let client_tls = match (read("cert")?, read("key")?) {
        (Some(client_cert), Some(client_key)) => Some(redis::ClientTlsConfig {
            client_cert,
            client_key,
        }),
        (None, None) => None,
        _ => {
            return Err(EngineError::usage(format!(
                "the Redis URL '{description}' names only one of cert= and key=: a client certificate needs both"
            )));
        }
    };
    Ok(Some(TlsCertificates {
        client_tls,
        root_cert,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use redis::ConnectionAddr;

    fn addrs(nodes: &[ConnectionInfo]) -> Vec<String> {
        nodes
            .iter()
            .map(|n| match n.addr() {
                ConnectionAddr::Tcp(h, p) => format!("{h}:{p}"),
                ConnectionAddr::TcpTls { host, port, .. } => format!("tls {host}:{port}"),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn cluster_urls_name_every_seed_node_with_the_credentials() {
        let p = parse(
            "redis+cluster://alice:pw@127.0.0.1:7000,127.0.0.1:7001/?protocol=resp3",
            "x",
        )
        .unwrap();
        let Topology::Cluster { nodes } = &p.topology else {
            panic!("{:?}", p.topology)
        };
        assert_eq!(addrs(nodes), ["127.0.0.1:7000", "127.0.0.1:7001"]);
        assert_eq!(nodes[1].redis_settings().username(), Some("alice"));
        assert_eq!(nodes[1].redis_settings().password(), Some("pw"));
        assert_eq!(
            nodes[1].redis_settings().protocol(),
            redis::ProtocolVersion::RESP3
        );
        let p = parse("rediss+cluster://127.0.0.1:7000", "x").unwrap();
        let Topology::Cluster { nodes } = &p.topology else {
            panic!()
        };
        assert_eq!(addrs(nodes), ["tls 127.0.0.1:7000"]);
    }

    #[test]
    fn a_cluster_has_no_database_number() {
        let e = parse("redis+cluster://127.0.0.1:7000/3", "x")
            .err()
            .unwrap();
        assert!(e.evalue.contains("only database 0"), "{}", e.evalue);
    }

    #[test]
    fn sentinel_urls_name_the_service_and_database() {
        let p = parse(
            "redis+sentinel://:pw@127.0.0.1:26379,127.0.0.1:26380/mymaster/2",
            "x",
        )
        .unwrap();
        let Topology::Sentinel { sentinels, service } = &p.topology else {
            panic!()
        };
        assert_eq!(service, "mymaster");
        assert_eq!(addrs(sentinels), ["127.0.0.1:26379", "127.0.0.1:26380"]);
        // The sentinels get no credentials; the master's template keeps them and the db.
        assert_eq!(sentinels[0].redis_settings().password(), None);
        assert_eq!(p.info.redis_settings().password(), Some("pw"));
        assert_eq!(p.info.redis_settings().db(), 2);
        let e = parse("redis+sentinel://127.0.0.1:26379", "x")
            .err()
            .unwrap();
        assert!(e.evalue.contains("service"), "{}", e.evalue);
    }

    #[test]
    fn tls_files_are_read_once_and_only_for_rediss() {
        let e = parse("redis://127.0.0.1:6379/?cacert=/nonexistent", "x")
            .err()
            .unwrap();
        assert!(e.evalue.contains("rediss://"), "{}", e.evalue);
        let e = parse("rediss://127.0.0.1:6379/?cacert=/nonexistent/ca.pem", "x")
            .err()
            .unwrap();
        assert!(e.evalue.contains("/nonexistent/ca.pem"), "{}", e.evalue);
        let (url, files) = take_tls_files("rediss://h:1/0?protocol=resp3&cacert=/a&key=/k");
        assert_eq!(url, "rediss://h:1/0?protocol=resp3");
        assert_eq!(files.len(), 2);
    }
}
