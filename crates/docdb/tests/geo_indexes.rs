//! 2dsphere and 2d indexes through the `mongodb` driver, with the examples of MongoDB's manual:
//! the `$geoNear` reference page (its `places` collection and the documented distance
//! 0.9539931676365992 m for Sara D. Roosevelt Park), the `$near`, `$geoWithin`,
//! `$geoIntersects`, `$centerSphere` and `$box` reference pages, and mongod's errors
//! (291 for `$near` without a geo index, 27 for `$geoNear` without one or with two,
//! 16755 for a location a 2dsphere index cannot read, 40603 for `$geoNear` not first).

mod common;

use bson::{Bson, Document, doc};
use futures_util::TryStreamExt;
use mongodb::IndexModel;
use mongodb::error::ErrorKind;

fn code(e: &mongodb::error::Error) -> i32 {
    match e.kind.as_ref() {
        ErrorKind::Command(c) => c.code,
        ErrorKind::Write(mongodb::error::WriteFailure::WriteError(w)) => w.code,
        ErrorKind::InsertMany(m) => m
            .write_errors
            .as_ref()
            .and_then(|w| w.first())
            .map(|w| w.code)
            .unwrap_or(-1),
        other => panic!("not a server error: {other:?}"),
    }
}

fn names(docs: &[Document]) -> Vec<&str> {
    docs.iter().map(|d| d.get_str("name").unwrap()).collect()
}

/// The `places` collection of the `$geoNear` reference page.
async fn places(client: &mongodb::Client, db: &str) -> mongodb::Collection<Document> {
    let coll = client.database(db).collection::<Document>("places");
    coll.insert_many([
        doc! {"name": "Central Park", "location": {"type": "Point", "coordinates": [-73.97, 40.77]}, "category": "Parks"},
        doc! {"name": "Sara D. Roosevelt Park", "location": {"type": "Point", "coordinates": [-73.9928, 40.7193]}, "category": "Parks"},
        doc! {"name": "Polo Grounds", "location": {"type": "Point", "coordinates": [-73.9375, 40.8303]}, "category": "Stadiums"},
    ])
    .await
    .unwrap();
    coll
}

async fn aggregate(coll: &mongodb::Collection<Document>, pipeline: Vec<Document>) -> Vec<Document> {
    coll.aggregate(pipeline)
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap()
}

#[tokio::test]
async fn geo_near_stage_matches_the_reference_examples() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let coll = places(&client, "geo_near").await;

    // No geo index yet: mongod's IndexNotFound.
    let err = coll
        .aggregate([doc! {"$geoNear": {"near": {"type": "Point", "coordinates": [-73.99279, 40.719296]}, "distanceField": "d", "spherical": true}}])
        .await
        .unwrap_err();
    assert_eq!(code(&err), 27, "{err}");
    assert!(
        err.to_string()
            .contains("$geoNear requires a 2d or 2dsphere index, but none were found")
    );

    coll.create_index(
        IndexModel::builder()
            .keys(doc! {"location": "2dsphere"})
            .build(),
    )
    .await
    .unwrap();

    // "Maximum Distance": within 2 metres, Parks only.
    let out = aggregate(
        &coll,
        vec![doc! {"$geoNear": {
            "near": {"type": "Point", "coordinates": [-73.99279, 40.719296]},
            "distanceField": "dist.calculated",
            "maxDistance": 2,
            "query": {"category": "Parks"},
            "includeLocs": "dist.location",
            "spherical": true
        }}],
    )
    .await;
    assert_eq!(names(&out), vec!["Sara D. Roosevelt Park"]);
    let dist = out[0].get_document("dist").unwrap();
    let calculated = dist.get_f64("calculated").unwrap();
    assert_eq!(calculated, 0.9539931676365992);
    assert_eq!(
        dist.get_document("location").unwrap(),
        &doc! {"type": "Point", "coordinates": [-73.9928, 40.7193]}
    );

    // "Minimum Distance": at least 2 metres away, Parks only: Central Park.
    let out = aggregate(
        &coll,
        vec![doc! {"$geoNear": {
            "near": {"type": "Point", "coordinates": [-73.99279, 40.719296]},
            "distanceField": "dist.calculated",
            "minDistance": 2,
            "query": {"category": "Parks"},
            "includeLocs": "dist.location",
            "spherical": true
        }}],
    )
    .await;
    assert_eq!(names(&out), vec!["Central Park"]);

    // Nearest first, then the rest of the pipeline; distanceMultiplier scales the distance.
    let out = aggregate(
        &coll,
        vec![
            doc! {"$geoNear": {"near": {"type": "Point", "coordinates": [-73.99279, 40.719296]}, "distanceField": "km", "distanceMultiplier": 0.001, "spherical": true}},
            doc! {"$project": {"_id": 0, "name": 1}},
        ],
    )
    .await;
    assert_eq!(
        names(&out),
        vec!["Sara D. Roosevelt Park", "Central Park", "Polo Grounds"]
    );

    // Not the first stage: 40603.
    let err = coll
        .aggregate([
            doc! {"$match": {}},
            doc! {"$geoNear": {"near": [0, 0], "distanceField": "d"}},
        ])
        .await
        .unwrap_err();
    assert_eq!(code(&err), 40603, "{err}");

    // Two 2dsphere indexes and no `key`: mongod cannot choose (27); `key` picks one.
    coll.create_index(
        IndexModel::builder()
            .keys(doc! {"other": "2dsphere"})
            .build(),
    )
    .await
    .unwrap();
    let err = coll
        .aggregate([doc! {"$geoNear": {"near": {"type": "Point", "coordinates": [0, 0]}, "distanceField": "d", "spherical": true}}])
        .await
        .unwrap_err();
    assert_eq!(code(&err), 27, "{err}");
    assert!(err.to_string().contains("There is more than one 2dsphere index on geo_near.places; unsure which to use for $geoNear"), "{err}");
    let out = aggregate(
        &coll,
        vec![doc! {"$geoNear": {"near": {"type": "Point", "coordinates": [-73.99279, 40.719296]}, "key": "location", "distanceField": "d", "spherical": true}}],
    )
    .await;
    assert_eq!(out.len(), 3);
}

#[tokio::test]
async fn near_orders_by_distance_within_min_and_max() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let coll = places(&client, "near").await;
    let near = doc! {"location": {"$near": {"$geometry": {"type": "Point", "coordinates": [-73.9667, 40.78]}, "$minDistance": 1000, "$maxDistance": 5000}}};

    // $near needs a geo index (mongod: NoQueryExecutionPlans, 291).
    let err = coll.find(near.clone()).await.unwrap_err();
    assert_eq!(code(&err), 291, "{err}");
    assert!(
        err.to_string()
            .contains("unable to find index for $geoNear query")
    );

    coll.create_index(
        IndexModel::builder()
            .keys(doc! {"location": "2dsphere"})
            .build(),
    )
    .await
    .unwrap();
    // The $near reference example: at least 1 km and at most 5 km from the point.
    let found: Vec<Document> = coll
        .find(near.clone())
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names(&found), vec!["Central Park"]);
    // countDocuments is a $match pipeline, where mongod 7.0 refuses $near (5626500).
    let err = coll.count_documents(near.clone()).await.unwrap_err();
    assert_eq!(code(&err), 5626500, "{err}");

    // Without limits: every place, nearest first.
    let all: Vec<Document> = coll
        .find(doc! {"location": {"$nearSphere": {"$geometry": {"type": "Point", "coordinates": [-73.9667, 40.78]}}}})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(
        names(&all),
        vec!["Central Park", "Polo Grounds", "Sara D. Roosevelt Park"]
    );

    // explain names the geo stage and the index, as mongod's does.
    let db = client.database("near");
    let plan = db
        .run_command(doc! {"explain": {"find": "places", "filter": {"location": {"$near": {"$geometry": {"type": "Point", "coordinates": [-73.9667, 40.78]}}}}}})
        .await
        .unwrap();
    let winning = plan
        .get_document("queryPlanner")
        .unwrap()
        .get_document("winningPlan")
        .unwrap();
    let text = format!("{winning}");
    assert!(text.contains("GEO_NEAR_2DSPHERE"), "{text}");
    assert!(text.contains("location_2dsphere"), "{text}");
}

#[tokio::test]
async fn geo_within_and_intersects_work_with_and_without_an_index() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let coll = client.database("within").collection::<Document>("shapes");
    coll.insert_many([
        doc! {"name": "inside", "loc": {"type": "Point", "coordinates": [3, 3]}},
        doc! {"name": "outside", "loc": {"type": "Point", "coordinates": [5, 5]}},
        doc! {"name": "crossing", "loc": {"type": "LineString", "coordinates": [[-1, 3], [10, 3]]}},
    ])
    .await
    .unwrap();
    // The $geoWithin / $geoIntersects reference polygon.
    let polygon = doc! {"type": "Polygon", "coordinates": [[[0, 0], [3, 6], [6, 1], [0, 0]]]};
    for indexed in [false, true] {
        if indexed {
            coll.create_index(IndexModel::builder().keys(doc! {"loc": "2dsphere"}).build())
                .await
                .unwrap();
        }
        let within: Vec<Document> = coll
            .find(doc! {"loc": {"$geoWithin": {"$geometry": polygon.clone()}}})
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(names(&within), vec!["inside"], "indexed: {indexed}");
        // With the index, mongod's plan is an IXSCAN of it; without, a collection scan.
        let plan = client
            .database("within")
            .run_command(doc! {"explain": {"find": "shapes", "filter": {"loc": {"$geoWithin": {"$geometry": polygon.clone()}}}}})
            .await
            .unwrap();
        let winning = format!(
            "{}",
            plan.get_document("queryPlanner")
                .unwrap()
                .get_document("winningPlan")
                .unwrap()
        );
        assert_eq!(winning.contains("loc_2dsphere"), indexed, "{winning}");
        assert_eq!(winning.contains("COLLSCAN"), !indexed, "{winning}");
        let intersects: Vec<Document> = coll
            .find(doc! {"loc": {"$geoIntersects": {"$geometry": polygon.clone()}}})
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        assert_eq!(
            names(&intersects),
            vec!["inside", "crossing"],
            "indexed: {indexed}"
        );
    }
    // A 2dsphere index refuses what it cannot read as a location (16755), and the
    // collection is left unchanged.
    let err = coll
        .insert_one(doc! {"name": "bad", "loc": {"type": "Point", "coordinates": [200, 0]}})
        .await
        .unwrap_err();
    assert_eq!(code(&err), 16755, "{err}");
    assert!(err.to_string().contains("Can't extract geo keys"), "{err}");
    let err = coll
        .insert_one(doc! {"name": "bad", "loc": "here"})
        .await
        .unwrap_err();
    assert_eq!(code(&err), 16755, "{err}");
    assert_eq!(coll.count_documents(doc! {}).await.unwrap(), 3);
    // A document without the field is simply not indexed.
    coll.insert_one(doc! {"name": "nowhere"}).await.unwrap();

    // $centerSphere, from its reference page: 10 miles around [-88, 30] (radius 3963.2 mi).
    let cap = coll.clone_with_type::<Document>();
    cap.insert_many([
        doc! {"name": "centre", "loc": [-88, 30]},
        doc! {"name": "seven miles north", "loc": {"type": "Point", "coordinates": [-88.0, 30.1]}},
        doc! {"name": "fourteen miles north", "loc": {"type": "Point", "coordinates": [-88.0, 30.2]}},
    ])
    .await
    .unwrap();
    let near: Vec<Document> = cap
        .find(doc! {"loc": {"$geoWithin": {"$centerSphere": [[-88, 30], 10.0 / 3963.2]}}})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names(&near), vec!["centre", "seven miles north"]);
}

#[tokio::test]
async fn two_d_index_serves_legacy_pairs() {
    let (port, _engine) = common::start_server().await;
    let client = common::client(port, true).await;
    let coll = client.database("flat").collection::<Document>("places");
    coll.create_index(IndexModel::builder().keys(doc! {"loc": "2d"}).build())
        .await
        .unwrap();
    coll.insert_many([
        doc! {"name": "a", "loc": [1, 1]},
        doc! {"name": "b", "loc": [4, 4]},
        doc! {"name": "c", "loc": {"x": 2, "y": 2}},
    ])
    .await
    .unwrap();
    // $box, from its reference page: the square [0, 0]-[100, 100] holds all three.
    let boxed = coll
        .count_documents(doc! {"loc": {"$geoWithin": {"$box": [[0, 0], [100, 100]]}}})
        .await
        .unwrap();
    assert_eq!(boxed, 3);
    let circle: Vec<Document> = coll
        .find(doc! {"loc": {"$geoWithin": {"$center": [[0, 0], 3]}}})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names(&circle), vec!["a", "c"]);
    // Legacy $near: flat distances, nearest first, $maxDistance in the same units.
    let near: Vec<Document> = coll
        .find(doc! {"loc": {"$near": [0, 0], "$maxDistance": 3}})
        .await
        .unwrap()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(names(&near), vec!["a", "c"]);
    // $geoNear on a 2d index with a legacy point: plane distance (|(1,1)| = sqrt 2).
    let out = aggregate(
        &coll,
        vec![doc! {"$geoNear": {"near": [0, 0], "distanceField": "d"}}],
    )
    .await;
    assert_eq!(names(&out), vec!["a", "c", "b"]);
    let d = out[0].get_f64("d").unwrap();
    assert!((d - 2f64.sqrt()).abs() < 1e-12, "{d}");
    // A 2d index wants legacy pairs within [-180, 180).
    let err = coll
        .insert_one(doc! {"name": "far", "loc": [200, 0]})
        .await
        .unwrap_err();
    assert_eq!(code(&err), 13027, "{err}");
    let explain = client
        .database("flat")
        .run_command(doc! {"explain": {"find": "places", "filter": {"loc": {"$near": [0, 0]}}}})
        .await
        .unwrap();
    assert!(format!("{explain}").contains("GEO_NEAR_2D"));
    let listed: Vec<Document> = coll
        .list_indexes()
        .await
        .unwrap()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.keys)
        .collect();
    assert!(listed.contains(&doc! {"loc": "2d"}));
    let _ = Bson::Null;
}
