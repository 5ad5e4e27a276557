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
