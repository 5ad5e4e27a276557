//! ZeroMQ transport: read the connection file, bind the five sockets.
//!
//! Shell, control and stdin are ROUTER sockets (split into send and receive halves so one task
//! can read while others reply), IOPub is PUB, heartbeat is REP. Everything is bound before any
//! slow setup, so Jupyter's port and heartbeat checks pass at once.

pub mod connection_file;

pub use connection_file::ConnectionInfo;

use zeromq::{PubSocket, RepSocket, RouterSocket, Socket};

/// The five bound sockets.
pub struct Sockets {
    pub shell: RouterSocket,
    pub control: RouterSocket,
    pub stdin: RouterSocket,
    pub iopub: PubSocket,
    pub heartbeat: RepSocket,
}

#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error("cannot bind the {channel} socket to {endpoint}: {source}")]
    Bind {
        channel: &'static str,
        endpoint: String,
        source: zeromq::ZmqError,
    },
}

impl Sockets {
    pub async fn bind(info: &ConnectionInfo) -> Result<Sockets, TransportError> {
        async fn bind<S: Socket>(
            mut socket: S,
            channel: &'static str,
            endpoint: String,
        ) -> Result<S, TransportError> {
            socket
                .bind(&endpoint)
                .await
                .map_err(|source| TransportError::Bind {
                    channel,
                    endpoint,
                    source,
                })?;
            Ok(socket)
        }
        Ok(Sockets {
            shell: bind(RouterSocket::new(), "shell", info.endpoint(info.shell_port)).await?,
            control: bind(
                RouterSocket::new(),
                "control",
                info.endpoint(info.control_port),
            )
            .await?,
            stdin: bind(RouterSocket::new(), "stdin", info.endpoint(info.stdin_port)).await?,
            iopub: bind(PubSocket::new(), "iopub", info.endpoint(info.iopub_port)).await?,
            heartbeat: bind(RepSocket::new(), "heartbeat", info.endpoint(info.hb_port)).await?,
        })
    }
}
