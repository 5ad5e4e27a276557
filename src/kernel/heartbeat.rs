//! Heartbeat: echo every request on the REP socket, on its own task, so Jupyter sees the kernel
//! alive even while a long query runs.

use zeromq::{RepSocket, SocketRecv, SocketSend};

pub fn start(mut socket: RepSocket) {
    tokio::spawn(async move {
        loop {
            match socket.recv().await {
                Ok(message) => {
                    if let Err(e) = socket.send(message).await {
                        log::warn!("heartbeat echo failed: {e}");
                    }
                }
                Err(e) => {
                    log::debug!("heartbeat receive failed: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        }
    });
}
