//! MongoDB URI options of real deployments, against a `dbkernel mongod` on loopback (a
//! standalone without TLS or users): what applies works (`readPreference`), and what
//! needs a deployment the engine is not — a replica set name, TLS, credentials — is a clear
//! connect error naming the cause, within the server selection timeout, never a hang or a
//! silent success.

mod mongod_support;
mod mql_support;

use std::time::{Duration, Instant};

use dbkernel::engine::registry;
use dbkernel::session::variables::SharedVariables;

async fn refused(url: &str) -> (String, Duration) {
    let started = Instant::now();
    let result = tokio::time::timeout(
        Duration::from_secs(30),
        registry::open(url, &Default::default()),
    )
    .await
    .expect("the connect attempt gives up on its own");
    let error = result
        .err()
        .unwrap_or_else(|| panic!("{url} should not connect"));
    let text = format!(
        "{}: {}\n{}",
        error.ename,
        error.evalue,
        error.detail.join("\n")
    );
    (text, started.elapsed())
}

#[tokio::test(flavor = "multi_thread")]
async fn deployment_options_work_or_say_why_not() {
    let port = mongod_support::free_port();
    let _server = mongod_support::Server::start(port, None);
    let base = format!("mongodb://127.0.0.1:{port}");

    // readPreference and appName apply to a standalone: a secondary-preferred read is served by
    // the only member.
    let engine = registry::open(
        &format!("{base}/?readPreference=secondaryPreferred&appName=dbk-options"),
        &Default::default(),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let vars = SharedVariables::default();
    let ran = mql_support::run(
        &engine,
        &vars,
        "%%mql\nuse uri_options\ndb.t.insertOne({_id: 1})\ndb.t.find()",
    )
    .await;
    ran.ok();
    assert!(ran.text().contains("_id: 1"), "{}", ran.text());
    mql_support::run(&engine, &vars, "%%mql\nuse uri_options\ndb.dropDatabase()")
        .await
        .ok();

    // A replica set name the standalone does not have: the driver never selects it.
    let (text, took) = refused(&format!(
        "{base}/?replicaSet=rs0&serverSelectionTimeoutMS=1500"
    ))
    .await;
    assert!(text.contains("MongoConnectionError"), "{text}");
    assert!(
        text.contains("no member of replica set 'rs0' answered") && text.contains("within 1.5 s"),
        "{text}"
    );
    assert!(took < Duration::from_secs(15), "{took:?}");

    // TLS against a plain server: the handshake fails and says TLS.
    let (text, took) = refused(&format!(
        "{base}/?tls=true&tlsAllowInvalidCertificates=true&serverSelectionTimeoutMS=1500"
    ))
    .await;
    assert!(text.contains("the URL asks for TLS"), "{text}");
    assert!(took < Duration::from_secs(15), "{took:?}");

    // Credentials for a server without users: SCRAM fails as authentication, password unshown.
    let (text, _) = refused(&format!(
        "mongodb://alice:s3cret@127.0.0.1:{port}/?authSource=admin&authMechanism=SCRAM-SHA-256&serverSelectionTimeoutMS=1500"
    ))
    .await;
    assert!(
        text.contains("AuthenticationFailed") && text.contains("refused the credentials"),
        "{text}"
    );
    assert!(
        !text.contains("s3cret"),
        "the password is never shown: {text}"
    );
}
