"""Cells of notebooks/mql-fidelity.ipynb: collation, PCRE regular expressions and named time zones on the
embedded engine, with the values MongoDB's documentation gives for the same examples."""
from cells import code, md

NAME = "mql-fidelity"

CELLS = [
    md("# Strings, patterns and clocks as mongod sees them\n\n"
       "Three things where a MongoDB-compatible engine is easy to get subtly wrong: **collation** (how strings "
       "compare in a language), **regular expressions** (mongod uses PCRE2) and **time zones** (named zones with "
       "daylight saving time). The embedded engine does all three as mongod does; every expected value below is "
       "the one MongoDB's reference pages give."),
    code("%%mql\nuse fidelity\ndb.dropDatabase()", contains=["switched to db fidelity"]),
    md("## Collation\n\nWithout a collation strings compare byte by byte: `'PING'` is not `'ping'`. With "
       "`strength: 2` case is ignored (accents still count), with `strength: 1` accents are ignored too."),
    code("%%mql\ndb.pings.insertMany([{ x: 'ping' }, { x: 'Ping' }, { x: 'PING' }, { x: 'pong' }]);\n"
         "db.pings.deleteMany({ x: 'PING' }, { collation: { locale: 'en_US', strength: 2 } })",
         contains=["deletedCount: 3"]),
    code("%%mql\ndb.myColl.insertMany([\n  { _id: 1, category: 'café', status: 'A' },\n"
         "  { _id: 2, category: 'cafe', status: 'a' },\n  { _id: 3, category: 'cafE', status: 'a' }\n]);\n"
         "db.myColl.find({ category: 'cafe' }).collation({ locale: 'fr', strength: 1 })",
         contains=["category: 'café'", "category: 'cafE'", "(3 documents)"]),
    md("Languages order letters their own way: German sorts `ä` with `a`, Swedish puts `å ä ö` after `z`; "
       "`numericOrdering` compares digit runs as numbers."),
    code("%%mql\ndb.words.insertMany([{ w: 'ö' }, { w: 'z' }, { w: 'ä' }, { w: 'a' }]);\n"
         "db.words.aggregate([{ $sort: { w: 1 } }, { $group: { _id: 'de', order: { $push: '$w' } } }],\n"
         "  { collation: { locale: 'de' } });\n"
         "db.words.aggregate([{ $sort: { w: 1 } }, { $group: { _id: 'sv', order: { $push: '$w' } } }],\n"
         "  { collation: { locale: 'sv' } });",
         contains=["_id: 'de', order: [ 'a', 'ä', 'ö', 'z' ]", "_id: 'sv', order: [ 'a', 'z', 'ä', 'ö' ]"]),
    md("An index can carry a collation. It serves only queries with the same collation; others scan the "
       "collection (see `winningPlan`)."),
    code("%%mql\ndb.words.createIndex({ w: 1 }, { name: 'w_ci', collation: { locale: 'en', strength: 2 } });\n"
         "db.words.find({ w: 'Z' }).collation({ locale: 'en', strength: 2 }).explain().queryPlanner.winningPlan",
         contains=["stage: 'IXSCAN'", "indexName: 'w_ci'"]),
    code("%%mql\ndb.words.find({ w: 'Z' }).explain().queryPlanner.winningPlan", contains=["stage: 'COLLSCAN'"]),
    code("%%mql\ndb.words.find({}).collation({ locale: 'xx' })", error="MongoServerError"),
    md("## Regular expressions (PCRE)\n\nLook-around, back-references and possessive quantifiers work as in "
       "mongod. The filter PyMongo sends to list non-system collections is a negative look-ahead."),
    code("%%mql\ndb.names.insertMany([{ n: 'users' }, { n: 'system.views' }, { n: 'systemic' }]);\n"
         "db.names.find({ n: { $regex: '^(?!system\\\\.)' } }, { _id: 0 })",
         contains=["n: 'users'", "n: 'systemic'", "(2 documents)"]),
    code("%%mql\ndb.names.aggregate([\n  { $project: { _id: 0, n: 1,\n"
         "      doubled: { $regexFind: { input: '$n', regex: /(\\w)\\1/ } },\n"
         "      possessive: { $regexMatch: { input: 'aaa', regex: /^a*+a/ } } } },\n  { $limit: 1 }\n])",
         contains=["doubled: null", "possessive: false"]),
    code("%%mql\ndb.names.find({ n: { $regex: '(unclosed' } })", error="MongoServerError"),
    md("## Time zones\n\nDate operators take Olson names (with daylight saving time) or offsets. "
       "The `$dateToString` reference page's example:"),
    code("%%mql\ndb.sales.insertOne({ _id: 1, date: ISODate('2014-01-01T08:15:39.736Z') });\n"
         "db.sales.aggregate([{ $project: { _id: 0,\n"
         "  timewithOffsetNY: { $dateToString: { format: '%H:%M:%S:%L%z', date: '$date', timezone: 'America/New_York' } },\n"
         "  timewithOffset430: { $dateToString: { format: '%H:%M:%S:%L%z', date: '$date', timezone: '+04:30' } },\n"
         "  minutesOffsetNY: { $dateToString: { format: '%Z', date: '$date', timezone: 'America/New_York' } }\n"
         "} }])",
         contains=["timewithOffsetNY: '03:15:39:736-0500'", "timewithOffset430: '12:45:39:736+0430'",
                   "minutesOffsetNY: '-300'"]),
    code("%%mql\ndb.sales.aggregate([{ $project: { _id: 0,\n"
         "  summer: { $dateToString: { format: '%H:%M%z', date: ISODate('2021-07-01T12:00:00Z'), timezone: 'Europe/Amsterdam' } },\n"
         "  winter: { $dateToString: { format: '%H:%M%z', date: ISODate('2021-01-01T12:00:00Z'), timezone: 'Europe/Amsterdam' } }\n"
         "} }])",
         contains=["summer: '14:00+0200'", "winter: '13:00+0100'"]),
    code("%%mql\ndb.sales.aggregate([{ $project: { h: { $hour: { date: '$date', timezone: 'Mars/Olympus' } } } }])",
         error="MongoServerError"),
]
