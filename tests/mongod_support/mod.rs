//! Shared helpers for the tests that run `dbkernel mongod` as a separate process: a free port,
//! the server process (started, waited for, killed) and the CPU time it has used.
#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A port on 127.0.0.1 that nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A `dbkernel mongod` process; dropped, it is killed.
pub struct Server(Child);

impl Server {
    /// Starts `dbkernel mongod --port port [--dbpath dbpath]` and waits (up to 10 s) until it
    /// listens.
    pub fn start(port: u16, dbpath: Option<&std::path::Path>) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_dbkernel"));
        command
            .args(["mongod", "--port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some(dir) = dbpath {
            command.arg("--dbpath").arg(dir);
        }
        let server = Server(command.spawn().expect("dbkernel mongod starts"));
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("dbkernel mongod did not listen on {port}");
    }

    /// SIGKILL: no clean shutdown.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }

    /// User plus system CPU time of the server process so far.
    #[cfg(target_os = "linux")]
    pub fn cpu(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.0.id()))
            .expect("the server's /proc stat");
        let after = &stat[stat.rfind(')').expect("a command name") + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
        // USER_HZ is 100 on Linux.
        Duration::from_millis(ticks * 10)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
