"""Cells of notebooks/08-mongodb-modeling-and-aggregation.ipynb: embedding vs referencing, the
expert guide's aggregation pipeline ($lookup, $unwind, $group by month), every index kind it shows
(compound, weighted text, partial, TTL), explain() and covered queries, and where transactions need
a replica set. Embedded engine, database course_08."""
from cells import code, md
from _course import exercise

NAME = "08-mongodb-modeling-and-aggregation"

CELLS = [
    md("# 8. MongoDB: modeling, aggregation, indexes\n\n## MongoDB\n\nIn a document database the shape of the "
       "documents is the design: what goes *inside* a document is read and written together, atomically. Database "
       "`course_08` on the embedded engine."),
    code("%%mql\nuse course_08\ndb.dropDatabase()", contains=["switched to db course_08"]),
    md("### Schema Design Patterns\n\nThe guide's two shapes. **Embedding** (1:few): a user's profile and handful of "
       "addresses live in the user document; one read returns everything, one update changes it atomically."),
    code("%%mql\n// Embedding (for 1:few relationships)\ndb.users.insertOne({\n  _id: 1,\n  email: 'ada@example.com',\n"
         "  profile: { firstName: 'Ada', lastName: 'Lovelace', avatar: 'ada.png' },\n"
         "  addresses: [\n    { type: 'home', street: '12 St James Square', city: 'London' },\n    { type: 'work', street: '1 Analytical Way', city: 'Cambridge' }\n  ]\n});\n"
         "db.users.find({ 'addresses.city': 'Cambridge' }, { _id: 0, 'profile.lastName': 1, 'addresses.$': 1 });",
         contains=["insertedId: 1", "profile: { lastName: 'Lovelace' }", "addresses: [ { type: 'work', street: '1 Analytical Way', city: 'Cambridge' } ]"]),
    md("`$push` adds an address in place; the update of one document is atomic, no transaction needed:"),
    code("%%mql\ndb.users.updateOne({ _id: 1 }, { $push: { addresses: { type: 'holiday', street: 'Lake Road', city: 'Geneva' } } });\n"
         "db.users.aggregate([{ $project: { _id: 0, addresses: { $size: '$addresses' } } }]);",
         contains=["modifiedCount: 1", "{ addresses: 3 }"]),
    md("**Referencing** (1:many): posts grow without bound, so each post holds its author's id instead of the user "
       "holding all posts (a document is limited to 16 MB, and a huge array is slow to update). `$lookup` joins them "
       "back when needed."),
    code("%%mql\n// Referencing (for 1:many relationships)\ndb.posts.insertMany([\n"
         "  { authorId: 1, title: 'Notes on the engine', content: 'Bernoulli numbers...', tags: ['math', 'engine'], createdAt: ISODate('2024-03-01') },\n"
         "  { authorId: 1, title: 'Poetical science', content: 'Imagination is the discovering faculty', tags: ['essay'], createdAt: ISODate('2024-04-01') },\n"
         "  { authorId: 2, title: 'Cooking with MongoDB', content: 'mongodb recipes for text search', tags: ['food'], createdAt: ISODate('2024-02-01') }\n]);\n"
         "db.posts.aggregate([\n  { $match: { authorId: 1 } },\n  { $lookup: { from: 'users', localField: 'authorId', foreignField: '_id', as: 'author' } },\n"
         "  { $project: { _id: 0, title: 1, author: { $first: '$author.profile.lastName' } } },\n  { $sort: { title: 1 } }\n]);",
         contains=["{ title: 'Notes on the engine', author: 'Lovelace' }", "{ title: 'Poetical science', author: 'Lovelace' }"]),
    md("### Aggregation Pipeline\n\nStages run in order, each on the previous one's output. The guide's pipeline: "
       "completed orders since 2024, joined to their user, grouped by month."),
    code("%%mql\ndb.customers.insertMany([{ _id: 10, name: 'Ada' }, { _id: 11, name: 'Grace' }]);\ndb.orders.insertMany([\n"
         "  { userId: 10, status: 'completed', total: 30, createdAt: ISODate('2024-01-15') },\n"
         "  { userId: 10, status: 'completed', total: 20, createdAt: ISODate('2024-02-03') },\n"
         "  { userId: 11, status: 'completed', total: 50, createdAt: ISODate('2024-02-20') },\n"
         "  { userId: 11, status: 'pending', total: 99, createdAt: ISODate('2024-03-01') },\n"
         "  { userId: 10, status: 'completed', total: 5, createdAt: ISODate('2023-12-31') },\n"
         "  { userId: 99, status: 'completed', total: 1000, createdAt: ISODate('2024-01-20') }\n]);",
         contains=["insertedIds"]),
    code("%%mql\n// Complex aggregation\ndb.orders.aggregate([\n  {\n    $match: {\n      status: \"completed\",\n"
         "      createdAt: { $gte: ISODate(\"2024-01-01\") },\n    },\n  },\n  {\n    $lookup: {\n      from: \"customers\",\n"
         "      localField: \"userId\",\n      foreignField: \"_id\",\n      as: \"user\",\n    },\n  },\n  { $unwind: \"$user\" },\n"
         "  {\n    $group: {\n      _id: { month: { $month: \"$createdAt\" } },\n      totalRevenue: { $sum: \"$total\" },\n"
         "      orderCount: { $sum: 1 },\n    },\n  },\n  { $sort: { totalRevenue: -1 } },\n]);",
         contains=["{ _id: { month: 2 }, totalRevenue: 70, orderCount: 2 }", "{ _id: { month: 1 }, totalRevenue: 30, orderCount: 1 }", "(2 documents)"]),
    md("Note what `$unwind` did: the order of user 99 has no customer, `$lookup` gave it an empty `user` array and "
       "`$unwind` dropped it, so its 1000 is not in January. Keep it with `preserveNullAndEmptyArrays`:"),
    code("%%mql\ndb.orders.aggregate([\n  { $match: { status: 'completed', createdAt: { $gte: ISODate('2024-01-01') } } },\n"
         "  { $lookup: { from: 'customers', localField: 'userId', foreignField: '_id', as: 'user' } },\n"
         "  { $unwind: { path: '$user', preserveNullAndEmptyArrays: true } },\n"
         "  { $group: { _id: { month: { $month: '$createdAt' } }, totalRevenue: { $sum: '$total' }, orderCount: { $sum: 1 } } },\n"
         "  { $sort: { totalRevenue: -1 } }\n]);",
         contains=["{ _id: { month: 1 }, totalRevenue: 1030, orderCount: 2 }"]),
    md("### Indexes\n\nThe guide's four kinds. A **compound** index serves queries on its prefix and sorts in its order; "
       "a **text** index with weights ranks title matches above content matches; a **partial** index holds only "
       "documents matching a filter; a **TTL** index lets the server delete documents after a time."),
    code("%%mql\n// Compound index\ndb.posts.createIndex({ authorId: 1, createdAt: -1 });\n\n// Text index\ndb.posts.createIndex(\n"
         "  { title: \"text\", content: \"text\" },\n  { weights: { title: 10, content: 1 } },\n);\n\n// Partial index\ndb.orders.createIndex(\n"
         "  { createdAt: 1 },\n  { partialFilterExpression: { status: \"pending\" } },\n);\n\n// TTL index (auto-expire)\n"
         "db.sessions.createIndex({ createdAt: 1 }, { expireAfterSeconds: 3600 });",
         contains=["authorId_1_createdAt_-1", "title_text_content_text", "createdAt_1"]),
    code("%%mql\ndb.posts.find({ $text: { $search: 'mongodb engine' } }, { _id: 0, title: 1, score: { $meta: 'textScore' } })\n"
         "  .sort({ score: { $meta: 'textScore' } })",
         contains=["title: 'Notes on the engine'", "title: 'Cooking with MongoDB'", "(2 documents)"]),
    md("The weighted title match ranks first. `explain()` shows which index a query uses, and how much it read "
       "(\"Monitor with explain()\"): the compound index serves author + newest-first without a sort stage:"),
    code("%%mql\ndb.posts.find({ authorId: 1 }).sort({ createdAt: -1 }).explain('executionStats')",
         contains=["IXSCAN", "authorId_1_createdAt_-1", "nReturned:", "totalDocsExamined:"]),
    md("The partial index is used only when the query implies its filter:"),
    code("%%mql\ndb.orders.find({ status: 'pending', createdAt: { $gte: ISODate('2024-01-01') } }).explain().queryPlanner.winningPlan",
         contains=["IXSCAN", "createdAt_1"]),
    code("%%mql\ndb.orders.find({ createdAt: { $gte: ISODate('2024-01-01') } }).explain().queryPlanner.winningPlan",
         contains=["COLLSCAN"]),
    md("The TTL index is metadata the server's background monitor acts on (every 60 s on mongod): the index list shows it:"),
    code("%%mql\ndb.sessions.getIndexes()", contains=["expireAfterSeconds:", "key: { createdAt: 1 }"]),
    md("## Query Optimization Checklist\n\n### MongoDB\n\n- Compound indexes matching query patterns (above: the "
       "equality field first, then the sort field).\n- **Covered queries**: when the filter and the projection use only "
       "indexed fields (and `_id: 0`), mongod answers from the index alone: its plan says `PROJECTION_COVERED` with no "
       "`FETCH`, and `totalDocsExamined: 0`. (The embedded engine uses the index but still fetches each document, so "
       "here `totalDocsExamined` equals `nReturned`; run this cell against a real mongod to see the difference.)"),
    code("%%mql\ndb.posts.find({ authorId: 1 }, { _id: 0, authorId: 1, createdAt: 1 }).explain('executionStats').executionStats",
         contains=["totalKeysExamined:", "IXSCAN", "indexName: 'authorId_1_createdAt_-1'", "transformBy: { _id: 0, authorId: 1, createdAt: 1 }"]),
    md("- Avoid large arrays in documents: every `$push` rewrites the document, and a multikey index has one entry "
       "per element (`isMultiKey: true` in the plan). Prefer referencing (above) once a list can grow without bound:"),
    code("%%mql\ndb.posts.createIndex({ tags: 1 });\ndb.posts.find({ tags: 'essay' }).explain().queryPlanner.winningPlan",
         contains=["tags_1", "isMultiKey: true"]),
    md("- Monitor with `explain()` (above) and the index list:"),
    code("%%mql\ndb.posts.getIndexes()",
         contains=["name: '_id_'", "name: 'authorId_1_createdAt_-1'", "name: 'title_text_content_text'", "name: 'tags_1'"]),
    md("## Transactions\n\nOne document's update is always atomic. Multi-document transactions need a replica set "
       "(or a sharded cluster): a standalone server, like this embedded engine or a single `mongod`, has no `setName` "
       "in its `hello` reply and refuses them. That is one more reason to embed what changes together. (The guides' "
       "sharding and Atlas operations need several servers; lesson 12 shows replication and partitioning where one "
       "machine can.)"),
    code("%%mql\nconst hello = db.hello();\n({ isWritablePrimary: hello.isWritablePrimary, replicaSet: hello.setName ?? 'none (standalone)' })",
         contains=["isWritablePrimary: true", "replicaSet: 'none (standalone)'"]),
    *exercise(1, "Total revenue per customer *name* for completed orders (all dates), as `{ _id: name, revenue }`, "
              "highest first; orders without a customer are left out.",
              "%%mql --out ex1\ndb.orders.aggregate([\n  { $match: { status: 'completed' } },\n"
              "  { $lookup: { from: 'customers', localField: 'userId', foreignField: '_id', as: 'c' } },\n  { $unwind: '$c' },\n"
              "  { $group: { _id: '$c.name', revenue: { $sum: '$total' } } },\n  { $sort: { revenue: -1 } }\n])",
              "ex1", contains=["{ _id: 'Ada', revenue: 55 }", "{ _id: 'Grace', revenue: 50 }"],
              check="\n[{ _id: 'Ada', revenue: 55 }, { _id: 'Grace', revenue: 50 }]"),
    *exercise(2, "Create the index that lets `db.orders.find({ userId: 10 }).sort({ createdAt: -1 })` run without a "
              "sort stage, and keep the name of the index the winning plan uses.",
              "%%mql --out ex2\ndb.orders.createIndex({ userId: 1, createdAt: -1 });\n"
              "db.orders.find({ userId: 10 }).sort({ createdAt: -1 }).explain().queryPlanner.winningPlan.inputStage.indexName",
              "ex2", contains=["userId_1_createdAt_-1"], check="\n'userId_1_createdAt_-1'"),
    md("## Clean up"),
    code("%%mql\ndb.dropDatabase()", contains=["dropped: 'course_08'"]),
]
