//! Time-series and clustered collections, with expected values from MongoDB's
//! documentation (the `weather` examples of "Create and Query a Time Series
//! Collection", the `products` clustered collection example) and mongod 7.0's
//! source for the errors (`create_command.cpp`, `timeseries_options.cpp`,
//! `validateClusteredIndexSpec`, the time-series update checks, the bucket
//! insert's 5743702 message as it reaches the client: code 2).

mod common;

use bson::{Bson, DateTime, Document, doc};
use common::{err_code, find_all, ok};
use docdb::Engine;

fn date(s: &str) -> DateTime {
    DateTime::parse_rfc3339_str(s).unwrap()
}

fn listed(e: &Engine, db: &str, name: &str) -> Option<Document> {
    let r = ok(e, db, doc! {"listCollections": 1, "filter": {"name": name}});
    r.get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap()
        .first()
        .and_then(|d| d.as_document().cloned())
}

fn batch(r: &Document) -> Vec<Document> {
    r.get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap()
        .iter()
        .map(|d| d.as_document().unwrap().clone())
        .collect()
}

/// The documentation's weather measurements (sensor 5578), with explicit ids.
fn weather(e: &Engine) {
    ok(
        e,
        "d",
        doc! {"create": "weather", "timeseries": {"timeField": "timestamp", "metaField": "metadata", "granularity": "hours"}},
    );
    let rows = [
        ("2021-05-18T00:00:00.000Z", 12),
        ("2021-05-18T04:00:00.000Z", 11),
        ("2021-05-18T08:00:00.000Z", 11),
        ("2021-05-18T12:00:00.000Z", 12),
        ("2021-05-18T16:00:00.000Z", 16),
        ("2021-05-18T20:00:00.000Z", 15),
        ("2021-05-19T00:00:00.000Z", 13),
        ("2021-05-19T04:00:00.000Z", 12),
        ("2021-05-19T08:00:00.000Z", 11),
        ("2021-05-19T12:00:00.000Z", 12),
        ("2021-05-19T16:00:00.000Z", 17),
        ("2021-05-19T20:00:00.000Z", 12),
    ];
    let docs: Vec<Document> = rows
        .iter()
        .enumerate()
        .map(|(i, (t, temp))| {
            doc! {"_id": i as i32, "metadata": {"sensorId": 5578, "type": "temperature"}, "timestamp": date(t), "temp": *temp}
        })
        .collect();
    let r = ok(e, "d", doc! {"insert": "weather", "documents": docs});
    assert_eq!(r.get_i32("n").unwrap(), 12);
}

#[test]
fn a_time_series_collection_is_listed_as_mongod_lists_it() {
    let e = Engine::in_memory();
    weather(&e);
    let entry = listed(&e, "d", "weather").unwrap();
    assert_eq!(entry.get_str("type").unwrap(), "timeseries");
    assert_eq!(
        entry.get_document("options").unwrap(),
        &doc! {"timeseries": {"timeField": "timestamp", "metaField": "metadata", "granularity": "hours", "bucketMaxSpanSeconds": 2592000}}
    );
    // The buckets collection is listed too, as a collection.
    let buckets = listed(&e, "d", "system.buckets.weather").unwrap();
    assert_eq!(buckets.get_str("type").unwrap(), "collection");
    // mongod 6.3+ creates an index on the metaField and the timeField.
    let indexes = batch(&ok(&e, "d", doc! {"listIndexes": "weather"}));
    assert_eq!(
        indexes
            .iter()
            .map(|i| i.get_document("key").unwrap().clone())
            .collect::<Vec<_>>(),
        vec![doc! {"metadata": 1, "timestamp": 1}]
    );
    assert_eq!(
        indexes[0].get_str("name").unwrap(),
        "metadata_1_timestamp_1"
    );
}

#[test]
fn measurements_come_back_as_inserted() {
    let e = Engine::in_memory();
    weather(&e);
    // The documentation's findOne on a timestamp.
    let found = find_all(
        &e,
        "d",
        doc! {"find": "weather", "filter": {"timestamp": date("2021-05-18T00:00:00.000Z")}},
    );
    assert_eq!(found.len(), 1);
    let m = &found[0];
    assert_eq!(
        m.get_datetime("timestamp").unwrap(),
        &date("2021-05-18T00:00:00.000Z")
    );
    assert_eq!(
        m.get_document("metadata").unwrap(),
        &doc! {"sensorId": 5578, "type": "temperature"}
    );
    assert_eq!(m.get_i32("temp").unwrap(), 12);
    assert_eq!(m.get_i32("_id").unwrap(), 0);
    // A time range and the metaField, through find and through aggregate.
    let day = find_all(
        &e,
        "d",
        doc! {"find": "weather", "filter": {
            "timestamp": {"$gte": date("2021-05-19T00:00:00.000Z"), "$lt": date("2021-05-20T00:00:00.000Z")},
            "metadata.sensorId": 5578,
        }, "sort": {"timestamp": 1}},
    );
    assert_eq!(
        day.iter()
            .map(|d| d.get_i32("temp").unwrap())
            .collect::<Vec<_>>(),
        vec![13, 12, 11, 12, 17, 12]
    );
    let r = ok(
        &e,
        "d",
        doc! {"aggregate": "weather", "pipeline": [
            {"$match": {"timestamp": {"$lt": date("2021-05-19T00:00:00.000Z")}}},
            {"$group": {"_id": "$metadata.sensorId", "max": {"$max": "$temp"}, "n": {"$sum": 1}}},
        ], "cursor": {}},
    );
    assert_eq!(batch(&r), vec![doc! {"_id": 5578, "max": 16, "n": 6}]);
    assert_eq!(
        ok(&e, "d", doc! {"count": "weather"}).get_i64("n").unwrap(),
        12
    );
    // Granularity "hours": buckets start at a day boundary and span 30 days (2592000 s),
    // so both days share one bucket of 12 measurements.
    let buckets = find_all(&e, "d", doc! {"find": "system.buckets.weather"});
    assert_eq!(buckets.len(), 1);
    let data = buckets[0].get_document("data").unwrap();
    assert_eq!(data.get_document("temp").unwrap().len(), 12);
    assert_eq!(
        buckets[0]
            .get_document("control")
            .unwrap()
            .get_document("min")
            .unwrap()
            .get_datetime("timestamp")
            .unwrap(),
        &date("2021-05-18T00:00:00.000Z")
    );
    assert_eq!(
        buckets[0].get_document("meta").unwrap(),
        &doc! {"sensorId": 5578, "type": "temperature"}
    );
}

#[test]
fn inserts_need_a_date_in_the_time_field() {
    let e = Engine::in_memory();
    weather(&e);
    let r = e.execute(
        "d",
        doc! {"insert": "weather", "documents": [{"metadata": {"sensorId": 1}, "temp": 3}, {"timestamp": "yesterday"}], "ordered": false},
    );
    let errors = r.get_array("writeErrors").unwrap();
    assert_eq!(errors.len(), 2, "{r}");
    let first = errors[0].as_document().unwrap();
    assert_eq!(first.get_i32("code").unwrap(), 2);
    assert_eq!(
        first.get_str("errmsg").unwrap(),
        "'timestamp' must be present and contain a valid BSON UTC datetime value"
    );
    assert_eq!(r.get_i32("n").unwrap(), 0);
}

#[test]
fn create_refuses_bad_time_series_options() {
    let e = Engine::in_memory();
    let code = |cmd: Document| err_code(&e, "d", cmd);
    assert_eq!(
        code(doc! {"create": "t", "timeseries": {"metaField": "m"}}),
        40414
    );
    assert_eq!(
        code(doc! {"create": "t", "timeseries": {"timeField": "t", "metaField": "t"}}),
        72
    );
    assert_eq!(
        code(doc! {"create": "t", "timeseries": {"timeField": "t", "bucketMaxSpanSeconds": 100}}),
        72
    );
    assert_eq!(
        code(doc! {"create": "t", "timeseries": {"timeField": "t"}, "capped": true, "size": 100}),
        72
    );
    let r = e.execute(
        "d",
        doc! {"create": "t", "timeseries": {"timeField": "a.b"}},
    );
    assert_eq!(
        r.get_str("errmsg").unwrap(),
        "d.t: 'timeField' must be a top-level field and not contain a '.'"
    );
    // Custom bucketing (6.3+) is listed without granularity.
    ok(
        &e,
        "d",
        doc! {"create": "custom", "timeseries": {"timeField": "t", "bucketMaxSpanSeconds": 300, "bucketRoundingSeconds": 300}, "expireAfterSeconds": 3600},
    );
    assert_eq!(
        listed(&e, "d", "custom")
            .unwrap()
            .get_document("options")
            .unwrap(),
        &doc! {"timeseries": {"timeField": "t", "bucketRoundingSeconds": 300, "bucketMaxSpanSeconds": 300}, "expireAfterSeconds": 3600_i64}
    );
}

#[test]
fn updates_and_deletes_as_mongod_7_0_allows_them() {
    let e = Engine::in_memory();
    weather(&e);
    // mongod reports the refusals as write errors (PyMongo's BulkWriteError, code 72).
    let refused = |update: Document| {
        let r = ok(&e, "d", doc! {"update": "weather", "updates": [update]});
        let w = r.get_array("writeErrors").unwrap()[0]
            .as_document()
            .unwrap()
            .clone();
        (
            w.get_i32("code").unwrap(),
            w.get_str("errmsg").unwrap().to_string(),
        )
    };
    assert_eq!(
        refused(doc! {"q": {"metadata.sensorId": 5578}, "u": {"$set": {"metadata.type": "temp"}}}),
        (
            72,
            "Cannot perform a non-multi update on a time-series collection".to_string()
        )
    );
    assert_eq!(
        refused(
            doc! {"q": {"metadata.sensorId": 5578}, "u": {"$set": {"metadata.type": "t"}}, "multi": true, "upsert": true}
        ),
        (
            72,
            "Cannot perform an upsert on a time-series collection".to_string()
        )
    );
    assert_eq!(
        refused(doc! {"q": {"temp": 12}, "u": {"$set": {"metadata.type": "t"}}, "multi": true}).0,
        72
    );
    // A metaField update with multi: true is allowed.
    ok(
        &e,
        "d",
        doc! {"update": "weather", "updates": [{"q": {"metadata.sensorId": 5578}, "u": {"$set": {"metadata.type": "celsius"}}, "multi": true}]},
    );
    let all = find_all(&e, "d", doc! {"find": "weather", "batchSize": 100});
    assert_eq!(all.len(), 12);
    assert!(
        all.iter()
            .all(|m| m.get_document("metadata").unwrap().get_str("type").unwrap() == "celsius")
    );
    // 7.0 deletes with any filter.
    let r = ok(
        &e,
        "d",
        doc! {"delete": "weather", "deletes": [{"q": {"temp": {"$gte": 15}}, "limit": 0}]},
    );
    assert_eq!(r.get_i32("n").unwrap(), 3);
    assert_eq!(
        ok(&e, "d", doc! {"count": "weather"}).get_i64("n").unwrap(),
        9
    );
    ok(
        &e,
        "d",
        doc! {"delete": "weather", "deletes": [{"q": {"metadata.sensorId": 5578}, "limit": 0}]},
    );
    assert_eq!(
        ok(&e, "d", doc! {"count": "weather"}).get_i64("n").unwrap(),
        0
    );
    // Dropping the collection drops its buckets.
    ok(&e, "d", doc! {"drop": "weather"});
    assert!(listed(&e, "d", "system.buckets.weather").is_none());
}

#[test]
fn indexes_on_the_meta_and_time_fields() {
    let e = Engine::in_memory();
    weather(&e);
    let r = ok(
        &e,
        "d",
        doc! {"createIndexes": "weather", "indexes": [{"key": {"metadata.sensorId": 1, "timestamp": -1}, "name": "sensor_time"}]},
    );
    assert_eq!(r.get_i32("numIndexesAfter").unwrap(), 3);
    let keys: Vec<Document> = batch(&ok(&e, "d", doc! {"listIndexes": "weather"}))
        .iter()
        .map(|i| i.get_document("key").unwrap().clone())
        .collect();
    assert_eq!(
        keys,
        vec![
            doc! {"metadata": 1, "timestamp": 1},
            doc! {"metadata.sensorId": 1, "timestamp": -1}
        ]
    );
    let r = e.execute(
        "d",
        doc! {"createIndexes": "weather", "indexes": [{"key": {"metadata": 1}, "name": "u", "unique": true}]},
    );
    assert_eq!(
        r.get_str("errmsg").unwrap(),
        "Unique indexes are not supported on time-series collections"
    );
}

#[test]
fn clustered_collections_follow_the_documentation_example() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"create": "products", "clusteredIndex": {"key": {"_id": 1}, "unique": true, "name": "products clustered key"}},
    );
    let entry = listed(&e, "d", "products").unwrap();
    assert_eq!(
        entry.get_document("options").unwrap(),
        &doc! {"clusteredIndex": {"v": 2, "key": {"_id": 1}, "name": "products clustered key", "unique": true}}
    );
    assert!(!entry.contains_key("idIndex"), "{entry}");
    let indexes = batch(&ok(&e, "d", doc! {"listIndexes": "products"}));
    assert_eq!(
        indexes,
        vec![
            doc! {"v": 2, "key": {"_id": 1}, "name": "products clustered key", "unique": true, "clustered": true}
        ]
    );
    // Documents come back in _id order, the clustered order.
    common::insert(
        &e,
        "d",
        "products",
        vec![doc! {"_id": 3}, doc! {"_id": 1}, doc! {"_id": 2}],
    );
    let ids: Vec<Bson> = find_all(&e, "d", doc! {"find": "products"})
        .iter()
        .map(|d| d.get("_id").unwrap().clone())
        .collect();
    assert_eq!(ids, vec![Bson::Int32(1), Bson::Int32(2), Bson::Int32(3)]);
}

#[test]
fn clustered_create_errors_are_mongods() {
    let e = Engine::in_memory();
    let r = e.execute(
        "d",
        doc! {"create": "c", "clusteredIndex": {"key": {"_id": 1}, "unique": false}},
    );
    assert_eq!(r.get_i32("code").unwrap(), 5979700);
    assert_eq!(
        r.get_str("errmsg").unwrap(),
        "The clusteredIndex option requires unique: true to be specified"
    );
    let r = e.execute(
        "d",
        doc! {"create": "c", "clusteredIndex": {"key": {"a": 1}, "unique": true}},
    );
    assert_eq!(r.get_i32("code").unwrap(), 197);
    assert_eq!(
        r.get_str("errmsg").unwrap(),
        "The clusteredIndex option is only supported for key: {_id: 1}"
    );
    let r = e.execute("d", doc! {"create": "c", "expireAfterSeconds": 10});
    assert_eq!(r.get_i32("code").unwrap(), 72);
    assert_eq!(
        r.get_str("errmsg").unwrap(),
        "'expireAfterSeconds' is only supported on time-series collections or when the 'clusteredIndex' option is specified"
    );
    assert_eq!(
        err_code(
            &e,
            "d",
            doc! {"create": "c", "clusteredIndex": {"key": {"_id": 1}, "unique": true}, "max": 10}
        ),
        6049204
    );
}

#[test]
fn clustered_and_time_series_ttl_delete_expired_data() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"create": "sessions", "clusteredIndex": {"key": {"_id": 1}, "unique": true}, "expireAfterSeconds": 60},
    );
    let now = DateTime::now();
    let old = DateTime::from_millis(now.timestamp_millis() - 3_600_000);
    common::insert(
        &e,
        "d",
        "sessions",
        vec![
            doc! {"_id": old, "user": "a"},
            doc! {"_id": now, "user": "b"},
        ],
    );
    ok(
        &e,
        "d",
        doc! {"create": "metrics", "timeseries": {"timeField": "t"}, "expireAfterSeconds": 60},
    );
    common::insert(
        &e,
        "d",
        "metrics",
        vec![doc! {"t": old, "v": 1}, doc! {"t": now, "v": 2}],
    );
    let removed = e.expire_ttl(now);
    assert_eq!(removed, 2, "one clustered document and one bucket");
    let users: Vec<String> = find_all(&e, "d", doc! {"find": "sessions"})
        .iter()
        .map(|d| d.get_str("user").unwrap().to_string())
        .collect();
    assert_eq!(users, vec!["b"]);
    let values: Vec<i32> = find_all(&e, "d", doc! {"find": "metrics"})
        .iter()
        .map(|d| d.get_i32("v").unwrap())
        .collect();
    assert_eq!(values, vec![2]);
}

#[test]
fn a_persisted_time_series_collection_reopens() {
    let dir = std::env::temp_dir().join(format!("docdb-ts-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let e = Engine::open_dir(&dir).unwrap();
        weather(&e);
        ok(
            &e,
            "d",
            doc! {"create": "log", "capped": true, "size": 4096, "max": 2},
        );
        common::insert(&e, "d", "log", (1..=4).map(|i| doc! {"_id": i}).collect());
    }
    let e = Engine::open_dir(&dir).unwrap();
    assert_eq!(
        ok(&e, "d", doc! {"count": "weather"}).get_i64("n").unwrap(),
        12
    );
    let ids: Vec<i32> = find_all(&e, "d", doc! {"find": "log"})
        .iter()
        .map(|d| d.get_i32("_id").unwrap())
        .collect();
    assert_eq!(ids, vec![3, 4]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn explain_shows_the_clustered_scan_and_the_unpacking() {
    let e = Engine::in_memory();
    ok(
        &e,
        "d",
        doc! {"create": "products", "clusteredIndex": {"key": {"_id": 1}, "unique": true}},
    );
    common::insert(
        &e,
        "d",
        "products",
        (0..10).map(|i| doc! {"_id": i}).collect(),
    );
    // mongod 7.0: a bounded collection scan on the cluster key, no _id index.
    let r = ok(
        &e,
        "d",
        doc! {"explain": {"find": "products", "filter": {"_id": {"$gte": 3, "$lt": 6}}}, "verbosity": "queryPlanner"},
    );
    let plan = r
        .get_document("queryPlanner")
        .unwrap()
        .get_document("winningPlan")
        .unwrap();
    assert_eq!(plan.get_str("stage").unwrap(), "CLUSTERED_IXSCAN", "{plan}");
    assert_eq!(plan.get_i32("minRecord").unwrap(), 3);
    assert_eq!(plan.get_i32("maxRecord").unwrap(), 6);
    // A time-series read is explained as mongod's aggregation over the buckets.
    weather(&e);
    let r = ok(
        &e,
        "d",
        doc! {"explain": {"find": "weather", "filter": {"temp": 12}}, "verbosity": "executionStats"},
    );
    let stages = r.get_array("stages").unwrap();
    let cursor = stages[0]
        .as_document()
        .unwrap()
        .get_document("$cursor")
        .unwrap();
    assert_eq!(
        cursor
            .get_document("queryPlanner")
            .unwrap()
            .get_str("namespace")
            .unwrap(),
        "d.system.buckets.weather"
    );
    assert!(
        stages[1]
            .as_document()
            .unwrap()
            .contains_key("$_internalUnpackBucket")
    );
    assert_eq!(
        stages[2].as_document().unwrap(),
        &doc! {"$match": {"temp": 12}}
    );
    // mongosh's stats() runs $collStats, which reads the buckets of a time-series collection.
    let r = ok(
        &e,
        "d",
        doc! {"aggregate": "weather", "pipeline": [{"$collStats": {"storageStats": {}}}], "cursor": {}},
    );
    assert_eq!(batch(&r).len(), 1, "{r}");
    // A time-series collection (a view over its buckets) cannot be renamed (mongod 7.0: 166).
    assert_eq!(
        err_code(
            &e,
            "admin",
            doc! {"renameCollection": "d.weather", "to": "d.weather2"}
        ),
        166
    );
    let stats = ok(&e, "d", doc! {"collStats": "weather"});
    assert_eq!(
        stats
            .get_document("timeseries")
            .unwrap()
            .get_str("bucketsNs")
            .unwrap(),
        "d.system.buckets.weather"
    );
}
