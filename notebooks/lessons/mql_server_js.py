"""Cells of notebooks/mql-server-js.ipynb: JavaScript the server runs — $where, $function and
$accumulator — with the examples of MongoDB's documentation pages for those operators."""
from cells import code, md

NAME = "mql-server-js"

CELLS = [
    md("# JavaScript on the server: `$where`, `$function`, `$accumulator`\n\n"
       "MongoDB can run JavaScript inside a query or a pipeline: `$where` filters documents with a JavaScript "
       "condition, `$function` computes a field, `$accumulator` is a custom `$group` accumulator. The embedded "
       "engine runs them too (on QuickJS), with mongod's limits: each call may run 60 seconds, `maxTimeMS` and "
       "the stop button interrupt a running script, and the JavaScript heap is bounded. MongoDB's advice holds "
       "here as well: `$expr` with ordinary operators is faster and should be preferred when it can say the same "
       "thing.\n\nThe examples below are those of MongoDB's documentation pages for the three operators. The "
       "functions are written as strings, which the server accepts as well as JavaScript code."),
    code("%%mql\nuse serverjs\ndb.dropDatabase()", contains=["switched to db serverjs"]),
    md("## `$where`\n\nThe `$function` page's players, and its `$where` example: the player whose name has the "
       "given MD5 hash (`hex_md5` is one of the helpers mongod gives server-side JavaScript). Inside the code, "
       "`this` (or `obj`) is the document."),
    code("%%mql\ndb.players.insertMany([\n"
         "  { _id: 1, name: \"Miss Cheevous\",  scores: [ 10, 5, 10 ] },\n"
         "  { _id: 2, name: \"Miss Ann Thrope\", scores: [ 10, 10, 10 ] },\n"
         "  { _id: 3, name: \"Mrs. Eppie Delta \", scores: [ 9, 8, 8 ] }\n"
         "])", contains=["insertedIds"]),
    code("%%mql\ndb.players.find( { $where: \"hex_md5(this.name) == '15b0a220baa16331e8d80e15367677ad'\" } )",
         contains=["name: 'Miss Ann Thrope'", "(1 document)"], absent=["Miss Cheevous"]),
    md("The same condition with `$expr` and `$function`, which the documentation prefers over `$where`:"),
    code("%%mql\ndb.players.find( { $expr: { $function: {\n"
         "  body: \"function(name) { return hex_md5(name) == '15b0a220baa16331e8d80e15367677ad'; }\",\n"
         "  args: [ \"$name\" ],\n  lang: \"js\"\n} } } )",
         contains=["name: 'Miss Ann Thrope'", "(1 document)"]),
    md("`$where` is a query operator: an aggregation's `$match` refuses it, as mongod does (this cell is "
       "expected to fail)."),
    code("%%mql\ndb.players.aggregate([ { $match: { $where: \"this._id == 1\" } } ])",
         error="MongoServerError[BadValue]"),
    md("## `$function`\n\nThe page's first example: an `isFound` flag from the hash, and a message built with a "
       "template string and `Array.sum`."),
    code("%%mql\ndb.players.aggregate( [\n  { $addFields: {\n"
         "      isFound: { $function: {\n"
         "          body: \"function(name) { return hex_md5(name) == '15b0a220baa16331e8d80e15367677ad' }\",\n"
         "          args: [ \"$name\" ], lang: \"js\" } },\n"
         "      message: { $function: {\n"
         "          body: \"function(name, scores) { let total = Array.sum(scores); "
         "return `Hello ${name}.  Your total score is ${total}.` }\",\n"
         "          args: [ \"$name\", \"$scores\" ], lang: \"js\" } }\n  } }\n] )",
         contains=["isFound: false", "isFound: true",
                   "Hello Miss Cheevous.  Your total score is 25.",
                   "Hello Miss Ann Thrope.  Your total score is 30.",
                   "Hello Mrs. Eppie Delta .  Your total score is 25."]),
    md("A JavaScript error is the command's error, `JSInterpreterFailure` with the script's message (this cell "
       "is expected to fail):"),
    code("%%mql\ndb.players.aggregate([ { $project: { x: { $function: {\n"
         "  body: \"function() { throw new Error('no score today') }\", args: [], lang: \"js\" } } } } ])",
         error="MongoServerError[JSInterpreterFailure]"),
    md("## `$accumulator`\n\nThe page's example implements `$avg` with a custom accumulator: `init` makes the "
       "state, `accumulate` adds one book's copies, `merge` combines two partial states (mongod calls it for "
       "sharded or spilled groups; this engine neither shards nor spills, so it is checked but not needed), "
       "`finalize` turns the state into the average."),
    code("%%mql\ndb.books.insertMany([\n"
         "  { \"_id\" : 8751, \"title\" : \"The Banquet\", \"author\" : \"Dante\", \"copies\" : 2 },\n"
         "  { \"_id\" : 8752, \"title\" : \"Divine Comedy\", \"author\" : \"Dante\", \"copies\" : 1 },\n"
         "  { \"_id\" : 8645, \"title\" : \"Eclogues\", \"author\" : \"Dante\", \"copies\" : 2 },\n"
         "  { \"_id\" : 7000, \"title\" : \"The Odyssey\", \"author\" : \"Homer\", \"copies\" : 10 },\n"
         "  { \"_id\" : 7020, \"title\" : \"Iliad\", \"author\" : \"Homer\", \"copies\" : 10 }\n"
         "])", contains=["insertedIds"]),
    code("%%mql\ndb.books.aggregate([\n{\n  $group :\n  {\n    _id : \"$author\",\n    avgCopies:\n    {\n"
         "      $accumulator:\n      {\n"
         "        init: \"function() { return { count: 0, sum: 0 } }\",\n"
         "        accumulate: \"function(state, numCopies) { return { count: state.count + 1, sum: state.sum + numCopies } }\",\n"
         "        accumulateArgs: [\"$copies\"],\n"
         "        merge: \"function(state1, state2) { return { count: state1.count + state2.count, sum: state1.sum + state2.sum } }\",\n"
         "        finalize: \"function(state) { return (state.sum / state.count) }\",\n"
         "        lang: \"js\"\n      }\n    }\n  }\n}\n])",
         contains=["_id: 'Dante', avgCopies: 1.6666666666666667", "_id: 'Homer', avgCopies: 10"]),
    md("The page's comparison: `$avg` gives the same numbers, without JavaScript."),
    code("%%mql\ndb.books.aggregate([ { $group : { _id : \"$author\", avgCopies: { $avg: \"$copies\" } } } ])",
         contains=["_id: 'Dante', avgCopies: 1.6666666666666667", "_id: 'Homer', avgCopies: 10"]),
    md("## Time limits\n\nA script that never ends is stopped by the command's `maxTimeMS` (or by the stop "
       "button), with mongod's error (this cell is expected to fail):"),
    code("%%mql\ndb.runCommand({ find: \"players\", filter: { $where: \"while (true) {}\" }, maxTimeMS: 200 })",
         error="MongoServerError[MaxTimeMSExpired]"),
]
