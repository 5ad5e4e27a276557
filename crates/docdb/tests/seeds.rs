//! The MongoDB snippets of the team's seed guides, as the driver sends them.

mod common;

use bson::{Document, doc};
use futures_util::TryStreamExt;
use mongodb::IndexModel;
use mongodb::options::IndexOptions;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seed_guide_snippets_work_through_the_driver() {
    let (port, engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let db = client.database("seeds");

    // Collection with a $jsonSchema validator.
    db.create_collection("users")
        .validator(doc! {"$jsonSchema": {
            "bsonType": "object", "required": ["email", "name"],
            "properties": {"email": {"bsonType": "string", "pattern": "^.+@.+$"}, "name": {"bsonType": "string", "minLength": 1}}
        }})
        .await
        .unwrap();
    let users = db.collection::<Document>("users");
    users.insert_one(doc! {"_id": 1, "email": "user@example.com", "name": "John", "country": "NL", "active": true}).await.unwrap();
    let bad = users
        .insert_one(doc! {"email": "nope", "name": ""})
        .await
        .unwrap_err();
    assert!(
        bad.to_string().contains("Document failed validation"),
        "{bad}"
    );
    assert_eq!(
        users
            .find_one(doc! {"email": "user@example.com"})
            .await
            .unwrap()
            .unwrap()
            .get_str("name")
            .unwrap(),
        "John"
    );
    users
        .update_one(doc! {"_id": 1}, doc! {"$set": {"name": "Jane"}})
        .await
        .unwrap();

    // Indexes of every kind the guides create.
    let posts = db.collection::<Document>("posts");
    posts
        .create_index(
            IndexModel::builder()
                .keys(doc! {"authorId": 1, "createdAt": -1})
                .build(),
        )
        .await
        .unwrap();
    posts
        .create_index(
            IndexModel::builder()
                .keys(doc! {"title": "text", "content": "text"})
                .options(
                    IndexOptions::builder()
                        .weights(doc! {"title": 10, "content": 1})
                        .build(),
                )
                .build(),
        )
        .await
        .unwrap();
    let orders = db.collection::<Document>("orders");
    orders
        .create_index(
            IndexModel::builder()
                .keys(doc! {"createdAt": 1})
                .options(
                    IndexOptions::builder()
                        .partial_filter_expression(doc! {"status": "pending"})
                        .build(),
                )
                .build(),
        )
        .await
        .unwrap();
    let sessions = db.collection::<Document>("sessions");
    sessions
        .create_index(
            IndexModel::builder()
                .keys(doc! {"createdAt": 1})
                .options(
                    IndexOptions::builder()
                        .expire_after(std::time::Duration::from_secs(3600))
                        .build(),
                )
                .build(),
        )
        .await
        .unwrap();
    let names: Vec<String> = posts.list_index_names().await.unwrap();
    assert_eq!(
        names,
        vec!["_id_", "authorId_1_createdAt_-1", "title_text_content_text"]
    );

    // Aggregations with $match/$group/$sort/$limit and $lookup.
    let t0 = bson::DateTime::parse_rfc3339_str("2024-02-01T00:00:00Z").unwrap();
    orders
        .insert_many(vec![
            doc! {"_id": 1, "userId": 1, "amount": 5, "status": "completed", "createdAt": t0},
            doc! {"_id": 2, "userId": 1, "amount": 7, "status": "completed", "createdAt": t0},
            doc! {"_id": 3, "userId": 2, "amount": 1, "status": "pending", "createdAt": t0},
        ])
        .await
        .unwrap();
    let top: Vec<Document> = orders
        .aggregate(vec![
            doc! {"$match": {"status": "completed"}},
            doc! {"$group": {"_id": "$userId", "total": {"$sum": "$amount"}}},
            doc! {"$sort": {"total": -1}},
            doc! {"$limit": 10},
        ])
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(top, vec![doc! {"_id": 1, "total": 12}]);
    let joined: Vec<Document> = orders
        .aggregate(vec![
            doc! {"$match": {"status": "completed", "createdAt": {"$gte": bson::DateTime::parse_rfc3339_str("2024-01-01T00:00:00Z").unwrap()}}},
            doc! {"$lookup": {"from": "users", "localField": "userId", "foreignField": "_id", "as": "user"}},
        ])
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(joined.len(), 2);
    assert_eq!(joined[0].get_array("user").unwrap().len(), 1);
    let by_country: Vec<Document> = users
        .aggregate(vec![
            doc! {"$match": {"active": true}},
            doc! {"$group": {"_id": "$country", "count": {"$sum": 1}}},
        ])
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(by_country, vec![doc! {"_id": "NL", "count": 1}]);
    users.delete_one(doc! {"_id": 1}).await.unwrap();

    // The partial index serves pending-order queries.
    let plan = db
        .run_command(doc! {"explain": {"find": "orders", "filter": {"status": "pending", "createdAt": {"$gte": t0}}}, "verbosity": "executionStats"})
        .await
        .unwrap();
    let winning = plan
        .get_document("queryPlanner")
        .unwrap()
        .get_document("winningPlan")
        .unwrap();
    assert_eq!(
        winning
            .get_document("inputStage")
            .unwrap()
            .get_str("indexName")
            .unwrap(),
        "createdAt_1"
    );
    drop(engine);
}
