//! `%%redis` on real deployments started by the test on loopback ports: a 6-node Redis Cluster
//! (`redis-cli --cluster create`, MOVED and ASK produced by migrating a slot by hand), a
//! TLS-only redis-server with a CA and certificates made by `openssl` (server and client
//! certificates), a master with a replica watched by a sentinel (`redis-server --sentinel`,
//! failover followed), and an ACL user on the shared server. Every process is killed and every
//! file removed when its guard drops.

mod deploy_support;
mod redis_support;

use std::path::Path;
use std::process::Command;

use dbkernel::result::RedisValue;
use deploy_support::{Scratch, Servers, free_port, make_certificates, wait_until};
use redis_support::*;

fn cli(args: &[&str]) -> String {
    let out = Command::new("redis-cli").args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn port_args(port: u16) -> [String; 2] {
    ["-p".to_string(), port.to_string()]
}

fn node_cli(port: u16, args: &[&str]) -> String {
    let p = port_args(port);
    let mut all: Vec<&str> = vec!["-h", "127.0.0.1", &p[0], &p[1]];
    all.extend_from_slice(args);
    cli(&all)
}

/// The kernel's text of one Redis cell's replies, or its error and detail lines.
fn shown(ran: &Ran) -> String {
    match &ran.result {
        Ok(()) => ran.text(),
        Err(e) => format!("{}: {}\n{}", e.ename, e.evalue, e.detail.join("\n")),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn cluster_routes_keys_follows_ask_and_moved_and_explains_crossslot() {
    let dir = Scratch::new("cluster");
    let ports: Vec<u16> = (0..6).map(|_| free_port()).collect();
    let mut servers = Servers::default();
    for port in &ports {
        let port_s = port.to_string();
        let conf = dir.path(&format!("nodes-{port}.conf"));
        servers.start(
            "redis-server",
            &[
                "--port",
                &port_s,
                "--bind",
                "127.0.0.1",
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                &conf,
                "--cluster-node-timeout",
                "3000",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                &dir.0.display().to_string(),
            ],
        );
    }
    for port in &ports {
        wait_until("a cluster node", || node_cli(*port, &["PING"]) == "PONG");
    }
    let mut create: Vec<String> = vec!["--cluster".into(), "create".into()];
    create.extend(ports.iter().map(|p| format!("127.0.0.1:{p}")));
    create.extend(["--cluster-replicas", "1", "--cluster-yes"].map(String::from));
    let create: Vec<&str> = create.iter().map(String::as_str).collect();
    cli(&create);
    // cluster_state:ok comes before every node has heard which nodes became replicas; until
    // then a replica still shows as a slot-less master in the others' CLUSTER NODES.
    for port in &ports {
        wait_until("the cluster to form", || {
            node_cli(*port, &["CLUSTER", "INFO"]).contains("cluster_state:ok")
                && node_cli(*port, &["CLUSTER", "NODES"])
                    .lines()
                    .filter(|l| {
                        l.split_whitespace()
                            .nth(2)
                            .is_some_and(|f| f.contains("slave"))
                    })
                    .count()
                    == 3
        });
    }

    let engine = engine_at(&format!("redis+cluster://127.0.0.1:{}", ports[0])).await;
    // Keys all over the slot space, written and read back through the one connection name.
    let mut cell = String::from("%%redis\n");
    for i in 0..30 {
        cell.push_str(&format!("SET user:{i} v{i}\n"));
    }
    for i in 0..30 {
        cell.push_str(&format!("GET user:{i}\n"));
    }
    let ran = run(&engine, &cell).await;
    ran.ok();
    let values = ran.values();
    for i in 0..30 {
        assert_eq!(values[30 + i], bulk(&format!("v{i}")));
    }
    // The keys really are on different masters (the server says which slot each is in).
    let slots: std::collections::BTreeSet<String> = (0..30)
        .map(|i| node_cli(ports[0], &["CLUSTER", "KEYSLOT", &format!("user:{i}")]))
        .collect();
    assert!(slots.len() > 20, "{slots:?}");

    // A multi-key command across slots: the server's CROSSSLOT plus the slots it computes.
    let ran = run(&engine, "%%redis\nSUNION user:1 user:2").await;
    let text = shown(&ran);
    let slot1 = node_cli(ports[0], &["CLUSTER", "KEYSLOT", "user:1"]);
    let slot2 = node_cli(ports[0], &["CLUSTER", "KEYSLOT", "user:2"]);
    assert!(text.contains("CROSSSLOT"), "{text}");
    assert!(
        text.contains(&format!("user:1 → slot {slot1}"))
            && text.contains(&format!("user:2 → slot {slot2}")),
        "{text}"
    );
    assert!(text.contains("hash tag"), "{text}");
    // With a hash tag the same command is one slot and runs.
    let ran = run(
        &engine,
        "%%redis\nSADD {u1}:a x y\nSADD {u1}:b y z\nSUNION {u1}:a {u1}:b",
    )
    .await;
    ran.ok();
    let RedisValue::Array(union) = &ran.values()[2] else {
        panic!("{:?}", ran.values())
    };
    assert_eq!(union.len(), 3);
    // A transaction is refused before anything is sent, saying how to run one.
    let ran = run(&engine, "%%redis\nMULTI\nSET user:1 changed\nEXEC").await;
    let text = shown(&ran);
    assert!(
        text.contains("MULTI needs one connection to one node"),
        "{text}"
    );
    assert_eq!(node_cli_key(&ports, "user:1"), "v1");

    // Migrate the slot of two keys by hand (as redis-cli --cluster reshard does): one key
    // moved while the slot is MIGRATING answers ASK, the slot handed over answers MOVED.
    let (k1, k2) = two_keys_in_one_slot(&ports);
    let ran = run(&engine, &format!("%%redis\nSET {k1} one\nSET {k2} two")).await;
    ran.ok();
    let slot = node_cli(ports[0], &["CLUSTER", "KEYSLOT", &k1]);
    let nodes = node_cli(ports[0], &["CLUSTER", "NODES"]);
    let source = owner_of(&nodes, slot.parse().unwrap());
    let target = nodes
        .lines()
        .find(|l| {
            l.contains("master") && !l.starts_with(&source.id) && l.split_whitespace().count() > 8
        })
        .map(Node::parse)
        .unwrap();
    // Right after `cluster create` a node may not have heard of every other yet (the bus
    // gossips): SETSLOT then answers "I don't know about node …", so ask until it is OK.
    wait_until("the target to import the slot", || {
        let r = node_cli(
            target.port,
            &["CLUSTER", "SETSLOT", &slot, "IMPORTING", &source.id],
        );
        r == "OK"
    });
    wait_until("the source to migrate the slot", || {
        node_cli(
            source.port,
            &["CLUSTER", "SETSLOT", &slot, "MIGRATING", &target.id],
        ) == "OK"
    });
    let migrated = node_cli(
        source.port,
        &[
            "MIGRATE",
            "127.0.0.1",
            &target.port.to_string(),
            &k1,
            "0",
            "5000",
        ],
    );
    assert_eq!(migrated, "OK");
    let ran = run(&engine, &format!("%%redis\nGET {k1}\nGET {k2}")).await;
    ran.ok();
    assert_eq!(ran.values(), vec![bulk("one"), bulk("two")], "ASK followed");
    node_cli(
        source.port,
        &[
            "MIGRATE",
            "127.0.0.1",
            &target.port.to_string(),
            &k2,
            "0",
            "5000",
        ],
    );
    for port in &ports {
        node_cli(*port, &["CLUSTER", "SETSLOT", &slot, "NODE", &target.id]);
    }
    let ran = run(
        &engine,
        &format!("%%redis\nGET {k1}\nGET {k2}\nSET {k2} three\nGET {k2}"),
    )
    .await;
    ran.ok();
    assert_eq!(
        ran.values(),
        vec![bulk("one"), bulk("two"), status("OK"), bulk("three")],
        "MOVED followed"
    );
    assert_eq!(
        node_cli(target.port, &["GET", &k2]),
        "three",
        "the write reached the slot's new owner"
    );
    // A cluster has one database: the server's own refusal, shown.
    let ran = run(&engine, "%%redis\nSELECT 1").await;
    assert!(
        shown(&ran).contains("SELECT is not allowed in cluster mode"),
        "{}",
        shown(&ran)
    );
    drop(servers);
}

/// The value of `key` read with `redis-cli -c` (which follows redirections itself).
fn node_cli_key(ports: &[u16], key: &str) -> String {
    let p = port_args(ports[0]);
    cli(&["-c", "-h", "127.0.0.1", &p[0], &p[1], "GET", key])
}

struct Node {
    id: String,
    port: u16,
}

impl Node {
    fn parse(line: &str) -> Node {
        let mut fields = line.split_whitespace();
        let id = fields.next().unwrap().to_string();
        let addr = fields.next().unwrap();
        let port = addr
            .split('@')
            .next()
            .unwrap()
            .rsplit(':')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        Node { id, port }
    }
}

/// The master whose slot ranges (the 9th field on of `CLUSTER NODES`) hold `slot`.
fn owner_of(nodes: &str, slot: u16) -> Node {
    nodes
        .lines()
        .filter(|l| l.contains("master"))
        .find(|l| {
            l.split_whitespace().skip(8).any(|range| {
                let (lo, hi) = range.split_once('-').unwrap_or((range, range));
                matches!((lo.parse::<u16>(), hi.parse::<u16>()), (Ok(lo), Ok(hi)) if (lo..=hi).contains(&slot))
            })
        })
        .map(Node::parse)
        .unwrap()
}

/// Two keys in one slot, by hash tag.
fn two_keys_in_one_slot(_ports: &[u16]) -> (String, String) {
    ("{moving}:first".to_string(), "{moving}:second".to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_with_a_private_ca_and_client_certificates() {
    let dir = Scratch::new("redis-tls");
    make_certificates(&dir, "dbkernel test client");
    let port = free_port();
    let port_s = port.to_string();
    let mut servers = Servers::default();
    servers.start(
        "redis-server",
        &[
            "--port",
            "0",
            "--tls-port",
            &port_s,
            "--bind",
            "127.0.0.1",
            "--tls-cert-file",
            &dir.path("server.crt"),
            "--tls-key-file",
            &dir.path("server.key"),
            "--tls-ca-cert-file",
            &dir.path("ca.crt"),
            "--tls-auth-clients",
            "optional",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
    );
    let p = port_args(port);
    let ca = dir.path("ca.crt");
    wait_until("the TLS server", || {
        cli(&[
            "--tls",
            "--cacert",
            &ca,
            "-h",
            "127.0.0.1",
            &p[0],
            &p[1],
            "PING",
        ]) == "PONG"
    });
    let url = format!("rediss://127.0.0.1:{port}/0?cacert={ca}");
    let engine = engine_at(&url).await;
    let ran = run(&engine, "%%redis\nSET tls:k secret\nGET tls:k").await;
    ran.ok();
    assert_eq!(ran.values(), vec![status("OK"), bulk("secret")]);
    // redis-cli over TLS reads the same value.
    assert_eq!(
        cli(&[
            "--tls",
            "--cacert",
            &ca,
            "-h",
            "127.0.0.1",
            &p[0],
            &p[1],
            "GET",
            "tls:k"
        ]),
        "secret"
    );
    // Without the CA the certificate is not trusted: a connect error, not a hang.
    let refused = dbkernel::engine::registry::open(
        &format!("rediss://127.0.0.1:{port}/0"),
        &Default::default(),
    )
    .await;
    let Err(e) = refused else {
        panic!("an untrusted certificate was accepted")
    };
    assert_eq!(e.ename, "RedisConnectionError");
    assert!(
        e.evalue.to_lowercase().contains("certificate"),
        "{}",
        e.evalue
    );
    // A client certificate for a server that requires one.
    let url = format!(
        "rediss://127.0.0.1:{port}/0?cacert={ca}&cert={}&key={}",
        dir.path("client.crt"),
        dir.path("client.key")
    );
    let engine = engine_at(&url).await;
    node_config_over_tls(&ca, port, &["CONFIG", "SET", "tls-auth-clients", "yes"]);
    let ran = run(&engine, "%%redis\nGET tls:k").await;
    ran.ok();
    assert_eq!(ran.values(), vec![bulk("secret")]);
    // A file that is not there is named before anything connects.
    let e = dbkernel::engine::registry::open(
        &format!("rediss://127.0.0.1:{port}/0?cacert=/nonexistent/ca.crt"),
        &Default::default(),
    )
    .await
    .err()
    .unwrap();
    assert!(e.evalue.contains("/nonexistent/ca.crt"), "{}", e.evalue);
    drop(servers);
}

fn node_config_over_tls(ca: &str, port: u16, args: &[&str]) {
    let p = port_args(port);
    let mut all = vec!["--tls", "--cacert", ca, "-h", "127.0.0.1", &p[0], &p[1]];
    all.extend_from_slice(args);
    assert_eq!(cli(&all), "OK");
}

#[tokio::test(flavor = "multi_thread")]
async fn sentinel_finds_the_master_and_follows_a_failover() {
    let dir = Scratch::new("sentinel");
    let (master, replica, sentinel) = (free_port(), free_port(), free_port());
    let mut servers = Servers::default();
    // --dir: a replica's full sync writes an RDB file even with --save "", in the working
    // directory otherwise (the repository).
    let scratch_dir = dir.0.display().to_string();
    let common = [
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--dir",
        &scratch_dir,
    ];
    let master_s = master.to_string();
    let mut args = vec!["--port", &master_s];
    args.extend_from_slice(&common);
    servers.start("redis-server", &args);
    let replica_s = replica.to_string();
    let mut args = vec!["--port", &replica_s, "--replicaof", "127.0.0.1", &master_s];
    args.extend_from_slice(&common);
    servers.start("redis-server", &args);
    let conf = dir.0.join("sentinel.conf");
    std::fs::write(
        &conf,
        format!(
            "port {sentinel}\nbind 127.0.0.1\ndir {}\nsentinel monitor dbkmaster 127.0.0.1 {master} 1\nsentinel down-after-milliseconds dbkmaster 2000\nsentinel failover-timeout dbkmaster 10000\n",
            dir.0.display()
        ),
    )
    .unwrap();
    servers.start("redis-server", &[&conf.display().to_string(), "--sentinel"]);
    wait_until("the replica in sync", || {
        node_cli(replica, &["INFO", "replication"]).contains("master_link_status:up")
    });
    wait_until("the sentinel to see the replica", || {
        node_cli(sentinel, &["SENTINEL", "REPLICAS", "dbkmaster"]).contains(&replica.to_string())
    });
    let engine = engine_at(&format!(
        "redis+sentinel://127.0.0.1:{sentinel}/dbkmaster/0"
    ))
    .await;
    let ran = run(&engine, "%%redis\nSET s:k before\nCONFIG GET port").await;
    ran.ok();
    assert_eq!(ran.values()[0], status("OK"));
    assert!(
        ran.text().contains(&format!("\"{master_s}\"")),
        "{}",
        ran.text()
    );
    // A failover: the replica becomes master; the next write reaches it.
    // Until the sentinel has talked to the replica itself it answers NOGOODSLAVE.
    wait_until("the sentinel to accept a failover", || {
        node_cli(sentinel, &["SENTINEL", "FAILOVER", "dbkmaster"]) == "OK"
    });
    wait_until("the failover", || {
        node_cli(
            sentinel,
            &["SENTINEL", "GET-MASTER-ADDR-BY-NAME", "dbkmaster"],
        )
        .contains(&replica_s)
            && node_cli(replica, &["ROLE"]).starts_with("master")
            && node_cli(master, &["ROLE"]).starts_with("slave")
    });
    let ran = run(&engine, "%%redis\nSET s:k after\nCONFIG GET port").await;
    ran.ok();
    assert_eq!(ran.values()[0], status("OK"));
    assert!(
        ran.text().contains(&format!("\"{replica_s}\"")),
        "{}",
        ran.text()
    );
    assert!(ran.sink.stderr.contains("failover"), "{}", ran.sink.stderr);
    assert_eq!(node_cli(replica, &["GET", "s:k"]), "after");
    drop(servers);
    let _ = Path::new(&conf);
}

#[tokio::test]
async fn acl_users_reach_only_their_keys() {
    let p = prefix("acl");
    let user = format!("dbk_acl_{}", std::process::id());
    let admin = engine().await;
    run(
        &admin,
        &format!("%%redis\nACL SETUSER {user} on >s3cret ~{p}:* +@all -@dangerous"),
    )
    .await
    .ok();
    let engine = engine_at(&format!("redis://{user}:s3cret@127.0.0.1:6379/0")).await;
    let ran = run(&engine, &format!("%%redis\nSET {p}:mine ok\nACL WHOAMI")).await;
    ran.ok();
    assert_eq!(ran.values(), vec![status("OK"), bulk(&user)]);
    let ran = run(&engine, "%%redis\nGET someone:else").await;
    let text = shown(&ran);
    assert!(text.contains("NOPERM"), "{text}");
    let e = dbkernel::engine::registry::open(
        &format!("redis://{user}:wrong@127.0.0.1:6379/0"),
        &Default::default(),
    )
    .await
    .err()
    .unwrap();
    assert!(e.evalue.contains("refused the credentials"), "{}", e.evalue);
    assert!(
        !e.evalue.contains("wrong"),
        "the password is never shown: {}",
        e.evalue
    );
    run(
        &admin,
        &format!("%%redis\nACL DELUSER {user}\nDEL {p}:mine"),
    )
    .await
    .ok();
}
