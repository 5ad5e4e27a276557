//! A private `redis-server` for the default connection when nothing answers at 127.0.0.1:6379,
//! so `%%redis` works on a laptop with Redis installed but not running.
//!
//! It listens on a free loopback port, keeps nothing on disk (`--save "" --appendonly no`, a temp
//! dir) and must never outlive the kernel: it is killed when the engine is dropped, and on Linux
//! the child also asks the kernel for `SIGKILL` when its parent dies (`PR_SET_PDEATHSIG`), which
//! covers a kernel that exits without dropping anything or is itself killed. That signal follows
//! the *thread* that spawned the child, so children are spawned from one keeper thread that lives
//! as long as the process (a tokio worker or blocking thread may exit earlier).

use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

/// How long the server gets to start accepting connections.
const START_TIMEOUT: Duration = Duration::from_secs(5);

/// A running private server; dropping it stops the server and removes its directory.
#[derive(Debug)]
pub struct PrivateServer {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl PrivateServer {
    /// Starts `redis-server` from `PATH`. The error says what is missing and how to fix it.
    pub fn start() -> Result<PrivateServer, String> {
        let binary = find_on_path("redis-server").ok_or("no redis-server binary on PATH")?;
        let port = free_port().map_err(|e| format!("cannot find a free port: {e}"))?;
        let dir =
            std::env::temp_dir().join(format!("dbkernel-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let mut command = Command::new(&binary);
        command
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ])
            .arg("--dir")
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        die_with_parent(&mut command);
        let child = spawn_from_keeper(command)
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut server = PrivateServer { child, port, dir };
        server.wait_until_ready()?;
        Ok(server)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn wait_until_ready(&mut self) -> Result<(), String> {
        let started = Instant::now();
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, self.port));
        while started.elapsed() < START_TIMEOUT {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("redis-server exited at start ({status})"));
            }
            if TcpStream::connect_timeout(&address, Duration::from_millis(100)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!(
            "redis-server did not accept connections on port {} within {} s",
            self.port,
            START_TIMEOUT.as_secs()
        ))
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// Asks the OS for a free loopback port. Another process could take it before redis-server
/// binds; then redis-server exits at start and the error says so.
fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

#[cfg(target_os = "linux")]
fn die_with_parent(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: runs in the forked child before exec; prctl, getppid and _exit are
    // async-signal-safe and touch no memory shared with the parent.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(io::Error::last_os_error());
            }
            // The parent may have died between fork and prctl.
            if libc::getppid() != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn die_with_parent(_command: &mut Command) {}

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// Spawns `command` from the keeper thread (see the module comment for why).
fn spawn_from_keeper(command: Command) -> io::Result<Child> {
    static KEEPER: OnceLock<Mutex<mpsc::Sender<SpawnRequest>>> = OnceLock::new();
    let keeper = KEEPER.get_or_init(|| {
        let (requests, inbox) = mpsc::channel::<SpawnRequest>();
        let started = std::thread::Builder::new()
            .name("redis-server-keeper".into())
            .spawn(move || {
                for (mut command, reply) in inbox {
                    let _ = reply.send(command.spawn());
                }
            });
        if let Err(e) = started {
            log::warn!("cannot start the redis-server keeper thread: {e}");
        }
        Mutex::new(requests)
    });
    let (reply, answer) = mpsc::channel();
    keeper
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .send((command, reply))
        .map_err(|_| io::Error::other("the keeper thread is not running"))?;
    answer
        .recv()
        .map_err(|_| io::Error::other("the keeper thread did not answer"))?
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_server_starts_answers_and_stops_on_drop() {
        let server = PrivateServer::start()
            .expect("redis-server must be installed (apt-get install redis-server)");
        let address = SocketAddr::from((Ipv4Addr::LOCALHOST, server.port()));
        assert!(TcpStream::connect(address).is_ok());
        let pid = server.pid();
        let dir = server.dir.clone();
        drop(server);
        assert!(
            !Path::new(&format!("/proc/{pid}")).exists()
                || std::fs::read_to_string(format!("/proc/{pid}/stat"))
                    .map(|s| s.contains(") Z"))
                    .unwrap_or(true)
        );
        assert!(!dir.exists());
        assert!(TcpStream::connect_timeout(&address, Duration::from_millis(200)).is_err());
    }
}
