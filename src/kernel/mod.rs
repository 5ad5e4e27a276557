//! The kernel: what each Jupyter request means.
//!
//! Tasks: heartbeat (echo), IOPub publisher (one writer, ordered), shell reader (answers quick
//! requests itself, queues executes), control reader (interrupt, shutdown, kernel_info — served
//! while a cell runs), and the executor (runs cells one at a time through the session). Signals:
//! SIGINT interrupts the running cell (never kills the kernel), SIGTERM shuts down.

pub mod contain;
pub mod control;
pub mod execute;
pub mod heartbeat;
pub mod iopub;
pub mod memory;
pub mod parent;
pub mod replier;
pub mod requests;
pub mod shell;
pub mod sink;

use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};

use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::transport::{ConnectionInfo, Sockets};
use crate::wire::{Codec, Message, Signer};
use iopub::Iopub;
use replier::Replier;
use requests::history::History;

/// State shared by the kernel's tasks.
pub struct Shared {
    pub iopub: Iopub,
    pub shell: Replier,
    pub control: Replier,
    pub history: Mutex<History>,
    /// The running cell's stop button, if a cell is running.
    pub running: Mutex<Option<CancellationToken>>,
    /// Sequence number of the last execute request read from shell (for stop_on_error aborts).
    pub received_executes: AtomicU64,
    /// Fires when a shutdown was requested.
    pub shutdown: CancellationToken,
    /// Open transactions after the last cell (connection name, state), for what shutdown or
    /// restart rolls back; kept by the executor, which owns the session.
    pub open_transactions: Mutex<Vec<(String, String)>>,
    /// Fires when the executor has closed every connection after a shutdown.
    pub closed: CancellationToken,
    /// Connection names, variables and schema snapshots for completion and inspection, kept
    /// by the executor after each cell so those requests never wait for it.
    pub catalog: Arc<crate::catalog::cache::Cache>,
}

impl Shared {
    /// Cancels the running cell, if any (the stop button, SIGINT).
    pub fn interrupt(&self) {
        let running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(token) = running.as_ref() {
            log::info!("interrupt: cancelling the running cell");
            token.cancel();
        }
    }

    /// Every request: busy, the handler's side effects and reply, idle.
    pub async fn busy_idle<F, Fut>(&self, request: &Message, body: F)
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        self.iopub.status("busy", Some(request));
        body().await;
        self.iopub.status("idle", Some(request));
    }
}

/// A queued execute request with its arrival number.
pub struct ExecuteJob {
    pub request: Message,
    pub seq: u64,
}

/// Runs the kernel until shutdown.
pub async fn run(info: ConnectionInfo) -> Result<(), Box<dyn std::error::Error>> {
    let sockets = Sockets::bind(&info).await?;
    let codec = Codec::new(Signer::new(&info.key));
    let session = uuid::Uuid::new_v4().to_string();

    heartbeat::start(sockets.heartbeat);
    let iopub = Iopub::start(sockets.iopub, codec.clone(), session.clone());
    let (shell_send, shell_recv) = sockets.shell.split();
    let (control_send, control_recv) = sockets.control.split();
    let shared = Arc::new(Shared {
        iopub: iopub.clone(),
        shell: Replier::new(shell_send, codec.clone(), session.clone(), "shell"),
        control: Replier::new(control_send, codec.clone(), session.clone(), "control"),
        history: Mutex::new(History::new(session.clone())),
        running: Mutex::new(None),
        received_executes: AtomicU64::new(0),
        shutdown: CancellationToken::new(),
        open_transactions: Mutex::new(Vec::new()),
        closed: CancellationToken::new(),
        catalog: Default::default(),
    });
    // stdin is bound so clients can connect; this kernel never asks for input (nbclient and most
    // notebook runs set allow_stdin=false), so nothing reads it.
    let _stdin = sockets.stdin;

    iopub.publish("status", json!({"execution_state": "starting"}), None);

    let (exec_tx, exec_rx) = mpsc::unbounded_channel::<ExecuteJob>();
    tokio::spawn(shell::serve(
        shell_recv,
        codec.clone(),
        shared.clone(),
        exec_tx,
    ));
    tokio::spawn(control::serve(control_recv, codec.clone(), shared.clone()));
    tokio::spawn(execute::run_executor(exec_rx, shared.clone()));
    spawn_signal_handlers(shared.clone());
    parent::watch(shared.clone());

    shared.shutdown.cancelled().await;
    shared.interrupt();
    // The executor rolls back and closes every connection; a driver that hangs is not waited for.
    let _ =
        tokio::time::timeout(std::time::Duration::from_secs(3), shared.closed.cancelled()).await;
    shared.iopub.flush().await;
    // Give the last replies a moment to leave the sockets before the process ends.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    Ok(())
}

fn spawn_signal_handlers(shared: Arc<Shared>) {
    use tokio::signal::unix::{SignalKind, signal};
    let s = shared.clone();
    tokio::spawn(async move {
        let Ok(mut sigint) = signal(SignalKind::interrupt()) else {
            return;
        };
        while sigint.recv().await.is_some() {
            s.interrupt();
        }
    });
    tokio::spawn(async move {
        let Ok(mut sigterm) = signal(SignalKind::terminate()) else {
            return;
        };
        if sigterm.recv().await.is_some() {
            log::info!("SIGTERM: shutting down");
            shared.shutdown.cancel();
        }
    });
}
