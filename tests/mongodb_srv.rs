//! `mongodb+srv://` resolved for real, never against a public address: the test re-runs itself
//! inside private mount and network namespaces (`unshare --mount --net`, loopback only) where
//! /etc/resolv.conf names a DNS stub on 127.0.0.1:53 that this test serves (SRV, TXT, A
//! records built with hickory-proto), then opens `%%mql` connections through the driver's own
//! SRV/TXT resolution to a `dbkernel mongod` on that loopback.

mod mongod_support;
mod mql_support;

use std::net::{Ipv4Addr, UdpSocket};
use std::process::Command;

use dbkernel::engine::registry;
use dbkernel::session::variables::SharedVariables;
use hickory_proto::op::{Message, MessageType, ResponseCode};
use hickory_proto::rr::rdata::{A, SRV, TXT};
use hickory_proto::rr::{Name, RData, Record, RecordType};

const INSIDE: &str = "DBKERNEL_SRV_TEST_NAMESPACE";

/// Answers SRV `_mongodb._tcp.cluster0.dbk.test` with `node1.dbk.test:port`, its TXT with
/// `txt`, A `node1.dbk.test` with 127.0.0.1; everything else NXDOMAIN (and empty AAAA).
fn serve_dns(port: u16, txt: &'static str) {
    let socket = UdpSocket::bind("127.0.0.1:53").expect("bind 127.0.0.1:53 in the namespace");
    std::thread::spawn(move || {
        let mut buf = [0u8; 1500];
        while let Ok((n, from)) = socket.recv_from(&mut buf) {
            let Ok(query) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let mut reply = Message::response(query.metadata.id, query.metadata.op_code);
            reply.metadata.authoritative = true;
            reply.metadata.recursion_desired = query.metadata.recursion_desired;
            let mut known = false;
            for q in &query.queries {
                reply.add_query(q.clone());
                let name = q.name().to_ascii().trim_end_matches('.').to_lowercase();
                let answer = match (name.as_str(), q.query_type()) {
                    ("_mongodb._tcp.cluster0.dbk.test", RecordType::SRV) => Some(RData::SRV(
                        SRV::new(0, 5, port, Name::from_ascii("node1.dbk.test.").unwrap()),
                    )),
                    ("cluster0.dbk.test", RecordType::TXT) => {
                        Some(RData::TXT(TXT::new(vec![txt.to_string()])))
                    }
                    ("node1.dbk.test", RecordType::A) => Some(RData::A(A(Ipv4Addr::LOCALHOST))),
                    _ => None,
                };
                known |= matches!(
                    name.as_str(),
                    "_mongodb._tcp.cluster0.dbk.test" | "cluster0.dbk.test" | "node1.dbk.test"
                );
                if let Some(rdata) = answer {
                    reply.add_answer(Record::from_rdata(q.name().clone(), 60, rdata));
                }
            }
            if !known {
                reply.metadata.response_code = ResponseCode::NXDomain;
            }
            reply.metadata.message_type = MessageType::Response;
            if let Ok(bytes) = reply.to_vec() {
                let _ = socket.send_to(&bytes, from);
            }
        }
    });
}

#[test]
fn srv_urls_resolve_through_dns_to_the_server() {
    if std::env::var(INSIDE).is_err() {
        let dir = std::env::temp_dir().join(format!("dbk-srv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let resolv = dir.join("resolv.conf");
        std::fs::write(
            &resolv,
            "nameserver 127.0.0.1\noptions timeout:2 attempts:1\n",
        )
        .unwrap();
        let exe = std::env::current_exe().unwrap();
        let status = Command::new("unshare")
            .args(["--mount", "--net", "sh", "-c"])
            .arg("ip link set lo up && mount --bind \"$1\" /etc/resolv.conf && exec \"$2\" --exact srv_urls_resolve_through_dns_to_the_server --nocapture")
            .arg("sh")
            .arg(&resolv)
            .arg(&exe)
            .env(INSIDE, "1")
            .status()
            .expect("unshare (util-linux) runs");
        let _ = std::fs::remove_dir_all(&dir);
        assert!(status.success(), "the test inside the namespaces failed");
        return;
    }
    let port = mongod_support::free_port();
    let _server = mongod_support::Server::start(port, None);
    serve_dns(port, "authSource=admin");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        // +srv turns TLS on by default (the SRV spec); this local server speaks plain TCP.
        let engine = registry::open(
            "mongodb+srv://cluster0.dbk.test/srvdb?tls=false",
            &Default::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", e.detail.join("\n")));
        let vars = SharedVariables::default();
        let ran = mql_support::run(
            &engine,
            &vars,
            "%%mql\ndb.t.insertOne({_id: 1, via: 'srv'})\ndb.t.findOne()",
        )
        .await;
        ran.ok();
        assert!(ran.text().contains("via: 'srv'"), "{}", ran.text());
        // A name with no SRV record: the driver's DNS error, said as a connect error.
        let e = registry::open(
            "mongodb+srv://missing.dbk.test/?tls=false",
            &Default::default(),
        )
        .await
        .err()
        .expect("an unknown SRV name does not connect");
        assert!(
            e.evalue.to_lowercase().contains("missing.dbk.test")
                || e.detail.join(" ").contains("missing.dbk.test"),
            "{}: {}",
            e.evalue,
            e.detail.join("\n")
        );
    });
}
