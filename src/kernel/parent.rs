//! Exit when the Jupyter client that started us is gone, as ipykernel does.
//!
//! Jupyter puts the launching process's pid in `JPY_PARENT_PID`. A kernel whose client died (a
//! killed JupyterLab, a crashed nbclient) would otherwise run forever, holding connections and
//! memory on a shared JupyterHub. Checked once a second: a `kill(pid, 0)` and a `getppid()` cost
//! nothing, so an idle kernel stays idle.

use std::sync::Arc;
use std::time::Duration;

use super::Shared;

const POLL: Duration = Duration::from_secs(1);

/// Starts the watcher when `JPY_PARENT_PID` names a process; shuts the kernel down when it ends.
pub fn watch(shared: Arc<Shared>) {
    let Some(parent) = std::env::var("JPY_PARENT_PID")
        .ok()
        .and_then(|v| v.trim().parse::<i32>().ok())
        .filter(|pid| *pid > 1)
    else {
        return;
    };
    // SAFETY: getppid has no preconditions.
    let started_under = unsafe { libc::getppid() };
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(POLL) => {}
                _ = shared.shutdown.cancelled() => return,
            }
            if parent_is_gone(parent, started_under) {
                log::warn!("the parent process {parent} (JPY_PARENT_PID) is gone; shutting down");
                shared.shutdown.cancel();
                return;
            }
        }
    });
}

fn parent_is_gone(parent: i32, started_under: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists; getppid has no preconditions.
    let exists = unsafe { libc::kill(parent, 0) } == 0
        || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    // Started directly by the parent and since re-parented (to init or a subreaper): it died,
    // even if its pid was reused by another process.
    let reparented = started_under == parent && unsafe { libc::getppid() } != parent;
    !exists || reparented
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_live_parent_is_not_gone_and_a_dead_one_is() {
        let me = std::process::id() as i32;
        // SAFETY: getppid has no preconditions.
        let ppid = unsafe { libc::getppid() };
        assert!(!parent_is_gone(ppid, ppid));
        assert!(!parent_is_gone(me, 0));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id() as i32;
        child.wait().unwrap();
        assert!(parent_is_gone(pid, 0));
    }
}
