"""Cells of notebooks/07-mongodb-documents.ipynb: MongoDB CRUD and a first aggregation on the embedded
engine in mongosh syntax; the guide's Mongoose (Node.js) model taught as the same rules on the server:
a $jsonSchema validator, a unique index, populate() as $lookup."""
from cells import code, md
from _course import exercise

NAME = "07-mongodb-documents"

CELLS = [
    md("# 7. MongoDB: documents and CRUD\n\nMongoDB stores *documents* (JSON-like, stored as BSON) in *collections*. "
       "`%%mql` cells are mongosh syntax; with nothing configured they run on the MongoDB-compatible engine inside the "
       "kernel, through the official MongoDB driver (set `MONGODB_URI` to use a real server). Database `course_07`."),
    code("%%mql\nuse course_07\ndb.dropDatabase()", contains=["switched to db course_07"]),
    md("## MongoDB\n\nThe first guide's document operations. `insertOne` adds `_id` (an ObjectId) when the document "
       "has none:"),
    code("%%mql\n// Document operations\ndb.users.insertOne({ email: 'user@example.com', name: 'John' });\ndb.users.findOne({ email: 'user@example.com' });",
         contains=["acknowledged: true", "insertedId: ObjectId(", "email: 'user@example.com'", "name: 'John'"]),
    md("The guide then updates and deletes `{ id: 1 }`. These documents have no field `id` (the key is `_id`, and an "
       "ObjectId, not 1), so both match nothing, without an error: read `matchedCount` and `deletedCount`."),
    code("%%mql\ndb.users.updateOne({ id: 1 }, { $set: { name: 'Jane' } });\ndb.users.deleteOne({ id: 1 });",
         contains=["matchedCount: 0", "modifiedCount: 0", "deletedCount: 0"]),
    code("%%mql\ndb.users.updateOne({ email: 'user@example.com' }, { $set: { name: 'Jane' } });\n"
         "db.users.find({}, { _id: 0 });", contains=["matchedCount: 1", "modifiedCount: 1", "name: 'Jane'", "(1 document)"]),
    code("%%mql\ndb.users.deleteOne({ email: 'user@example.com' });\ndb.users.countDocuments();", contains=["deletedCount: 1", "0"]),
    md("Aggregation: `$match` filters, `$group` groups by an expression (`'$country'` is the field's value) and "
       "accumulates:"),
    code("%%mql\ndb.users.insertMany([\n  { name: 'Ada', country: 'UK', active: true }, { name: 'Alan', country: 'UK', active: true },\n"
         "  { name: 'Grace', country: 'US', active: true }, { name: 'Linus', country: 'FI', active: false }\n]);\n"
         "// Aggregation\ndb.users.aggregate([\n  { $match: { active: true } },\n  { $group: { _id: '$country', count: { $sum: 1 } } },\n  { $sort: { _id: 1 } }\n]);",
         contains=["insertedIds", "{ _id: 'UK', count: 2 }", "{ _id: 'US', count: 1 }", "(2 documents)"]),
    md("### MongoDB\n\nThe advanced guide's quick start: a collection whose `validator` refuses documents that do not "
       "fit a `$jsonSchema`. The error is the server's code 121 with the rule that failed (expected to fail):"),
    code('%%mql\n// Insert with validation\ndb.createCollection("members", {\n  validator: { $jsonSchema: {\n    bsonType: "object",\n'
         '    required: ["email", "name"],\n    properties: {\n      email: { bsonType: "string", pattern: "^.+@.+$" },\n'
         '      name: { bsonType: "string", minLength: 1 }\n    }\n  }}\n});\n'
         'db.members.insertOne({ email: "ada@example.com", name: "Ada" });\ndb.members.insertOne({ email: "not-an-email", name: "Bob" });',
         error="MongoServerError", contains=["ok: 1", "insertedId", "Document failed validation"]),
    code("%%mql\ndb.members.countDocuments()", contains=["1"]),
    code('%%mql\ndb.orders.insertMany([\n  { userId: 1, status: "completed", amount: 30 }, { userId: 1, status: "completed", amount: 20 },\n'
         '  { userId: 2, status: "completed", amount: 70 }, { userId: 2, status: "pending", amount: 99 }, { userId: 3, status: "completed", amount: 5 }\n]);\n'
         '// Aggregation pipeline\ndb.orders.aggregate([\n  { $match: { status: "completed" } },\n  { $group: { _id: "$userId", total: { $sum: "$amount" } } },\n'
         '  { $sort: { total: -1 } },\n  { $limit: 10 }\n]);',
         contains=["{ _id: 2, total: 70 }", "{ _id: 1, total: 50 }", "{ _id: 3, total: 5 }", "(3 documents)"]),
    md("## MongoDB - NoSQL Document Database\n\nThe third guide models users with **Mongoose**, a Node.js library. "
       "Mongoose runs in the application: `required`, `unique`, `default: Date.now` and `populate` are checked or "
       "done by JavaScript before or after talking to the server. A notebook has no Node.js application, so here is "
       "the same model *on the server*, where it holds for every client:\n\n"
       "| Mongoose | on the server |\n|---|---|\n| `required: true`, `type: String` | `$jsonSchema` `required`, `bsonType` |\n"
       "| `unique: true` | a unique index |\n| `default: Date.now` | none: the client sets `createdAt: new Date()` |\n"
       "| `ref: 'Post'` + `populate()` | an array of ObjectIds + `$lookup` |"),
    code('%%mql\ndb.createCollection("people", { validator: { $jsonSchema: {\n  bsonType: "object",\n  required: ["name", "createdAt"],\n'
         '  properties: {\n    name: { bsonType: "string" },\n    email: { bsonType: "string" },\n'
         '    profile: { bsonType: "object", properties: { bio: { bsonType: "string" }, avatar: { bsonType: "string" } } },\n'
         '    posts: { bsonType: "array", items: { bsonType: "objectId" } },\n    createdAt: { bsonType: "date" }\n  }\n}}});\n'
         'db.people.createIndex({ email: 1 }, { unique: true });',
         contains=["ok: 1", "email_1"]),
    md("Create (`new User(...).save()`), with the post it refers to:"),
    code("%%mql\nconst post = db.posts.insertOne({ title: 'Hello', body: 'First post' }).insertedId;\n"
         "db.people.insertOne({ name: 'John', email: 'john@example.com', profile: {}, posts: [post], createdAt: new Date() });\n"
         "db.people.insertOne({ name: 'Johnny', email: 'johnny@example.com', posts: [], createdAt: new Date() });",
         contains=["insertedId: ObjectId("]),
    md("`unique: true` is the index; a second John with the same email is refused with E11000 (expected to fail):"),
    code("%%mql\ndb.people.insertOne({ name: 'John again', email: 'john@example.com', createdAt: new Date() })",
         error="MongoServerError", contains=["E11000 duplicate key error", "email_1"]),
    md("Read: `findById(id).populate('posts')` is a `$lookup` that replaces the ids with the documents; "
       "`find({ name: /john/i })` is a regular expression, case-insensitive:"),
    code("%%mql\nconst userId = db.people.findOne({ email: 'john@example.com' })._id;\n"
         "db.people.aggregate([\n  { $match: { _id: userId } },\n  { $lookup: { from: 'posts', localField: 'posts', foreignField: '_id', as: 'posts' } },\n"
         "  { $project: { _id: 0, name: 1, 'posts.title': 1 } }\n]);\n"
         "db.people.find({ name: /john/i }, { _id: 0, name: 1 }).sort({ name: 1 });",
         contains=["name: 'John', posts: [ { title: 'Hello' } ]", "{ name: 'John' }", "{ name: 'Johnny' }", "(2 documents)"]),
    md("Update a nested field with a dotted path, delete, and the guide's aggregation (people created since 2024, "
       "grouped by email):"),
    code("%%mql\nconst userId = db.people.findOne({ email: 'john@example.com' })._id;\n"
         "db.people.updateOne({ _id: userId }, { $set: { 'profile.bio': 'New bio' } });\n"
         "db.people.findOne({ _id: userId }, { _id: 0, profile: 1 });\n"
         "db.people.aggregate([\n  { $match: { createdAt: { $gte: new Date('2024-01-01') } } },\n  { $group: { _id: '$email', count: { $sum: 1 } } },\n  { $sort: { _id: 1 } }\n]);\n"
         "db.people.deleteOne({ _id: userId });",
         contains=["modifiedCount: 1", "profile: { bio: 'New bio' }", "{ _id: 'john@example.com', count: 1 }", "{ _id: 'johnny@example.com', count: 1 }", "deletedCount: 1"]),
    *exercise(1, "In `course_07`, count the completed orders of each user and the largest amount, as `{ _id: userId, "
              "orders, largest }`, sorted by `_id`.",
              "%%mql --out ex1\ndb.orders.aggregate([\n  { $match: { status: 'completed' } },\n"
              "  { $group: { _id: '$userId', orders: { $sum: 1 }, largest: { $max: '$amount' } } },\n  { $sort: { _id: 1 } }\n])",
              "ex1", contains=["{ _id: 1, orders: 2, largest: 30 }", "{ _id: 2, orders: 1, largest: 70 }", "{ _id: 3, orders: 1, largest: 5 }"],
              check="\n[{ _id: 1, orders: 2, largest: 30 }, { _id: 2, orders: 1, largest: 70 }, { _id: 3, orders: 1, largest: 5 }]"),
    *exercise(2, "Give every UK user the field `tags: ['founder']` in one command, then keep the names of users that "
              "have the tag (no `_id`, sorted by name).",
              "%%mql --out ex2\ndb.users.updateMany({ country: 'UK' }, { $set: { tags: ['founder'] } });\n"
              "db.users.find({ tags: 'founder' }, { _id: 0, name: 1 }).sort({ name: 1 })",
              "ex2", contains=["matchedCount: 2", "{ name: 'Ada' }", "{ name: 'Alan' }"],
              check="\n[{ name: 'Ada' }, { name: 'Alan' }]"),
    md("## Clean up"),
    code("%%mql\ndb.dropDatabase()", contains=["dropped: 'course_07'"]),
]
