//! The MongoDB snippets of the team's seed guides (shared/seeds/*.txt), run on this crate's API
//! with small hand-made data: the users' first notebooks will be these snippets, so their
//! semantics are pinned here (values, not just "no error").

use bson::{Bson, DateTime, Document, doc};
use docdb_query::schema::{Schema, validation_details};
use docdb_query::{AggContext, Catalog, Filter, Pipeline, Update, UpdateContext};
use std::collections::HashMap;

struct Mem(HashMap<&'static str, Vec<Document>>);

impl Catalog for Mem {
    fn scan(
        &self,
        _db: &str,
        coll: &str,
    ) -> docdb_query::Result<Vec<std::borrow::Cow<'_, Document>>> {
        Ok(self
            .0
            .get(coll)
            .map(|docs| docs.iter().map(std::borrow::Cow::Borrowed).collect())
            .unwrap_or_default())
    }
}

fn date(s: &str) -> DateTime {
    DateTime::parse_rfc3339_str(s).expect("test date")
}

fn aggregate(stages: Vec<Document>, input: Vec<Document>, catalog: &Mem) -> Vec<Document> {
    let ctx = AggContext {
        db: "shop".into(),
        catalog,
        vars: Document::new(),
        now: DateTime::from_millis(0),
        limits: &Default::default(),
    };
    Pipeline::parse(&stages)
        .expect("pipeline parses")
        .run(input, &ctx)
        .expect("pipeline runs")
        .documents
}

#[test]
fn group_count_by_country_of_active_users() {
    let users = vec![
        doc! {"country": "FR", "active": true},
        doc! {"country": "FR", "active": true},
        doc! {"country": "DE", "active": false},
        doc! {"country": "DE", "active": true},
    ];
    let out = aggregate(
        vec![
            doc! {"$match": {"active": true}},
            doc! {"$group": {"_id": "$country", "count": {"$sum": 1}}},
        ],
        users,
        &Mem(HashMap::new()),
    );
    assert_eq!(
        out,
        vec![
            doc! {"_id": "FR", "count": 2},
            doc! {"_id": "DE", "count": 1}
        ]
    );
}

#[test]
fn top_spenders_of_completed_orders() {
    let orders = vec![
        doc! {"userId": 1, "status": "completed", "amount": 10},
        doc! {"userId": 2, "status": "completed", "amount": 30.5},
        doc! {"userId": 1, "status": "completed", "amount": 25},
        doc! {"userId": 3, "status": "pending", "amount": 100},
    ];
    let out = aggregate(
        vec![
            doc! {"$match": {"status": "completed"}},
            doc! {"$group": {"_id": "$userId", "total": {"$sum": "$amount"}}},
            doc! {"$sort": {"total": -1}},
            doc! {"$limit": 10},
        ],
        orders,
        &Mem(HashMap::new()),
    );
    assert_eq!(
        out,
        vec![doc! {"_id": 1, "total": 35}, doc! {"_id": 2, "total": 30.5}]
    );
}

#[test]
fn monthly_revenue_with_lookup_and_unwind() {
    let mut colls = HashMap::new();
    colls.insert(
        "users",
        vec![
            doc! {"_id": 1, "name": "Ann"},
            doc! {"_id": 2, "name": "Bob"},
        ],
    );
    let orders = vec![
        doc! {"userId": 1, "status": "completed", "total": 10, "createdAt": date("2024-02-03T10:00:00Z")},
        doc! {"userId": 2, "status": "completed", "total": 5, "createdAt": date("2024-02-20T10:00:00Z")},
        doc! {"userId": 1, "status": "completed", "total": 7, "createdAt": date("2024-03-01T00:00:00Z")},
        doc! {"userId": 9, "status": "completed", "total": 99, "createdAt": date("2024-03-01T00:00:00Z")},
        doc! {"userId": 1, "status": "completed", "total": 50, "createdAt": date("2023-12-31T00:00:00Z")},
    ];
    let out = aggregate(
        vec![
            doc! {"$match": {"status": "completed", "createdAt": {"$gte": date("2024-01-01T00:00:00Z")}}},
            doc! {"$lookup": {"from": "users", "localField": "userId", "foreignField": "_id", "as": "user"}},
            doc! {"$unwind": "$user"},
            doc! {"$group": {"_id": {"month": {"$month": "$createdAt"}}, "totalRevenue": {"$sum": "$total"}, "orderCount": {"$sum": 1}}},
            doc! {"$sort": {"totalRevenue": -1}},
        ],
        orders,
        &Mem(colls),
    );
    // The order of user 9 has no user, so $unwind drops it.
    assert_eq!(
        out,
        vec![
            doc! {"_id": {"month": 2}, "totalRevenue": 15, "orderCount": 2},
            doc! {"_id": {"month": 3}, "totalRevenue": 7, "orderCount": 1},
        ]
    );
}

#[test]
fn users_validator_accepts_and_rejects() {
    let validator = doc! {"$jsonSchema": {
        "bsonType": "object",
        "required": ["email", "name"],
        "properties": {
            "email": {"bsonType": "string", "pattern": "^.+@.+$"},
            "name": {"bsonType": "string", "minLength": 1},
        },
    }};
    let filter = Filter::parse(&validator).expect("validator parses");
    assert!(filter.matches(&doc! {"email": "a@b.c", "name": "Ann"}));
    assert!(!filter.matches(&doc! {"email": "not-an-email", "name": "Ann"}));
    assert!(!filter.matches(&doc! {"email": "a@b.c", "name": ""}));
    assert!(!filter.matches(&doc! {"name": "Ann"}));
    let schema = Schema::parse(validator.get_document("$jsonSchema").expect("schema"))
        .expect("schema parses");
    assert!(schema.validate(&doc! {"email": "a@b.c", "name": "Ann"}));
    let details = validation_details(&validator, &doc! {"email": "x", "name": "Ann"});
    let rules = details.get_array("schemaRulesNotSatisfied").expect("rules");
    let props = rules[0].as_document().expect("properties rule");
    assert_eq!(props.get_str("operatorName").expect("name"), "properties");
}

#[test]
fn update_one_sets_nested_profile_field() {
    let filter = Filter::parse(&doc! {"_id": 7}).expect("filter");
    let mut user = doc! {"_id": 7, "profile": {"name": "Ann"}};
    assert!(filter.matches(&user));
    let update = Update::parse(
        &Bson::Document(doc! {"$set": {"profile.bio": "New bio"}}),
        None,
    )
    .expect("update");
    let ctx = UpdateContext {
        is_insert: false,
        positional: None,
        now: DateTime::from_millis(0),
        vars: None,
    };
    assert!(update.apply(&mut user, &ctx).expect("applies"));
    assert_eq!(
        user,
        doc! {"_id": 7, "profile": {"name": "Ann", "bio": "New bio"}}
    );
}

#[test]
fn count_by_email_since_a_date() {
    let users = vec![
        doc! {"email": "a@x", "createdAt": date("2024-05-01T00:00:00Z")},
        doc! {"email": "a@x", "createdAt": date("2024-06-01T00:00:00Z")},
        doc! {"email": "b@x", "createdAt": date("2024-01-02T00:00:00Z")},
        doc! {"email": "c@x", "createdAt": date("2023-01-02T00:00:00Z")},
    ];
    let out = aggregate(
        vec![
            doc! {"$match": {"createdAt": {"$gte": date("2024-01-01T00:00:00Z")}}},
            doc! {"$group": {"_id": "$email", "count": {"$sum": 1}}},
            doc! {"$sort": {"count": -1}},
        ],
        users,
        &Mem(HashMap::new()),
    );
    assert_eq!(
        out,
        vec![
            doc! {"_id": "a@x", "count": 2},
            doc! {"_id": "b@x", "count": 1}
        ]
    );
}
