//! `dbkernel mongod`: the embedded engine served on its own, reached by the official driver;
//! with `--dbpath`, acknowledged writes survive the process being killed.

mod mongod_support;

use bson::{Document, doc};
use mongod_support::{Server, free_port};
use mongodb::Client;

async fn client(port: u16) -> Client {
    Client::with_uri_str(format!(
        "mongodb://127.0.0.1:{port}/?serverSelectionTimeoutMS=5000"
    ))
    .await
    .expect("client")
}

#[tokio::test]
async fn serves_the_driver_with_default_options() {
    let port = free_port();
    let _server = Server::start(port, None);
    let client = client(port).await;
    let coll = client.database("cli").collection::<Document>("c");
    coll.insert_one(doc! {"_id": 1, "x": "y"})
        .await
        .expect("insert");
    let found = coll
        .find_one(doc! {"_id": 1})
        .await
        .expect("find")
        .expect("a document");
    assert_eq!(found.get_str("x").ok(), Some("y"));
    let names = client.list_database_names().await.expect("listDatabases");
    assert!(names.contains(&"cli".to_string()), "{names:?}");
}

#[tokio::test]
async fn dbpath_keeps_acknowledged_writes_across_a_kill() {
    let dir = std::env::temp_dir().join(format!("dbkernel-mongod-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = free_port();
    {
        let _server = Server::start(port, Some(&dir));
        let client = client(port).await;
        let coll = client.database("keep").collection::<Document>("c");
        coll.insert_many((0..100).map(|i| doc! {"_id": i}))
            .await
            .expect("insert");
        coll.update_one(doc! {"_id": 7}, doc! {"$set": {"seven": true}})
            .await
            .expect("update");
        // Dropping the guard kills the process (SIGKILL): no clean shutdown.
    }
    let port = free_port();
    let _server = Server::start(port, Some(&dir));
    let client = client(port).await;
    let coll = client.database("keep").collection::<Document>("c");
    assert_eq!(coll.count_documents(doc! {}).await.expect("count"), 100);
    let seven = coll
        .find_one(doc! {"_id": 7})
        .await
        .expect("find")
        .expect("a document");
    assert_eq!(seven.get_bool("seven").ok(), Some(true));
    let _ = std::fs::remove_dir_all(&dir);
}
