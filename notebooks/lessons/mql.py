"""Cells of notebooks/mql.ipynb."""
from cells import code, md

NAME = "mql"

CELLS = [
    md("# MongoDB shell cells (`%%mql`)\n\nWith nothing configured, `%%mql` cells run on the embedded MongoDB-compatible "
       "engine that ships inside the kernel, reached through the official MongoDB driver exactly like a real server. "
       "Set `MONGODB_URI` or run `%connect NAME mongodb://...` to use a real MongoDB instead. Paste commands from "
       "tutorials: this is mongosh syntax."),
    code("%%mql\nuse shop\ndb.dropDatabase()", contains=["switched to db shop"]),
    md("## Documents in, documents out\n\nThe guides' first example, as written there:"),
    code("%%mql\ndb.users.insertOne({ email: 'user@example.com', name: 'John' });\n"
         "db.users.findOne({ email: 'user@example.com' });",
         contains=["acknowledged: true", "insertedId: ObjectId(", "email: 'user@example.com'", "name: 'John'"]),
    code("%%mql\ndb.users.updateOne({ email: 'user@example.com' }, { $set: { name: 'Jane' } })",
         contains=["matchedCount: 1", "modifiedCount: 1"]),
    code("%%mql\ndb.users.find({}, { _id: 0, name: 1 })", contains=["name: 'Jane'", "(1 document)"],
         html=["<th", "Jane"]),
    md("## Validation with `$jsonSchema`\n\nA collection can refuse documents that do not fit its schema. "
       "The second insert below is rejected, and the error says why (this cell is expected to fail)."),
    code('%%mql\ndb.createCollection("members", {\n  validator: { $jsonSchema: {\n    bsonType: "object",\n'
         '    required: ["email", "name"],\n    properties: {\n      email: { bsonType: "string", pattern: "^.+@.+$" },\n'
         '      name: { bsonType: "string", minLength: 1 }\n    }\n  }}\n});\n'
         'db.members.insertOne({ email: "ada@example.com", name: "Ada" });\n'
         'db.members.insertOne({ email: "not-an-email", name: "" });',
         error="MongoServerError"),
    md("## Schema design: embedding and referencing\n\nThe guide sketches document shapes with type names as values. "
       "The shell keeps them as plain JavaScript values (type names are functions), handy for reading; storing one "
       "in the database is refused, because a type name is not data."),
    code("%%mql\n// Embedding (for 1:few relationships)\nconst userSchema = {\n  _id: ObjectId,\n  email: String,\n"
         "  profile: {\n    firstName: String,\n    lastName: String,\n    avatar: String,\n  },\n  addresses: [\n    {\n"
         "      type: String,\n      street: String,\n      city: String,\n    },\n  ],\n};\n\n"
         "// Referencing (for 1:many relationships)\nconst postSchema = {\n  _id: ObjectId,\n  authorId: ObjectId,\n"
         "  title: String,\n  content: String,\n  tags: [String],\n};\npostSchema",
         contains=["authorId: [Function: ObjectId]", "tags: [ [Function: String] ]"]),
    md("## Aggregation\n\nSome orders to work with, then the pipelines from the guides."),
    code("%%mql\ndb.orders.insertMany([\n"
         "  { userId: 1, status: 'completed', amount: 30, total: 30, createdAt: ISODate('2024-01-15') },\n"
         "  { userId: 1, status: 'completed', amount: 20, total: 20, createdAt: ISODate('2024-02-03') },\n"
         "  { userId: 2, status: 'completed', amount: 50, total: 50, createdAt: ISODate('2024-02-20') },\n"
         "  { userId: 2, status: 'pending',   amount: 99, total: 99, createdAt: ISODate('2024-03-01') },\n"
         "  { userId: 3, status: 'completed', amount: 5,  total: 5,  createdAt: ISODate('2023-12-31') }\n"
         "])", contains=["insertedIds"]),
    code("%%mql\ndb.orders.aggregate([\n  { $match: { status: \"completed\" } },\n"
         "  { $group: { _id: \"$userId\", total: { $sum: \"$amount\" } } },\n  { $sort: { total: -1 } },\n  { $limit: 10 }\n]);",
         contains=["_id: 2, total: 50", "_id: 1, total: 50", "(3 documents)"]),
    code("%%mql\ndb.users.insertMany([{ _id: 1, name: 'Ada' }, { _id: 2, name: 'Grace' }, { _id: 3, name: 'Edsger' }])\n"
         "db.orders.aggregate([\n  { $match: { status: \"completed\", createdAt: { $gte: ISODate(\"2024-01-01\") } } },\n"
         "  { $lookup: { from: \"users\", localField: \"userId\", foreignField: \"_id\", as: \"user\" } },\n"
         "  { $unwind: \"$user\" },\n"
         "  { $group: { _id: { month: { $month: \"$createdAt\" } }, totalRevenue: { $sum: \"$total\" }, orderCount: { $sum: 1 } } },\n"
         "  { $sort: { totalRevenue: -1 } }\n]);",
         contains=["_id: { month: 2 }, totalRevenue: 70, orderCount: 2", "_id: { month: 1 }, totalRevenue: 30, orderCount: 1"]),
    md("## Indexes and plans\n\nThe guides' index kinds: compound, text with weights, partial, TTL. "
       "`explain` shows whether a query uses one."),
    code("%%mql\ndb.posts.createIndex({ authorId: 1, createdAt: -1 });\n"
         "db.posts.createIndex({ title: \"text\", content: \"text\" }, { weights: { title: 10, content: 1 } });\n"
         "db.orders.createIndex({ createdAt: 1 }, { partialFilterExpression: { status: \"pending\" } });\n"
         "db.sessions.createIndex({ createdAt: 1 }, { expireAfterSeconds: 3600 });",
         contains=["authorId_1_createdAt_-1", "title_text_content_text", "createdAt_1"]),
    code("%%mql\ndb.posts.insertMany([\n  { authorId: 1, title: 'Indexes in MongoDB', content: 'B-trees and more', createdAt: new Date() },\n"
         "  { authorId: 2, title: 'Cooking', content: 'mongodb is not a recipe', createdAt: new Date() }\n]);\n"
         "db.posts.find({ $text: { $search: 'mongodb' } }, { title: 1, _id: 0, score: { $meta: 'textScore' } }).sort({ score: { $meta: 'textScore' } })",
         contains=["title: 'Indexes in MongoDB'", "(2 documents)"]),
    code("%%mql\ndb.posts.find({ authorId: 1 }).explain('executionStats')",
         contains=["IXSCAN", "authorId_1_createdAt_-1", "nReturned"]),
    md("`--explain` on the cell draws the plan of each statement instead of its result (the query runs to count "
       "what it reads; a write is only planned):"),
    code("%%mql --explain\ndb.orders.find({ status: 'pending', createdAt: { $gte: ISODate('2024-01-01') } })",
         contains=["MongoDB plan (executed)", "FETCH", "IXSCAN using createdAt_1 on orders"]),
    md("## Browsing what is there\n\nThe commands mongosh users type first work as in mongosh, on the embedded engine as on "
       "a MongoDB server: databases (`admin` and `local` are always there, as on mongod), collections, indexes, sizes, "
       "what is running."),
    code("%%mql\nshow dbs", contains=["admin", "local", "shop"]),
    code("%%mql\nshow collections", contains=["orders", "posts", "sessions", "users"]),
    code("%%mql\ndb.orders.getIndexes()",
         contains=["{ v: 2, key: { _id: 1 }, name: '_id_' }", "name: 'createdAt_1'", "partialFilterExpression: { status: 'pending' }"]),
    code("%%mql\ndb.orders.stats()", contains=["ns: 'shop.orders'", "count: 5", "nindexes: 2", "sharded: false", "indexSizes: {"]),
    code("%%mql\ndb.version()\ndb.serverStatus().storageEngine", contains=["7.0", "name: 'docdb'"]),
    code("%%mql\ndb.currentOp()", contains=["inprog: [", "'$currentOp'", "ok: 1"]),
    code("%%mql\nshow users\nshow roles", contains=["[]", "role: 'read'", "isBuiltin: true"]),
    md("Documents print in full, however deep or long (the display limit counts documents, not levels):"),
    code("%%mql\ndb.deep.insertOne({ _id: 1, a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } })\ndb.deep.findOne()",
         contains=["e: { f: { g: { h: 1 } } }"], absent=["[Object]"]),
    md("## Numbers crossing languages\n\nRows kept from SQL with `--out` go into MongoDB with `{{rows}}` as the BSON a mongosh "
       "user would type: an integer is an Int32 when it fits (like the literal `1`), else a `Long` (a JavaScript number "
       "would lose digits past 2^53), a float a Double, NUMERIC a `Decimal128`."),
    code("%%sql --out rows\nSELECT 1 AS n, 3000000000 AS big, 1.5 AS f, 'Ada' AS name",
         contains=["3000000000"]),
    code("%%mql\ndb.crossing.insertMany({{rows}})\ndb.crossing.find({}, { _id: 0 })",
         contains=["n: 1, big: Long('3000000000'), f: 1.5, name: 'Ada'"]),
    md("## From Mongoose to the shell\n\nOne guide uses Mongoose (Node.js), which runs in an application, not in a shell. "
       "The same operations in mongosh syntax:"),
    code("%%mql\nuse mongoose_tour\ndb.dropDatabase()\n"
         "db.users.createIndex({ email: 1 }, { unique: true })\n"
         "db.users.insertOne({ name: 'John', email: 'john@example.com', profile: {}, posts: [], createdAt: new Date() })\n"
         "db.users.find({ name: /john/i }, { _id: 0, name: 1, email: 1 })",
         contains=["email_1", "insertedId", "name: 'John', email: 'john@example.com'"]),
    code("%%mql\nuse mongoose_tour\nconst john = db.users.findOne({ email: 'john@example.com' })\n"
         "db.users.updateOne({ _id: john._id }, { $set: { 'profile.bio': 'New bio' } })\n"
         "db.users.aggregate([\n  { $match: { createdAt: { $gte: new Date('2024-01-01') } } },\n"
         "  { $group: { _id: '$email', count: { $sum: 1 } } },\n  { $sort: { count: -1 } }\n])\n"
         "db.users.deleteOne({ _id: john._id })",
         contains=["modifiedCount: 1", "_id: 'john@example.com', count: 1", "deletedCount: 1"]),
    md("## Mistakes are explained\n\nA typo in a query points at the spot (expected to fail):"),
    code("%%mql\ndb.users.find({ name: 'x' age: 3 })", error="MongoshSyntaxError"),
    code("%%mql\ndb.users.fnd({})", error="MongoshError"),
]
