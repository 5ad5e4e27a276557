"""Cells of notebooks/mql-js.ipynb: JavaScript in %%mql cells, as mongosh runs it — loops that
generate data, forEach(printjson), a helper function reused in later cells, `it`, template strings,
classes, and the stop button."""
from cells import code, md

NAME = "mql-js"

CELLS = [
    md("# JavaScript in `%%mql` cells\n\n"
       "mongosh is a JavaScript shell, and courses use it as one: a loop that generates test data, "
       "`forEach(printjson)`, arrow functions in `.map()`, a helper defined once and called later. A `%%mql` "
       "cell runs that JavaScript in the kernel itself (QuickJS, no Node.js needed); each shell call in it "
       "(`db.people.insertOne(...)`) is sent to the server as mongosh would send it, and the script waits for "
       "the answer, so it reads top to bottom like a mongosh script. Cells without JavaScript run exactly as "
       "before."),
    code("%%mql\nuse jsdemo\ndb.dropDatabase()", contains=["switched to db jsdemo"]),
    md("## A loop that generates data\n\n10,000 documents, one `insertOne` per iteration, as the course's "
       "data-generating scripts do. Whole numbers are stored as 32-bit integers, as mongosh stores them."),
    code("%%mql\nconst cities = ['Lisbon', 'Oslo', 'Lima', 'Osaka']\n"
         "for (let i = 0; i < 10000; i++) {\n"
         "  db.people.insertOne({ _id: i, name: `person ${i}`, age: 18 + (i % 60), city: cities[i % cities.length] })\n"
         "}\n"
         "db.people.countDocuments()",
         contains=["10000"]),
    code("%%mql\ndb.people.countDocuments({ age: { $type: 'int' }, city: 'Oslo' })", contains=["2500"]),
    md("## `forEach(printjson)` and callbacks\n\n`printjson` prints each document opened up, one field per "
       "line, as mongosh does; `print` and `console.log` print on one line; `map` reshapes documents in "
       "JavaScript."),
    code("%%mql\ndb.people.find({ _id: { $lt: 2 } }).forEach(printjson)",
         contains=["{\n  _id: 0,\n  name: 'person 0',\n  age: 18,\n  city: 'Lisbon'\n}"]),
    code("%%mql\ndb.people.find({ city: 'Lima' }).sort({ age: -1, _id: -1 }).limit(3).forEach(p => print(p.name, p.age))",
         contains=["person 9958 76\nperson 9898 76\nperson 9838 76"]),
    code("%%mql\ndb.people.find({ age: 30 }).sort({ _id: 1 }).limit(4).map(p => p.name.toUpperCase()).toArray()",
         contains=["[ 'PERSON 12', 'PERSON 72', 'PERSON 132', 'PERSON 192' ]"]),
    md("## A helper function, reused in later cells\n\nTop-level functions, classes and variables stay "
       "defined for the rest of the session, like in a mongosh session. A cell that calls the helper runs in "
       "JavaScript even if it looks like a plain shell line."),
    code("%%mql\nfunction averageAge(city) {\n  let total = 0, count = 0\n"
         "  db.people.find({ city }).forEach(p => { total += p.age; count++ })\n"
         "  return count ? total / count : null\n}"),
    code("%%mql\naverageAge('Oslo')", contains=["46.96"]),
    code("%%mql\nconst report = ['Lisbon', 'Osaka'].map(c => `${c}: ${averageAge(c).toFixed(1)}`)\nreport",
         contains=["[ 'Lisbon: 46.0', 'Osaka: 49.0' ]"]),
    md("Variables cross between cells both ways: `report` is a plain array, so the next cell (no JavaScript "
       "in it) reads it, and a `const` from a plain cell is visible to JavaScript."),
    code("%%mql\ndb.reports.insertOne({ _id: 'ages', lines: report })", contains=["insertedId: 'ages'"]),
    md("## `it`: the next batch of a cursor\n\nA cursor left as a JavaScript cell's value prints its first "
       "batch of 20, as mongosh does; `it` prints the next one."),
    code("%%mql\nconst younger = (age) => ({ age: { $lt: age } })\ndb.people.find(younger(20), { _id: 1 }).sort({ _id: 1 })",
         contains=["{ _id: 0 }", "{ _id: 541 }", 'Type "it" for more'], absent=["{ _id: 600 }"]),
    code("%%mql\nit", contains=["{ _id: 600 }", "{ _id: 1141 }"], absent=["{ _id: 541 }"]),
    md("## Template strings, destructuring, classes"),
    code("%%mql\nclass Summary {\n  constructor(city) { this.city = city; this.count = db.people.countDocuments({ city }) }\n"
         "  toString() { return `${this.city} has ${this.count} people` }\n}\n"
         "const { city, count } = new Summary('Lima');\n`${new Summary('Lima')} (${count} in ${city})`",
         contains=["Lima has 2500 people (2500 in Lima)"]),
    md("## Errors\n\nA server error can be caught (`e.code`, `e.codeName`); uncaught, it is shown as "
       "mongosh shows it. A JavaScript error names the cell line."),
    code("%%mql\ntry {\n  db.people.insertOne({ _id: 1 })\n} catch (e) {\n  print(`${e.codeName} (${e.code})`)\n}",
         contains=["DuplicateKey (11000)"]),
    code("%%mql\nfor (const id of [1]) {\n  db.people.findOne({ _id: id }).missing.field\n}",
         error="TypeError", contains=["at line 3"]),
    code("%%mql\nconst fs = require('fs')", error="MongoshError", contains=["Node.js"]),
    md("## The stop button\n\nAn endless loop (`while (true) {}`) stops at once with the stop button "
       "(the kernel interrupts the script and kills the server operation it waits on); the next cell runs "
       "normally. The JavaScript heap has a limit, so a script that hoards memory ends with an error "
       "instead of taking the machine down."),
    code("%%mql\n{\n  const hoard = []\n  while (true) hoard.push('x'.repeat(1 << 20) + hoard.length)\n}",
         error="RangeError", contains=["out of memory"]),
    code("%%mql\ndb.people.estimatedDocumentCount()", contains=["10000"]),
    md("## Values print as mongosh prints them\n\nA number you wrap yourself keeps its type when printed "
       "(`Int32(3)`, `Double(2)`), as do instances of your classes, `Map` and `Set`; numbers read back from "
       "the server print plain, as in mongosh."),
    code("%%mql\nclass Point { constructor(x, y) { this.x = x; this.y = y } }\n"
         "printjson({ n: NumberInt(3), d: Double(2), at: new Point(1, 2), seen: new Set(['a']) })\n"
         "new Map([['Oslo', NumberInt(1)]])",
         contains=["n: Int32(3)", "d: Double(2)", "at: Point {", "seen: Set(1) {", "Map(1) { 'Oslo' => Int32(1) }"]),
    md("## `async` functions and `await`\n\nAwaited promises resolve, and a cell whose value is a promise "
       "prints what it resolves to, as mongosh does. Shell calls return their results directly, so "
       "`await` on them is harmless."),
    code("%%mql\nasync function slowCount(city) {\n  const n = await new Promise(resolve => resolve(db.people.countDocuments({ city })))\n"
         "  return `${city}: ${n}`\n}\nslowCount('Lima')", contains=["Lima: 2500"]),
    md("## `it` after a plain shell cell\n\nA cell with no JavaScript in it reads its whole result and "
       "shows it up to the display limit (the footer says `shown N of M`), so there is no cursor for `it` "
       "to continue: it says what to do instead."),
    code("%%mql --limit 3\ndb.people.find({}, { _id: 1 }).sort({ _id: 1 })", contains=["(shown 3 of 10000 documents)"]),
    code("%%mql\nit", error="MongoshError", contains=["no cursor to continue", "--limit N"]),
    md("## Sessions and transactions\n\n`startSession()` is not available in these cells yet; it is refused "
       "with what to do instead (a transaction also needs a replica set: a standalone server refuses it)."),
    code("%%mql\nconst s = db.getMongo().startSession()", error="MongoshUnimplementedError",
         contains=["without a session", "Transaction numbers are only allowed on a replica set member or mongos"]),
]
