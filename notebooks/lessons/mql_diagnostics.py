"""Cells of notebooks/mql-diagnostics.ipynb: the database profiler (system.profile), serverStatus
opcounters and mem, and explain's allPlansExecution (plan racing) on the embedded engine. Every
expectation is a field name, stage name or rule that MongoDB's reference pages state (Database
Profiler, Database Profiler Output, serverStatus, Explain Results), never a timing or a count the
engine happens to print."""
from cells import code, md

NAME = "mql-diagnostics"

CELLS = [
    md("# Looking inside the server: profiler, counters and plan racing\n\n"
       "Three tools mongod gives for finding out *what the server did*: the **database profiler** records "
       "operations in the capped collection `system.profile`, **`db.serverStatus()`** counts operations since "
       "the server started, and **`explain('allPlansExecution')`** shows every plan the query planner raced and "
       "why the winner won. The embedded engine behind `%%mql` implements all three. This notebook works in its "
       "own database, `diagnostics`, and drops it at the end."),
    code("%%mql\nuse diagnostics\ndb.dropDatabase()", contains=["switched to db diagnostics"]),
    md("## The profiler\n\n"
       "The profiling level is per database: **0** records nothing (the default), **1** records operations "
       "slower than `slowms` (100 ms unless set), **2** records every operation. `db.setProfilingLevel()` "
       "answers with the settings *before* the change: `was` is the previous level."),
    code("%%mql\ndb.setProfilingLevel(2)", contains=["was: 0", "slowms: 100", "sampleRate: 1", "ok: 1"]),
    code("%%mql\ndb.getProfilingStatus()", contains=["was: 2"]),
    md("Now a few operations to record: an insert, a find and an update. A `comment` on the find travels "
       "into its profile entry, which makes it easy to pick out later."),
    code("%%mql\ndb.books.insertMany([\n  { _id: 1, title: 'Dune', year: 1965 },\n"
         "  { _id: 2, title: 'Emma', year: 1815 },\n  { _id: 3, title: 'Ulysses', year: 1922 }\n]);\n"
         "db.books.find({ year: { $gt: 1900 } }).comment('diagnostics lesson')",
         contains=["title: 'Dune'", "title: 'Ulysses'", "(2 documents)"]),
    code("%%mql\ndb.books.updateOne({ _id: 2 }, { $set: { year: 1816 } })",
         contains=["matchedCount: 1", "modifiedCount: 1"]),
    md("Each entry in `system.profile` names the operation type `op` (`query`, `insert`, `update`, `remove`, "
       "`getmore`, `command`), the namespace `ns` (database.collection), the `command` as it arrived and how "
       "long it took in `millis`. The find is an `op: 'query'` entry that carries our comment:"),
    code("%%mql\ndb.system.profile.find({ op: 'query', 'command.comment': 'diagnostics lesson' },\n"
         "  { _id: 0, op: 1, ns: 1, command: 1, millis: 1 })",
         contains=["op: 'query'", "ns: 'diagnostics.books'", "find: 'books'",
                   "filter: { year: { '$gt': 1900 } }", "comment: 'diagnostics lesson'", "millis:"]),
    md("The entry also says how the server found the documents: `planSummary` names the plan (`COLLSCAN` "
       "here: `year` has no index), `keysExamined` and `docsExamined` count what it read (all 3 books, no "
       "index keys), `nreturned` what it sent back, `cursorExhausted: true` that no cursor was left open, "
       "and `numYield` how often it let other operations in."),
    code("%%mql\ndb.system.profile.find({ op: 'query', 'command.comment': 'diagnostics lesson' },\n"
         "  { planSummary: 1, keysExamined: 1, docsExamined: 1, nreturned: 1, cursorExhausted: 1, numYield: 1 })",
         contains=["planSummary: 'COLLSCAN'", "keysExamined: 0", "docsExamined: 3", "nreturned: 2",
                   "cursorExhausted: true", "numYield: 0"],
         absent=["ObjectId"]),
    md("The update is an `op: 'update'` entry (one per update statement); its command is the statement, "
       "`q` (which documents) and `u` (what to change), and `nMatched`/`nModified` count what it did:"),
    code("%%mql\ndb.system.profile.find({ op: 'update', ns: 'diagnostics.books' },\n"
         "  { _id: 0, op: 1, ns: 1, command: 1, millis: 1 })",
         contains=["op: 'update'", "ns: 'diagnostics.books'", "q: { _id: 2 }",
                   "u: { '$set': { year: 1816 } }", "millis:"]),
    code("%%mql\ndb.system.profile.find({ op: 'update', ns: 'diagnostics.books' }, { nMatched: 1, nModified: 1 })",
         contains=["nMatched: 1", "nModified: 1"]),
    md("`system.profile` is a capped collection: old entries make room for new ones instead of filling "
       "the disk."),
    code("%%mql\ndb.system.profile.isCapped()", contains=["true"]),
    md("Level 1 records only slow operations. `slowms` is server-wide (it also decides which operations "
       "mongod writes to its log), so with `slowms: 0` every operation counts as slow:"),
    code("%%mql\ndb.setProfilingLevel(1, { slowms: 0 })", contains=["was: 2", "slowms: 100"]),
    code("%%mql\ndb.books.find({ title: 'Emma' }).comment('slow on purpose');\n"
         "db.system.profile.find({ 'command.comment': 'slow on purpose' }, { _id: 0, op: 1, ns: 1 })",
         contains=["op: 'query'", "ns: 'diagnostics.books'"]),
    md("Profiling costs time and space, so switch it off again and put `slowms` back to its default "
       "(the level belongs to this database, `slowms` to the whole server):"),
    code("%%mql\ndb.setProfilingLevel(0, { slowms: 100 })", contains=["was: 1", "slowms: 0"]),
    code("%%mql\ndb.getProfilingStatus()", contains=["was: 0", "slowms: 100"]),
    md("## serverStatus: operation counters\n\n"
       "`db.serverStatus().opcounters` counts operations by type since the server started: `insert`, "
       "`query`, `update`, `delete`, `getmore` and `command`. The numbers only grow, so what tells you "
       "something is the *difference* between two readings. Three inserts in between:"),
    code("%%mql\nconst before = db.serverStatus().opcounters;\n"
         "db.books.insertOne({ _id: 4, title: 'Beloved', year: 1987 });\n"
         "db.books.insertOne({ _id: 5, title: 'Kim', year: 1901 });\n"
         "db.books.insertOne({ _id: 6, title: 'Middlemarch', year: 1871 });\n"
         "const after = db.serverStatus().opcounters;\n"
         "({ inserts: Number(after.insert) - Number(before.insert) })",
         contains=["inserts: 3"]),
    code("%%mql\ndb.serverStatus().opcounters",
         contains=["insert:", "query:", "update:", "delete:", "getmore:", "command:"]),
    md("`mem` reports the process's memory in mebibytes: `resident` (in RAM) and `virtual`, with `bits` "
       "telling whether the server is a 64-bit build:"),
    code("%%mql\ndb.serverStatus().mem", contains=["bits: 64", "resident:", "virtual:", "supported: true"]),
    md("## Plan racing: explain('allPlansExecution')\n\n"
       "When more than one index can answer a query, the planner builds one candidate plan per index and "
       "**races** them: each runs a short trial, and the plan that returns results with the least work wins. "
       "The winner is `queryPlanner.winningPlan`; the losers are `queryPlanner.rejectedPlans`. The data and "
       "indexes are those of MongoDB's *Analyze Query Performance* tutorial: two compound indexes on the same "
       "two fields, in either order."),
    code("%%mql\ndb.inventory.insertMany([\n"
         "  { _id: 1, item: 'f1', type: 'food', quantity: 500 },\n"
         "  { _id: 2, item: 'f2', type: 'food', quantity: 100 },\n"
         "  { _id: 3, item: 'p1', type: 'paper', quantity: 200 },\n"
         "  { _id: 4, item: 'p2', type: 'paper', quantity: 150 },\n"
         "  { _id: 5, item: 'f3', type: 'food', quantity: 300 },\n"
         "  { _id: 6, item: 't1', type: 'toys', quantity: 500 },\n"
         "  { _id: 7, item: 'a1', type: 'apparel', quantity: 250 },\n"
         "  { _id: 8, item: 'a2', type: 'apparel', quantity: 400 },\n"
         "  { _id: 9, item: 't2', type: 'toys', quantity: 50 },\n"
         "  { _id: 10, item: 'f4', type: 'food', quantity: 75 }\n]);\n"
         "db.inventory.createIndex({ quantity: 1, type: 1 });\n"
         "db.inventory.createIndex({ type: 1, quantity: 1 })",
         contains=["quantity_1_type_1", "type_1_quantity_1"]),
    md("First the two candidates one at a time, forced with `hint()`, as the tutorial does: both return the "
       "two matching documents, but the index that starts with `quantity` walks every key in the quantity "
       "range (5) while the one that starts with the equality on `type` reads only the 2 it returns."),
    code("%%mql\nconst q = { quantity: { $gte: 100, $lte: 300 }, type: 'food' };\n"
         "const byQuantity = db.inventory.find(q).hint({ quantity: 1, type: 1 }).explain('executionStats').executionStats;\n"
         "const byType = db.inventory.find(q).hint({ type: 1, quantity: 1 }).explain('executionStats').executionStats;\n"
         "({ quantity_1_type_1: { nReturned: byQuantity.nReturned, totalKeysExamined: byQuantity.totalKeysExamined },\n"
         "   type_1_quantity_1: { nReturned: byType.nReturned, totalKeysExamined: byType.totalKeysExamined } })",
         contains=["quantity_1_type_1: { nReturned: 2, totalKeysExamined: 5 }",
                   "type_1_quantity_1: { nReturned: 2, totalKeysExamined: 2 }"]),
    md("Without a hint the planner races them itself. The whole explain, drawn:"),
    code("%%mql\ndb.inventory.find({ quantity: { $gte: 100, $lte: 300 }, type: 'food' }).explain('allPlansExecution')",
         contains=["IXSCAN", "FETCH", "type_1_quantity_1", "quantity_1_type_1"]),
    md("And as documents. Each index scan is an `IXSCAN` stage under a `FETCH` that reads the documents; "
       "`indexName` and `indexBounds` say which index and which part of it. The winner is the "
       "`{ type: 1, quantity: 1 }` index; the rejected plan scans the other one:"),
    code("%%mql\nconst plan = db.inventory.find(q).explain('allPlansExecution');\n"
         "plan.queryPlanner.winningPlan",
         contains=["stage: 'FETCH'", "stage: 'IXSCAN'", "indexName: 'type_1_quantity_1'",
                   "keyPattern: { type: 1, quantity: 1 }", "indexBounds:"]),
    code("%%mql\nplan.queryPlanner.rejectedPlans",
         contains=["stage: 'FETCH'", "stage: 'IXSCAN'", "indexName: 'quantity_1_type_1'"],
         absent=["indexName: 'type_1_quantity_1'"]),
    md("`executionStats` describes the winning plan's full run (`nReturned`, `totalKeysExamined`, "
       "`totalDocsExamined`, and per stage `executionStages`). In `allPlansExecution` mode it also holds "
       "`allPlansExecution`: one entry per raced candidate, winner and losers, with what each did during "
       "the trial (`works`, `advanced`, keys and documents examined)."),
    code("%%mql\nplan.executionStats",
         contains=["executionSuccess: true", "nReturned: 2", "totalKeysExamined: 2", "totalDocsExamined: 2",
                   "executionStages:", "allPlansExecution:"]),
    code("%%mql\nplan.executionStats.allPlansExecution.map(p => ({\n"
         "  index: p.executionStages.inputStage.indexName,\n"
         "  stage: p.executionStages.inputStage.stage,\n"
         "  reportsTrialWork: 'totalKeysExamined' in p && 'works' in p.executionStages\n"
         "}))",
         contains=["index: 'type_1_quantity_1'", "index: 'quantity_1_type_1'", "stage: 'IXSCAN'",
                   "reportsTrialWork: true"],
         absent=["reportsTrialWork: false"]),
    md("Every stage in `executionStages` reports how often it was asked for work (`works`), how often it "
       "handed a document up (`advanced`), how often it worked without producing one (`needTime`) and "
       "whether it reached its end (`isEOF`). Here the index scan read 2 keys and then found the end: 3 "
       "works, 2 advanced; FETCH asked it 3 times. `needYield`, `saveState` and `restoreState` stay 0: the "
       "embedded engine never yields."),
    code("%%mql\nconst top = plan.executionStats.executionStages;\n"
         "[top, top.inputStage].map(s => ({ stage: s.stage, works: s.works, advanced: s.advanced,\n"
         "  needTime: s.needTime, needYield: s.needYield, isEOF: s.isEOF }))",
         contains=["stage: 'FETCH'", "stage: 'IXSCAN'", "works: 3", "advanced: 2", "needTime: 0",
                   "needYield: 0", "isEOF: 1"],
         absent=["works: 2,"]),
    md("A hinted query has a single candidate, so nothing is raced and nothing is rejected. With the "
       "narrower verbosity `executionStats` the trials are not reported, and `queryPlanner` does not run the "
       "query at all."),
    code("%%mql\nconst hinted = db.inventory.find(q).hint({ quantity: 1, type: 1 }).explain('allPlansExecution');\n"
         "const quick = db.inventory.find(q).explain('executionStats');\n"
         "({ rejectedWhenHinted: hinted.queryPlanner.rejectedPlans.length,\n"
         "   hasAllPlans: 'allPlansExecution' in quick.executionStats,\n"
         "   ran: 'executionStats' in db.inventory.find(q).explain('queryPlanner') })",
         contains=["rejectedWhenHinted: 0", "hasAllPlans: false", "ran: false"]),
    md("Clean up: the lesson's database goes away (and with it `system.profile`)."),
    code("%%mql\ndb.dropDatabase()", contains=["dropped: 'diagnostics'"]),
]
