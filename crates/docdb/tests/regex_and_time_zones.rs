//! PCRE regular expressions and named time zones through the wire with the official `mongodb`
//! driver. Expected values: MongoDB's `$regex` and `$dateToParts` reference pages, PCRE2's
//! pattern specification (pcre2pattern) and mongod's error codes (51091 for a bad pattern,
//! 40485 for an unknown time zone).

mod common;

use bson::{Bson, DateTime, Document, Regex, doc};
use futures_util::TryStreamExt;

fn server_code(e: &mongodb::error::Error) -> Option<i32> {
    match e.kind.as_ref() {
        mongodb::error::ErrorKind::Command(c) => Some(c.code),
        _ => None,
    }
}

#[tokio::test]
async fn pcre_patterns_through_the_driver() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let c = client
        .database("wire_regex")
        .collection::<Document>("names");
    c.insert_many(vec![
        doc! {"_id": 1, "n": "users"},
        doc! {"_id": 2, "n": "system.views"},
        doc! {"_id": 3, "n": "sense and sensibility"},
        doc! {"_id": 4, "n": "sense and responsibility"},
    ])
    .await
    .unwrap();
    let ids = |docs: Vec<Document>| -> Vec<i32> {
        docs.iter().map(|d| d.get_i32("_id").unwrap()).collect()
    };
    let found: Vec<Document> = c
        .find(doc! {"n": {"$regex": "^(?!system\\.)"}})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(found), [1, 3, 4]);
    // A back reference, sent as a BSON regex literal.
    let literal = Regex {
        pattern: "^(sens|respons)e and \\1ibility$".try_into().unwrap(),
        options: "".try_into().unwrap(),
    };
    let found: Vec<Document> = c
        .find(doc! {"n": Bson::RegularExpression(literal)})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(found), [3]);
    let err = c.find(doc! {"n": {"$regex": "a{2,1}"}}).await.unwrap_err();
    assert_eq!(server_code(&err), Some(51091), "{err}");
}

#[tokio::test]
async fn named_time_zones_through_the_driver() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let c = client.database("wire_tz").collection::<Document>("sales");
    c.insert_one(
        doc! {"_id": 2, "date": DateTime::parse_rfc3339_str("2017-01-01T01:29:09.123Z").unwrap()},
    )
    .await
    .unwrap();
    let out: Vec<Document> = c
        .aggregate(vec![doc! {"$project": {
            "_id": 0,
            "date_timezone": {"$dateToParts": {"date": "$date", "timezone": "America/New_York"}},
        }}])
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        out,
        vec![
            doc! {"date_timezone": {"year": 2016, "month": 12, "day": 31, "hour": 20, "minute": 29, "second": 9, "millisecond": 123}}
        ]
    );
    let err = c
        .aggregate(vec![
            doc! {"$project": {"h": {"$hour": {"date": "$date", "timezone": "Mars/Olympus"}}}},
        ])
        .await
        .unwrap_err();
    assert_eq!(server_code(&err), Some(40485), "{err}");
}
