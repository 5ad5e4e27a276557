//! `%%sql` over TLS to private PostgreSQL and MariaDB instances the test starts on loopback
//! ports, each with a server certificate from a CA made by `openssl` and plain connections
//! refused: `sslmode=verify-full&sslrootcert=…` (libpq's names) and
//! `ssl-mode=VERIFY_IDENTITY&ssl-ca=…` (the mysql client's), checked from the server's own view
//! of the connection (`pg_stat_ssl`, `Ssl_version`); a plain or unverifiable connection is the
//! server's (or the certificate check's) error.

mod deploy_support;
mod sql_support;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use deploy_support::{Scratch, Servers, free_port, make_certificates, wait_until};
use sql_support::*;

/// Makes `path` belong to `user` (the servers refuse key files others can read).
fn give(path: &std::path::Path, user: &str, mode: u32) {
    let status = Command::new("chown")
        .args(["-R", &format!("{user}:{user}")])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs `program` as `user` (initdb and postgres refuse root).
fn as_user(user: &str, program: &str, args: &[&str]) -> std::process::Output {
    Command::new("runuser")
        .args(["-u", user, "--", program])
        .args(args)
        .output()
        .unwrap()
}

fn pg_bin(name: &str) -> String {
    let versions = std::fs::read_dir("/usr/lib/postgresql").expect("PostgreSQL server binaries");
    let mut found: Vec<_> = versions
        .flatten()
        .map(|v| v.path().join("bin").join(name))
        .filter(|p| p.exists())
        .collect();
    found.sort();
    found.pop().unwrap().display().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_verify_full_with_a_private_ca() {
    let dir = Scratch::new("pg-tls");
    make_certificates(&dir, "postgres");
    give(&dir.0, "postgres", 0o700);
    for key in ["server.key", "client.key"] {
        give(&dir.0.join(key), "postgres", 0o600);
    }
    let data = dir.path("data");
    let init = as_user(
        "postgres",
        &pg_bin("initdb"),
        &["-D", &data, "-A", "trust", "-U", "postgres"],
    );
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    // TLS only: a plain connection has no pg_hba.conf line.
    std::fs::write(
        format!("{data}/pg_hba.conf"),
        "hostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
    )
    .unwrap();
    let port = free_port().to_string();
    let mut servers = Servers::default();
    let options = [
        "-D",
        &data,
        "-p",
        &port,
        "-k",
        &dir.path(""),
        "-c",
        "listen_addresses=127.0.0.1",
        "-c",
        "ssl=on",
        "-c",
        &format!("ssl_cert_file={}", dir.path("server.crt")),
        "-c",
        &format!("ssl_key_file={}", dir.path("server.key")),
        "-c",
        "fsync=off",
    ];
    servers.start(
        "runuser",
        &[
            &["-u", "postgres", "--", &pg_bin("postgres")][..],
            &options[..],
        ]
        .concat(),
    );
    let ca = dir.path("ca.crt");
    let url = format!(
        "postgres://postgres@127.0.0.1:{port}/postgres?sslmode=verify-full&sslrootcert={ca}"
    );
    wait_until("the private PostgreSQL", || {
        as_user(
            "postgres",
            &pg_bin("pg_isready"),
            &["-h", "127.0.0.1", "-p", &port],
        )
        .status
        .success()
    });
    let engine = open(&url).await;
    let out = run(
        &engine,
        "%%sql\nSELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
    )
    .await;
    out.ok();
    assert_eq!(out.cell(0, 0).as_deref(), Some("true"));
    assert!(
        out.cell(0, 1).is_some_and(|v| v.starts_with("TLS")),
        "{:?}",
        out.cell(0, 1)
    );
    // sslmode=disable meets the server's own refusal, said with the server's words.
    let (e, _) = open_error(
        &format!("postgres://postgres@127.0.0.1:{port}/postgres?sslmode=disable"),
        std::time::Duration::from_secs(10),
    )
    .await;
    assert!(
        e.evalue.contains("pg_hba.conf") && e.evalue.contains("no encryption"),
        "{}",
        e.evalue
    );
    // verify-full without the CA: the certificate is not trusted.
    let (e, _) = open_error(
        &format!("postgres://postgres@127.0.0.1:{port}/postgres?sslmode=verify-full"),
        std::time::Duration::from_secs(10),
    )
    .await;
    assert!(
        e.evalue.to_lowercase().contains("certificate"),
        "{}",
        e.evalue
    );
    drop(servers);
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_verify_identity_with_a_private_ca() {
    let dir = Scratch::new("maria-tls");
    make_certificates(&dir, "maria");
    let data = dir.path("data");
    let install = Command::new("mariadb-install-db")
        .args([
            &format!("--datadir={data}"),
            "--user=mysql",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ])
        .output()
        .unwrap();
    assert!(
        install.status.success(),
        "{}",
        String::from_utf8_lossy(&install.stderr)
    );
    give(&dir.0, "mysql", 0o755);
    let port = free_port().to_string();
    let socket = dir.path("mysqld.sock");
    let mut servers = Servers::default();
    servers.start(
        "mariadbd",
        &[
            "--no-defaults",
            &format!("--datadir={data}"),
            &format!("--port={port}"),
            "--bind-address=127.0.0.1",
            &format!("--socket={socket}"),
            "--user=mysql",
            &format!("--pid-file={}", dir.path("mysqld.pid")),
            "--skip-log-bin",
            &format!("--ssl-ca={}", dir.path("ca.crt")),
            &format!("--ssl-cert={}", dir.path("server.crt")),
            &format!("--ssl-key={}", dir.path("server.key")),
            "--require-secure-transport=ON",
            "--innodb-buffer-pool-size=16M",
        ],
    );
    wait_until("the private MariaDB", || {
        std::path::Path::new(&socket).exists()
    });
    let ca = dir.path("ca.crt");
    let url = format!("mysql://root@127.0.0.1:{port}/mysql?ssl-mode=VERIFY_IDENTITY&ssl-ca={ca}");
    let engine = open(&url).await;
    let out = run(&engine, "%%sql\nSHOW SESSION STATUS LIKE 'Ssl_version'").await;
    out.ok();
    assert!(
        out.cell(0, 1).is_some_and(|v| v.starts_with("TLS")),
        "{:?}",
        out.cell(0, 1)
    );
    // A plain connection is refused by the server, with the same error the mariadb client
    // gets for it.
    let (e, _) = open_error(
        &format!("mysql://root@127.0.0.1:{port}/mysql?ssl-mode=DISABLED"),
        std::time::Duration::from_secs(10),
    )
    .await;
    let client = Command::new("mariadb")
        .args([
            "--skip-ssl",
            "-h",
            "127.0.0.1",
            "-P",
            &port,
            "-u",
            "root",
            "-e",
            "SELECT 1",
        ])
        .output()
        .unwrap();
    let client_error = String::from_utf8_lossy(&client.stderr).to_string();
    let code = client_error
        .split_whitespace()
        .nth(1)
        .expect("the mariadb client reports an error")
        .to_string();
    assert!(
        !client.status.success() && e.evalue.contains(&code),
        "kernel: {}\nmariadb: {client_error}",
        e.evalue
    );
    drop(servers);
}
