//! Collation through the wire with the official `mongodb` driver: every command that takes
//! one, the collection default, and indexes with a collation (used only by queries with the
//! same collation, as the explain output shows). Expected values come from MongoDB's collation
//! pages (reference/collation/: the `myColl` café examples and the strength table; the
//! db.collection.createIndex "Collation" examples) and the issue's own example, never from the
//! engine's output.

mod common;

use bson::{Bson, Document, doc};
use futures_util::TryStreamExt;
use mongodb::options::{Collation, CollationStrength, IndexOptions};
use mongodb::{Collection, IndexModel};

fn collation(locale: &str, strength: Option<CollationStrength>) -> Collation {
    let mut c = Collation::builder().locale(locale.to_string()).build();
    c.strength = strength;
    c
}

fn en_strength_2() -> Collation {
    collation("en_US", Some(CollationStrength::Secondary))
}

async fn ids(cursor: mongodb::Cursor<Document>) -> Vec<i32> {
    let docs: Vec<Document> = cursor.try_collect().await.expect("cursor drains");
    docs.iter()
        .map(|d| d.get_i32("_id").expect("int _id"))
        .collect()
}

/// The `myColl` collection of the collation reference page.
async fn my_coll(db: &mongodb::Database) -> Collection<Document> {
    let c = db.collection::<Document>("myColl");
    c.insert_many(vec![
        doc! {"_id": 1, "category": "café", "status": "A"},
        doc! {"_id": 2, "category": "cafe", "status": "a"},
        doc! {"_id": 3, "category": "cafE", "status": "a"},
    ])
    .await
    .expect("insert");
    c
}

#[tokio::test]
async fn every_command_honours_the_collation() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let db = client.database("collation_commands");

    // The example: a case-insensitive deleteMany.
    let pings = db.collection::<Document>("pings");
    pings
        .insert_many(vec![
            doc! {"_id": 1, "x": "ping"},
            doc! {"_id": 2, "x": "Ping"},
            doc! {"_id": 3, "x": "PING"},
            doc! {"_id": 4, "x": "pong"},
        ])
        .await
        .expect("insert");
    let deleted = pings
        .delete_many(doc! {"x": "PING"})
        .collation(en_strength_2())
        .await
        .expect("delete");
    assert_eq!(deleted.deleted_count, 3);

    let c = my_coll(&db).await;
    // Reference page: {locale: "fr"} (tertiary) finds only "cafe"; strength 1 finds all three.
    assert_eq!(
        ids(c
            .find(doc! {"category": "cafe"})
            .collation(collation("fr", None))
            .await
            .unwrap())
        .await,
        [2]
    );
    assert_eq!(
        ids(c
            .find(doc! {"category": "cafe"})
            .collation(collation("fr", Some(CollationStrength::Primary)))
            .await
            .unwrap())
        .await,
        [1, 2, 3]
    );
    // Strength 2 keeps accents apart but not case.
    assert_eq!(
        c.count_documents(doc! {"category": "cafe"})
            .collation(collation("fr", Some(CollationStrength::Secondary)))
            .await
            .unwrap(),
        2
    );
    let values = c
        .distinct("status", doc! {})
        .collation(collation("fr", Some(CollationStrength::Secondary)))
        .await
        .unwrap();
    assert_eq!(values.len(), 1, "{values:?}");
    let updated = c
        .update_many(doc! {"status": "a"}, doc! {"$set": {"seen": true}})
        .collation(collation("fr", Some(CollationStrength::Secondary)))
        .await
        .unwrap();
    assert_eq!(updated.matched_count, 3);
    let found = c
        .find_one_and_update(doc! {"category": "CAFE"}, doc! {"$set": {"picked": true}})
        .collation(collation("fr", Some(CollationStrength::Secondary)))
        .await
        .unwrap()
        .expect("one matches");
    assert_eq!(found.get_i32("_id").unwrap(), 2);
    // $match and $group in a pipeline, under strength 1: one group of three.
    let groups: Vec<Document> = c
        .aggregate(vec![
            doc! {"$match": {"category": "CAFE"}},
            doc! {"$group": {"_id": "$category", "n": {"$sum": 1}}},
        ])
        .collation(collation("fr", Some(CollationStrength::Primary)))
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert_eq!(groups[0].get_i32("n").unwrap(), 3);
    // $lookup equality follows the aggregate's collation.
    db.collection::<Document>("labels")
        .insert_one(doc! {"_id": 1, "category": "CAFÉ", "label": "coffee"})
        .await
        .unwrap();
    let joined: Vec<Document> = c
        .aggregate(vec![
            doc! {"$lookup": {"from": "labels", "localField": "category", "foreignField": "category", "as": "l"}},
            doc! {"$match": {"l": {"$ne": []}}},
        ])
        .collation(collation("fr", Some(CollationStrength::Primary)))
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(joined.len(), 3);
    // Update operators compare array elements under the update's collation too.
    let tags = db.collection::<Document>("tags");
    tags.insert_one(doc! {"_id": 1, "t": ["a", "b"]})
        .await
        .unwrap();
    tags.update_one(doc! {"_id": 1}, doc! {"$addToSet": {"t": "A"}})
        .collation(en_strength_2())
        .await
        .unwrap();
    tags.update_one(doc! {"_id": 1}, doc! {"$pull": {"t": "B"}})
        .collation(en_strength_2())
        .await
        .unwrap();
    let after = tags.find_one(doc! {"_id": 1}).await.unwrap().unwrap();
    assert_eq!(
        after.get_array("t").unwrap(),
        &vec![Bson::String("a".into())]
    );
    // Sorting: numericOrdering and locale letter order.
    let nums = db.collection::<Document>("nums");
    nums.insert_many(vec![
        doc! {"_id": 1, "v": "10"},
        doc! {"_id": 2, "v": "2"},
        doc! {"_id": 3, "v": "1"},
    ])
    .await
    .unwrap();
    let mut numeric = collation("en", None);
    numeric.numeric_ordering = Some(true);
    assert_eq!(
        ids(nums
            .find(doc! {})
            .sort(doc! {"v": 1})
            .collation(numeric)
            .await
            .unwrap())
        .await,
        [3, 2, 1]
    );
    assert_eq!(
        ids(nums.find(doc! {}).sort(doc! {"v": 1}).await.unwrap()).await,
        [3, 1, 2]
    );
    // A bad locale is mongod's BadValue.
    let err = c
        .find(doc! {})
        .collation(collation("xx_YY", None))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("locale"), "{err}");
    assert_eq!(server_code(&err), Some(2));
}

fn server_code(e: &mongodb::error::Error) -> Option<i32> {
    match e.kind.as_ref() {
        mongodb::error::ErrorKind::Command(c) => Some(c.code),
        _ => None,
    }
}

/// The name of the index the winning plan scans, or "COLLSCAN".
fn winning_access(explain: &Document) -> String {
    fn walk(stage: &Document) -> Option<String> {
        if stage.get_str("stage").ok() == Some("COLLSCAN") {
            return Some("COLLSCAN".into());
        }
        if let Ok(name) = stage.get_str("indexName") {
            return Some(name.to_string());
        }
        stage.get_document("inputStage").ok().and_then(walk)
    }
    let plan = explain
        .get_document("queryPlanner")
        .and_then(|q| q.get_document("winningPlan"))
        .expect("queryPlanner.winningPlan");
    walk(plan).unwrap_or_default()
}

async fn explain_find(
    db: &mongodb::Database,
    filter: Document,
    collation: Option<Document>,
) -> String {
    let mut find = doc! {"find": "words", "filter": filter};
    if let Some(c) = collation {
        find.insert("collation", c);
    }
    let reply = db
        .run_command(doc! {"explain": find, "verbosity": "queryPlanner"})
        .await
        .expect("explain");
    winning_access(&reply)
}

#[tokio::test]
async fn indexes_with_a_collation_serve_only_that_collation() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let db = client.database("collation_indexes");
    let words = db.collection::<Document>("words");
    words
        .insert_many(vec![
            doc! {"_id": 1, "w": "apple"},
            doc! {"_id": 2, "w": "Apple"},
            doc! {"_id": 3, "w": "banana"},
        ])
        .await
        .unwrap();
    // Two indexes on the same key: one case-insensitive, one binary.
    words
        .create_index(
            IndexModel::builder()
                .keys(doc! {"w": 1})
                .options(
                    IndexOptions::builder()
                        .name("w_ci".to_string())
                        .collation(en_strength_2())
                        .build(),
                )
                .build(),
        )
        .await
        .unwrap();
    words
        .create_index(
            IndexModel::builder()
                .keys(doc! {"w": 1})
                .options(IndexOptions::builder().name("w_bin".to_string()).build())
                .build(),
        )
        .await
        .unwrap();
    let listed: Vec<Document> = db
        .run_command(doc! {"listIndexes": "words"})
        .await
        .unwrap()
        .get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap()
        .iter()
        .filter_map(Bson::as_document)
        .cloned()
        .collect();
    let ci = listed
        .iter()
        .find(|o| o.get_str("name").ok() == Some("w_ci"))
        .expect("w_ci listed");
    assert_eq!(
        ci.get_document("collation")
            .unwrap()
            .get_str("locale")
            .unwrap(),
        "en_US"
    );
    assert_eq!(
        ci.get_document("collation")
            .unwrap()
            .get_i32("strength")
            .unwrap(),
        2
    );

    let strength2 = doc! {"locale": "en_US", "strength": 2};
    assert_eq!(
        explain_find(&db, doc! {"w": "APPLE"}, Some(strength2.clone())).await,
        "w_ci"
    );
    assert_eq!(explain_find(&db, doc! {"w": "apple"}, None).await, "w_bin");
    assert_eq!(
        explain_find(
            &db,
            doc! {"w": "apple"},
            Some(doc! {"locale": "en_US", "strength": 1})
        )
        .await,
        "COLLSCAN"
    );
    // Hinting the binary index for a case-insensitive query still finds both spellings: an
    // index of another collation is scanned whole, never used to bound strings.
    let hinted = ids(words
        .find(doc! {"w": "APPLE"})
        .hint(mongodb::options::Hint::Name("w_bin".to_string()))
        .collation(en_strength_2())
        .await
        .unwrap())
    .await;
    let mut hinted = hinted;
    hinted.sort_unstable();
    assert_eq!(hinted, [1, 2]);
    // The collated index answers the case-insensitive query with both spellings, in order.
    let found = ids(words
        .find(doc! {"w": {"$gte": "APPLE"}})
        .sort(doc! {"w": 1, "_id": 1})
        .collation(en_strength_2())
        .await
        .unwrap())
    .await;
    assert_eq!(found, [1, 2, 3]);

    // A unique index with strength 2 treats "x" and "X" as the same key (E11000).
    let tags = db.collection::<Document>("tags");
    tags.create_index(
        IndexModel::builder()
            .keys(doc! {"t": 1})
            .options(
                IndexOptions::builder()
                    .unique(true)
                    .collation(en_strength_2())
                    .build(),
            )
            .build(),
    )
    .await
    .unwrap();
    tags.insert_one(doc! {"t": "x"}).await.unwrap();
    let dup = tags.insert_one(doc! {"t": "X"}).await.unwrap_err();
    assert!(dup.to_string().contains("E11000"), "{dup}");
}

#[tokio::test]
async fn a_collection_default_collation_applies_to_operations_and_indexes() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let db = client.database("collation_default");
    db.create_collection("people")
        .collation(en_strength_2())
        .await
        .unwrap();
    let people = db.collection::<Document>("people");
    people
        .insert_many(vec![
            doc! {"_id": 1, "n": "Zoë"},
            doc! {"_id": 2, "n": "ZOË"},
            doc! {"_id": 3, "n": "zoe"},
        ])
        .await
        .unwrap();
    // No collation given: the default (strength 2: case folds, accents count).
    assert_eq!(
        ids(people.find(doc! {"n": "zoë"}).await.unwrap()).await,
        [1, 2]
    );
    // An explicit simple collation overrides the default.
    assert_eq!(
        ids(people
            .find(doc! {"n": "zoë"})
            .collation(Collation::builder().locale("simple".to_string()).build())
            .await
            .unwrap())
        .await,
        Vec::<i32>::new()
    );
    // listCollections shows the resolved default.
    let specs: Vec<Document> = db
        .run_command(doc! {"listCollections": 1, "filter": {"name": "people"}})
        .await
        .unwrap()
        .get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap()
        .iter()
        .filter_map(Bson::as_document)
        .cloned()
        .collect();
    let options = specs[0].get_document("options").unwrap();
    assert_eq!(
        options.get_document("collation").unwrap(),
        &doc! {
            "locale": "en_US", "caseLevel": false, "caseFirst": "off", "strength": 2,
            "numericOrdering": false, "alternate": "non-ignorable", "maxVariable": "punct",
            "normalization": false, "backwards": false, "version": "57.1",
        }
    );
    assert_eq!(
        specs[0]
            .get_document("idIndex")
            .unwrap()
            .get_document("collation")
            .unwrap()
            .get_i32("strength")
            .unwrap(),
        2,
        "the _id index has the default collation"
    );
    // An index without its own collation inherits the default.
    people
        .create_index(IndexModel::builder().keys(doc! {"n": 1}).build())
        .await
        .unwrap();
    let reply = db
        .run_command(doc! {"explain": {"find": "people", "filter": {"n": "ZOË"}}, "verbosity": "queryPlanner"})
        .await
        .unwrap();
    assert_eq!(winning_access(&reply), "n_1");
}

#[test]
fn collations_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!("docdb-collation-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let strength2 = doc! {"locale": "en_US", "strength": 2};
    {
        let e = docdb::Engine::open_dir(&dir).unwrap();
        common::ok(
            &e,
            "d",
            doc! {"create": "people", "collation": strength2.clone()},
        );
        common::ok(
            &e,
            "d",
            doc! {"createIndexes": "people", "indexes": [{"key": {"n": 1}, "name": "n_ci", "unique": true}]},
        );
        common::ok(
            &e,
            "d",
            doc! {"insert": "people", "documents": [{"_id": 1, "n": "Ada"}]},
        );
    }
    let e = docdb::Engine::open_dir(&dir).unwrap();
    // The default collation still applies, and the unique index still folds case.
    assert_eq!(
        common::find_all(&e, "d", doc! {"find": "people", "filter": {"n": "ADA"}}).len(),
        1
    );
    let reply = common::ok(
        &e,
        "d",
        doc! {"insert": "people", "documents": [{"_id": 2, "n": "ada"}]},
    );
    let errors = reply.get_array("writeErrors").expect("a write error");
    assert_eq!(
        errors[0].as_document().unwrap().get_i32("code").unwrap(),
        11000
    );
    let indexes = common::ok(&e, "d", doc! {"listIndexes": "people"});
    let batch = indexes
        .get_document("cursor")
        .unwrap()
        .get_array("firstBatch")
        .unwrap();
    let n_ci = batch
        .iter()
        .filter_map(Bson::as_document)
        .find(|i| i.get_str("name").ok() == Some("n_ci"))
        .expect("n_ci listed");
    assert_eq!(
        n_ci.get_document("collation")
            .unwrap()
            .get_i32("strength")
            .unwrap(),
        2
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn create_checks_and_compares_collations() {
    let e = docdb::Engine::in_memory();
    let spec = doc! {"locale": "fr", "strength": 1};
    common::ok(&e, "d", doc! {"create": "c", "collation": spec.clone()});
    // The same create again is accepted: the kept (resolved) options are compared.
    common::ok(&e, "d", doc! {"create": "c", "collation": spec});
    assert_eq!(
        common::err_code(&e, "d", doc! {"create": "c", "collation": {"locale": "de"}}),
        48
    );
    assert_eq!(
        common::err_code(
            &e,
            "d",
            doc! {"create": "bad", "collation": {"locale": "xx"}}
        ),
        2
    );
    let names = common::ok(&e, "d", doc! {"listCollections": 1, "nameOnly": true});
    assert_eq!(
        names
            .get_document("cursor")
            .unwrap()
            .get_array("firstBatch")
            .unwrap()
            .len(),
        1,
        "the refused collection was not created"
    );
    assert_eq!(
        common::err_code(
            &e,
            "d",
            doc! {"collMod": "c", "collation": {"locale": "de"}}
        ),
        72
    );
    assert_eq!(
        common::err_code(
            &e,
            "d",
            doc! {"create": "v", "viewOn": "c", "pipeline": [], "collation": {"locale": "en"}}
        ),
        72
    );
}

#[test]
fn operations_on_a_view_keep_its_simple_collation() {
    let e = docdb::Engine::in_memory();
    common::insert(&e, "d", "c", vec![doc! {"_id": 1, "x": "a"}]);
    common::ok(&e, "d", doc! {"create": "v", "viewOn": "c", "pipeline": []});
    let strength2 = doc! {"locale": "en", "strength": 2};
    for cmd in [
        doc! {"find": "v", "filter": {"x": "A"}, "collation": strength2.clone()},
        doc! {"aggregate": "v", "pipeline": [], "cursor": {}, "collation": strength2.clone()},
        doc! {"count": "v", "collation": strength2.clone()},
        doc! {"distinct": "v", "key": "x", "collation": strength2.clone()},
    ] {
        assert_eq!(common::err_code(&e, "d", cmd.clone()), 167, "{cmd}");
    }
    // The simple collation is the view's own: accepted.
    assert_eq!(
        common::find_all(
            &e,
            "d",
            doc! {"find": "v", "collation": {"locale": "simple"}}
        )
        .len(),
        1
    );
}
