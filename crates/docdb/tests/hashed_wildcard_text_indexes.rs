//! Hashed, wildcard and text indexes through the `mongodb` driver, after MongoDB's manual:
//! "Hashed Indexes" (equality uses them, ranges do not, no arrays, no `unique`), "Wildcard
//! Indexes" (the `products_catalog` example: a query on one attribute path scans the index
//! with `$_path`; `$exists: false` cannot use it) and the `$text` page's `articles` example,
//! answered from the text index's stored entries as documents are inserted, changed and
//! deleted.

mod common;

use bson::{Document, doc};
use futures_util::TryStreamExt;
use mongodb::IndexModel;
use mongodb::error::ErrorKind;
use mongodb::options::IndexOptions;

fn code(e: &mongodb::error::Error) -> i32 {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => c.code,
        ErrorKind::Write(mongodb::error::WriteFailure::WriteError(w)) => w.code,
        other => panic!("not a server error: {other:?}"),
    }
}

/// The winning plan's stage names, outermost first, and its first IXSCAN (if any).
async fn winning(db: &mongodb::Database, coll: &str, filter: Document) -> (Vec<String>, Document) {
    let plan = db
        .run_command(
            doc! {"explain": {"find": coll, "filter": filter}, "verbosity": "queryPlanner"},
        )
        .await
        .unwrap();
    let mut stage = plan
        .get_document("queryPlanner")
        .unwrap()
        .get_document("winningPlan")
        .unwrap()
        .clone();
    let mut names = Vec::new();
    let mut ixscan = Document::new();
    loop {
        let name = stage.get_str("stage").unwrap().to_string();
        if name == "IXSCAN" {
            ixscan = stage.clone();
        }
        names.push(name);
        match stage.get_document("inputStage") {
            Ok(inner) => stage = inner.clone(),
            Err(_) => break,
        }
    }
    (names, ixscan)
}

#[tokio::test]
async fn hashed_indexes_serve_equality_only() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let db = client.database("hashed");
    let orders = db.collection::<Document>("orders");
    orders
        .create_index(IndexModel::builder().keys(doc! {"a": "hashed"}).build())
        .await
        .unwrap();
    orders
        .insert_many((0..20).map(|i| doc! {"_id": i, "a": i, "s": format!("x{i}")}))
        .await
        .unwrap();

    let (stages, ixscan) = winning(&db, "orders", doc! {"a": 5}).await;
    assert_eq!(stages, vec!["FETCH", "IXSCAN"]);
    assert_eq!(ixscan.get_str("indexName").unwrap(), "a_hashed");
    assert_eq!(
        ixscan.get_document("keyPattern").unwrap(),
        &doc! {"a": "hashed"}
    );
    let found: Vec<Document> = orders
        .find(doc! {"a": 5})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found, vec![doc! {"_id": 5, "a": 5, "s": "x5"}]);
    // 5 and 5.0 are equal values, so they share a hash.
    assert_eq!(orders.count_documents(doc! {"a": 5.0}).await.unwrap(), 1);
    assert_eq!(
        orders
            .count_documents(doc! {"a": {"$in": [1, 2, 99]}})
            .await
            .unwrap(),
        2
    );
    // "Hashed indexes don't support range queries": a collection scan.
    let (stages, _) = winning(&db, "orders", doc! {"a": {"$gt": 15}}).await;
    assert_eq!(stages, vec!["COLLSCAN"]);
    assert_eq!(
        orders
            .count_documents(doc! {"a": {"$gt": 15}})
            .await
            .unwrap(),
        4
    );

    // Arrays cannot be hashed (16766), and the document is not stored.
    let err = orders
        .insert_one(doc! {"_id": 100, "a": [1, 2]})
        .await
        .unwrap_err();
    assert_eq!(code(&err), 16766, "{err}");
    assert!(
        err.to_string()
            .contains("hashed indexes do not currently support array values")
    );
    assert_eq!(orders.count_documents(doc! {}).await.unwrap(), 20);

    // No unique hashed index (16764).
    let err = orders
        .create_index(
            IndexModel::builder()
                .keys(doc! {"s": "hashed"})
                .options(IndexOptions::builder().unique(true).build())
                .build(),
        )
        .await
        .unwrap_err();
    assert_eq!(code(&err), 16764, "{err}");

    // A sparse hashed index has no entry for a missing field: `{x: null}` must scan.
    let sparse = db.collection::<Document>("sparse");
    sparse
        .create_index(
            IndexModel::builder()
                .keys(doc! {"x": "hashed"})
                .options(IndexOptions::builder().sparse(true).build())
                .build(),
        )
        .await
        .unwrap();
    sparse
        .insert_many([doc! {"x": 1}, doc! {"y": 1}])
        .await
        .unwrap();
    assert_eq!(sparse.count_documents(doc! {"x": null}).await.unwrap(), 1);
    let (stages, _) = winning(&db, "sparse", doc! {"x": 1}).await;
    assert_eq!(stages, vec!["FETCH", "IXSCAN"]);

    // The manual's compound example: one hashed field among ordinary ones.
    let customers = db.collection::<Document>("customers");
    customers
        .create_index(
            IndexModel::builder()
                .keys(doc! {"name": 1, "address": "hashed", "birthday": -1})
                .build(),
        )
        .await
        .unwrap();
    customers
        .insert_many([
            doc! {"name": "Ann", "address": "1 Main St", "birthday": 1990},
            doc! {"name": "Ann", "address": "2 Side St", "birthday": 1991},
            doc! {"name": "Bob", "address": "1 Main St", "birthday": 1992},
        ])
        .await
        .unwrap();
    let filter = doc! {"name": "Ann", "address": "2 Side St"};
    let (stages, ixscan) = winning(&db, "customers", filter.clone()).await;
    assert_eq!(stages, vec!["FETCH", "IXSCAN"]);
    assert_eq!(
        ixscan.get_str("indexName").unwrap(),
        "name_1_address_hashed_birthday_-1"
    );
    let found: Vec<Document> = customers
        .find(filter)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].get_i32("birthday").unwrap(), 1991);
}

#[tokio::test]
async fn wildcard_indexes_are_used_for_one_field_path() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let db = client.database("wildcard");
    let catalog = db.collection::<Document>("products_catalog");
    catalog
        .insert_many([
            doc! {"product_name": "Spy Coat", "product_attributes": {"material": ["Tweed", "Wool", "Leather"], "size": {"length": 72, "units": "inches"}}},
            doc! {"product_name": "Spy Pen", "product_attributes": {"colors": ["Blue", "Black"], "secret_feature": {"name": "laser", "power": "1000", "units": "watts"}}},
            doc! {"product_name": "Spy Book"},
        ])
        .await
        .unwrap();
    catalog
        .create_index(
            IndexModel::builder()
                .keys(doc! {"product_attributes.$**": 1})
                .build(),
        )
        .await
        .unwrap();

    // A query on one attribute path: IXSCAN on the wildcard index, bounds on `$_path`.
    let filter = doc! {"product_attributes.size.length": {"$gt": 60}};
    let (stages, ixscan) = winning(&db, "products_catalog", filter.clone()).await;
    assert_eq!(stages, vec!["FETCH", "IXSCAN"]);
    assert_eq!(
        ixscan.get_str("indexName").unwrap(),
        "product_attributes.$**_1"
    );
    assert_eq!(
        ixscan.get_document("keyPattern").unwrap(),
        &doc! {"$_path": 1, "product_attributes.size.length": 1}
    );
    let bounds = ixscan.get_document("indexBounds").unwrap();
    assert!(bounds.contains_key("$_path"), "{bounds}");
    let found: Vec<Document> = catalog
        .find(filter)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].get_str("product_name").unwrap(), "Spy Coat");

    // Equality and $in on an array-valued path (each element is indexed).
    let filter = doc! {"product_attributes.material": {"$in": ["Wool", "Silk"]}};
    let (stages, _) = winning(&db, "products_catalog", filter.clone()).await;
    assert_eq!(stages, vec!["FETCH", "IXSCAN"]);
    assert_eq!(catalog.count_documents(filter).await.unwrap(), 1);
    assert_eq!(
        catalog
            .count_documents(doc! {"product_attributes.colors": "Black"})
            .await
            .unwrap(),
        1
    );

    // What a wildcard index cannot answer: a collection scan, same results as without it.
    for filter in [
        doc! {"product_attributes.colors": {"$exists": false}},
        doc! {"product_attributes.colors": null},
        doc! {"product_attributes.colors": {"$ne": null}},
        doc! {"product_attributes.size": {"length": 72, "units": "inches"}},
        doc! {"product_name": "Spy Book"},
    ] {
        let (stages, _) = winning(&db, "products_catalog", filter.clone()).await;
        assert_eq!(stages, vec!["COLLSCAN"], "{filter}");
    }
    assert_eq!(
        catalog
            .count_documents(doc! {"product_attributes.colors": {"$exists": false}})
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        catalog
            .count_documents(doc! {"product_attributes.size": {"length": 72, "units": "inches"}})
            .await
            .unwrap(),
        1
    );
    // A sort alone does not pick a wildcard index.
    let plan = db
        .run_command(doc! {"explain": {"find": "products_catalog", "filter": {}, "sort": {"product_attributes.size.length": 1}}})
        .await
        .unwrap();
    assert!(!format!("{plan}").contains("IXSCAN"), "{plan}");

    // wildcardProjection on `$**`: only the included paths are indexed.
    let other = db.collection::<Document>("projected");
    other
        .create_index(
            IndexModel::builder()
                .keys(doc! {"$**": 1})
                .options(
                    IndexOptions::builder()
                        .wildcard_projection(doc! {"a": 1})
                        .build(),
                )
                .build(),
        )
        .await
        .unwrap();
    other
        .insert_many([doc! {"a": {"b": 1}, "c": 1}])
        .await
        .unwrap();
    let (stages, _) = winning(&db, "projected", doc! {"a.b": 1}).await;
    assert_eq!(stages, vec!["FETCH", "IXSCAN"]);
    let (stages, _) = winning(&db, "projected", doc! {"c": 1}).await;
    assert_eq!(stages, vec!["COLLSCAN"]);
}

#[tokio::test]
async fn text_search_reads_the_stored_index_as_documents_change() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let articles = client.database("text").collection::<Document>("articles");
    articles
        .create_index(IndexModel::builder().keys(doc! {"subject": "text"}).build())
        .await
        .unwrap();
    // The $text reference page's articles.
    articles
        .insert_many([
            doc! {"_id": 1, "subject": "coffee", "author": "xyz", "views": 50},
            doc! {"_id": 2, "subject": "Coffee Shopping", "author": "efg", "views": 5},
            doc! {"_id": 3, "subject": "Baking a cake", "author": "abc", "views": 90},
            doc! {"_id": 4, "subject": "baking", "author": "xyz", "views": 100},
            doc! {"_id": 5, "subject": "Café Con Leche", "author": "abc", "views": 200},
            doc! {"_id": 6, "subject": "Сырники", "author": "jkl", "views": 80},
            doc! {"_id": 7, "subject": "coffee and cream", "author": "efg", "views": 10},
            doc! {"_id": 8, "subject": "Cafe con Leche", "author": "xyz", "views": 10},
        ])
        .await
        .unwrap();
    async fn ids(coll: &mongodb::Collection<Document>, search: &str) -> Vec<i32> {
        let mut out: Vec<i32> = coll
            .find(doc! {"$text": {"$search": search}})
            .await
            .unwrap()
            .try_collect::<Vec<_>>()
            .await
            .unwrap()
            .iter()
            .map(|d| d.get_i32("_id").unwrap())
            .collect();
        out.sort();
        out
    }
    // "Search for a Single Word": 1, 2, 7. "Match Any of the Search Terms": bake coffee cake.
    assert_eq!(ids(&articles, "coffee").await, vec![1, 2, 7]);
    assert_eq!(
        ids(&articles, "bake coffee cake").await,
        vec![1, 2, 3, 4, 7]
    );
    // "Exclude Documents That Contain a Term": coffee -shop.
    assert_eq!(ids(&articles, "coffee -shop").await, vec![1, 7]);
    // The stored entries follow deletes, updates and inserts.
    articles.delete_one(doc! {"_id": 2}).await.unwrap();
    articles
        .update_one(doc! {"_id": 3}, doc! {"$set": {"subject": "coffee cake"}})
        .await
        .unwrap();
    articles
        .insert_one(doc! {"_id": 9, "subject": "Iced coffee"})
        .await
        .unwrap();
    assert_eq!(ids(&articles, "coffee").await, vec![1, 3, 7, 9]);
    // Only the documents holding a term are examined, not the whole collection.
    let plan = client
        .database("text")
        .run_command(doc! {"explain": {"find": "articles", "filter": {"$text": {"$search": "coffee"}}}, "verbosity": "executionStats"})
        .await
        .unwrap();
    let examined = plan
        .get_document("executionStats")
        .unwrap()
        .get_i32("totalDocsExamined")
        .unwrap();
    assert_eq!(examined, 4, "{plan}");
    let shown = format!("{plan}");
    assert!(
        shown.contains("TEXT_OR") && shown.contains("IXSCAN"),
        "{plan}"
    );
}
