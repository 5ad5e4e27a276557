// A course-sized tour of the shell against `dbkernel mongod` (issue 18), run by
// tests/python/test_mongosh_script.py as `mongosh --quiet --norc --file course.js` with no
// connection string: mongosh's default, mongodb://127.0.0.1:27017/test.
// Every result is printed as one line, `label <relaxed EJSON>`, so that the test can compare
// values (not mongosh's layout) with what mongod's documentation implies for this data.
function out(label, value) {
  print(label + ' ' + EJSON.stringify(value, { relaxed: true }));
}

out('db', db.getName());
for (const name of ['students', 'depts', 'misc']) db.getCollection(name).drop();

// --- Create -----------------------------------------------------------------------------
const one = db.students.insertOne({ _id: 1, name: 'Ada', year: 2, dept: 'math', score: 91, tags: ['a', 'b'] });
out('insertOne', one);
const many = db.students.insertMany([
  { _id: 2, name: 'Bob', year: 1, dept: 'cs', score: 78 },
  { _id: 3, name: 'Cy', year: 2, dept: 'cs', score: 85 },
  { _id: 4, name: 'Dee', year: 3, dept: 'math', score: 67 },
  { _id: 5, name: 'Eve', year: 1, dept: 'physics', score: 88 },
  { _id: 6, name: 'Fay', year: 3, dept: 'cs', score: 95 },
]);
out('insertMany', many);
// The client generates the _id when there is none: an ObjectId.
const generated = db.misc.insertOne({ x: 1 });
out('generatedId', { type: generated.insertedId._bsontype, hexLength: generated.insertedId.toHexString().length });
db.depts.insertMany([
  { _id: 'cs', building: 'Turing' },
  { _id: 'math', building: 'Noether' },
  { _id: 'physics', building: 'Curie' },
]);

// --- Read -------------------------------------------------------------------------------
out('findTop3', db.students.find({ year: { $gte: 2 } }, { _id: 0, name: 1, score: 1 }).sort({ score: -1 }).limit(3).toArray());
out('findInRegex', db.students.find({ dept: { $in: ['cs', 'physics'] }, name: /^[BE]/ }).sort({ _id: 1 }).toArray().map((d) => d.name));
out('findOne', db.students.findOne({ name: 'Cy' }, { _id: 0, dept: 1 }));

// --- Update / replace / delete ----------------------------------------------------------
out('updateOne', db.students.updateOne({ _id: 2 }, { $inc: { score: 5 }, $set: { year: 2 } }));
out('updateMany', db.students.updateMany({ dept: 'cs' }, { $push: { tags: 'coder' } }));
out('upsert', db.students.updateOne({ _id: 7 }, { $set: { name: 'Gus', dept: 'bio' }, $setOnInsert: { year: 1, score: 70 } }, { upsert: true }));
out('upserted', db.students.findOne({ _id: 7 }));
out('replaceOne', db.students.replaceOne({ _id: 4 }, { name: 'Dee', year: 4, dept: 'math', score: 72 }));
out('replaced', db.students.findOne({ _id: 4 }));
out('deleteOne', db.students.deleteOne({ _id: 5 }));
out('countAll', db.students.countDocuments({}));
out('countCs', db.students.countDocuments({ dept: 'cs' }));
out('distinctDept', db.students.distinct('dept').sort());

// --- Aggregation ------------------------------------------------------------------------
out('groupByDept', db.students.aggregate([
  { $match: { score: { $gte: 72 } } },
  { $group: { _id: '$dept', n: { $sum: 1 }, avg: { $avg: '$score' }, best: { $max: '$score' } } },
  { $sort: { _id: 1 } },
  { $project: { _id: 0, dept: '$_id', n: 1, avg: { $round: ['$avg', 2] }, best: 1 } },
]).toArray());
out('lookupUnwind', db.students.aggregate([
  { $match: { dept: { $in: ['cs', 'math'] } } },
  { $lookup: { from: 'depts', localField: 'dept', foreignField: '_id', as: 'd' } },
  { $unwind: '$d' },
  { $project: { _id: 0, name: 1, building: '$d.building' } },
  { $sort: { name: 1 } },
]).toArray());
out('tagCounts', db.students.aggregate([
  { $unwind: '$tags' },
  { $group: { _id: '$tags', n: { $sum: 1 } } },
  { $sort: { n: -1, _id: 1 } },
]).toArray());

// --- Indexes ----------------------------------------------------------------------------
out('createSingle', db.students.createIndex({ score: 1 }));
out('createCompound', db.students.createIndex({ dept: 1, score: -1 }));
out('createUnique', db.students.createIndex({ name: 1 }, { unique: true }));
try {
  db.students.insertOne({ _id: 8, name: 'Ada' });
  out('duplicate', 'inserted');
} catch (e) {
  out('duplicate', { code: e.code, message: e.message });
}
out('indexes', db.students.getIndexes());
out('dropIndex', db.students.dropIndex('score_1'));
out('indexNames', db.students.getIndexes().map((i) => i.name).sort());

// --- explain("executionStats") ----------------------------------------------------------
function summary(explained) {
  const stats = explained.executionStats;
  const stages = [];
  (function walk(stage) {
    if (!stage) return;
    stages.push(stage.stage + (stage.indexName ? ':' + stage.indexName : ''));
    walk(stage.inputStage);
    (stage.inputStages || []).forEach(walk);
  })(explained.queryPlanner.winningPlan.queryPlan || explained.queryPlanner.winningPlan);
  return {
    stages,
    executionSuccess: stats.executionSuccess,
    nReturned: stats.nReturned,
    totalKeysExamined: stats.totalKeysExamined,
    totalDocsExamined: stats.totalDocsExamined,
  };
}
out('explainEquality', summary(db.students.find({ name: 'Cy' }).explain('executionStats')));
out('explainRange', summary(db.students.find({ dept: 'cs', score: { $gt: 84 } }).explain('executionStats')));
out('explainCollscan', summary(db.students.find({ year: 2 }).explain('executionStats')));

// --- bulkWrite (ordered, no transaction) ------------------------------------------------
out('bulkWrite', db.students.bulkWrite([
  { insertOne: { document: { _id: 10, name: 'Hal', dept: 'cs', year: 1, score: 60 } } },
  { updateOne: { filter: { _id: 1 }, update: { $set: { year: 3 } } } },
  { updateMany: { filter: { dept: 'math' }, update: { $inc: { score: 1 } } } },
  { replaceOne: { filter: { _id: 7 }, replacement: { name: 'Gus', dept: 'bio', year: 2, score: 71 } } },
  { deleteOne: { filter: { _id: 3 } } },
], { ordered: true }));
out('deleteMany', db.students.deleteMany({ score: { $lt: 75 } }));
out('remaining', db.students.find({}, { _id: 0, name: 1, score: 1 }).sort({ name: 1 }).toArray());

// --- stats() and currentOp() ------------------------------------------------------------
const stats = db.students.stats();
out('stats', {
  ns: stats.ns, count: stats.count, size: stats.size, avgObjSize: stats.avgObjSize,
  nindexes: stats.nindexes, indexSizes: Object.keys(stats.indexSizes).sort(),
  capped: stats.capped, ok: stats.ok,
});
out('bsonSizes', db.students.find().toArray().map((d) => bsonsize(d)));
const dbStats = db.stats();
out('dbStats', { db: dbStats.db, collections: dbStats.collections, objects: dbStats.objects, indexes: dbStats.indexes, ok: dbStats.ok });
const ops = db.currentOp();
out('currentOp', {
  ok: ops.ok,
  isArray: Array.isArray(ops.inprog),
  allHaveOpid: ops.inprog.every((op) => op.opid !== undefined),
  self: ops.inprog
    .filter((op) => op.active && op.command && (op.command.currentOp !== undefined ||
      (op.command.pipeline || []).some((stage) => stage.$currentOp !== undefined)))
    .map((op) => ({ type: op.type, op: op.op, ns: op.ns })),
});
out('currentOpOther', db.currentOp({ ns: 'test.students' }).inprog.length);
out('done', true);
