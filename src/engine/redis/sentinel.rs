//! `redis+sentinel://`: the master's address is asked of the sentinels at every (re)connect
//! (the driver's `Sentinel`, which also checks the node's `ROLE`), so after a failover the next
//! connection reaches the new master.

use redis::sentinel::{Sentinel, SentinelNodeConnectionInfo};
use redis::{ConnectionAddr, ConnectionInfo, RedisError, TlsMode};

use super::connect::Target;
use super::topology::with_certs;

/// The connection info of the master `service` names now, with the URL's credentials, database,
/// protocol and TLS files.
pub async fn master_info(
    target: &Target,
    sentinels: &[ConnectionInfo],
    service: &str,
) -> Result<ConnectionInfo, RedisError> {
    let mut sentinel = Sentinel::build(sentinels.to_vec())?;
    let tls = matches!(target.info.addr(), ConnectionAddr::TcpTls { .. });
    let mut node = SentinelNodeConnectionInfo::default()
        .set_redis_connection_info(target.info.redis_settings().clone());
    if tls {
        node = node.set_tls_mode(TlsMode::Secure);
    }
    let client = sentinel.async_master_for(service, Some(&node)).await?;
    Ok(with_certs(
        client.get_connection_info().clone(),
        target.certs.as_ref(),
    ))
}
