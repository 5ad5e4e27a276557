"""Cells of notebooks/mql-collections.ipynb: capped collections (a log that keeps its newest lines) and a
time-series collection of measurements, on the embedded engine, with MongoDB's documentation examples."""
from cells import code, md

NAME = "mql-collections"

CELLS = [
    md("# Collections with a shape: capped and time series\n\n"
       "Most collections just hold documents. Two kinds do more: a **capped** collection has a fixed size and "
       "drops its oldest documents to make room (a log that never grows), and a **time-series** collection "
       "stores measurements grouped by time and source, the way sensors and metrics produce them. The embedded "
       "engine behaves as mongod 7.0 does for both."),
    code("%%mql\nuse collections_lesson\ndb.dropDatabase()", contains=["switched to db collections_lesson"]),
    md("## A capped log\n\n`size` is the byte budget (mongod rounds it up to a multiple of 256) and `max` a "
       "document budget. Here the log keeps its three newest lines."),
    code("%%mql\ndb.createCollection('log', { capped: true, size: 100000, max: 3 })", contains=["ok: 1"]),
    code("%%mql\nfor (let i = 1; i <= 5; i++) {\n  db.log.insertOne({ _id: i, line: 'request ' + i });\n}\n"
         "db.log.find()",
         contains=["line: 'request 3'", "line: 'request 5'"], absent=["request 1'", "request 2'"]),
    md("Documents come back in insertion order, the collection's natural order; `$natural: -1` reads the "
       "newest first, as `tail -f` would show them."),
    code("%%mql\ndb.log.find().sort({ $natural: -1 }).limit(1)", contains=["line: 'request 5'"]),
    code("%%mql\ndb.log.isCapped()", contains=["true"]),
    code("%%mql\ndb.getCollectionInfos({ name: 'log' })",
         contains=["capped: true", "size: 100096", "max: 3"]),
    md("An ordinary collection can be converted; a capped collection needs its size."),
    code("%%mql\ndb.events.insertMany([{ e: 'a' }, { e: 'b' }]);\ndb.events.convertToCapped(4096);\n"
         "db.events.isCapped()", contains=["true"]),
    code("%%mql\ndb.createCollection('broken', { capped: true })",
         error="MongoServerError", contains=["the 'size' field is required when 'capped' is true"]),
    md("## A time-series collection\n\nThe documentation's weather example: `timeField` holds the time of each "
       "measurement, `metaField` the source it came from. mongod groups measurements of one source and close "
       "times into buckets (in `system.buckets.weather`) and unpacks them when you query."),
    code("%%mql\ndb.createCollection('weather', {\n"
         "  timeseries: { timeField: 'timestamp', metaField: 'metadata', granularity: 'hours' }\n})",
         contains=["ok: 1"]),
    code("%%mql\ndb.weather.insertMany([\n"
         "  { metadata: { sensorId: 5578, type: 'temperature' }, timestamp: ISODate('2021-05-18T00:00:00.000Z'), temp: 12 },\n"
         "  { metadata: { sensorId: 5578, type: 'temperature' }, timestamp: ISODate('2021-05-18T04:00:00.000Z'), temp: 11 },\n"
         "  { metadata: { sensorId: 5578, type: 'temperature' }, timestamp: ISODate('2021-05-18T08:00:00.000Z'), temp: 11 },\n"
         "  { metadata: { sensorId: 5578, type: 'temperature' }, timestamp: ISODate('2021-05-18T12:00:00.000Z'), temp: 12 },\n"
         "  { metadata: { sensorId: 5578, type: 'temperature' }, timestamp: ISODate('2021-05-19T00:00:00.000Z'), temp: 13 },\n"
         "  { metadata: { sensorId: 5578, type: 'temperature' }, timestamp: ISODate('2021-05-19T04:00:00.000Z'), temp: 12 },\n"
         "  { metadata: { sensorId: 5579, type: 'temperature' }, timestamp: ISODate('2021-05-19T04:00:00.000Z'), temp: 20 }\n"
         "])", contains=["acknowledged: true"]),
    md("Queries name the measurement fields as inserted: a time range and a sensor."),
    code("%%mql\ndb.weather.find(\n"
         "  { timestamp: { $gte: ISODate('2021-05-19T00:00:00Z'), $lt: ISODate('2021-05-20T00:00:00Z') },\n"
         "    'metadata.sensorId': 5578 },\n  { _id: 0 }\n).sort({ timestamp: 1 })",
         contains=["temp: 13", "temp: 12", "sensorId: 5578"], absent=["temp: 20"]),
    code("%%mql\ndb.weather.aggregate([\n"
         "  { $group: { _id: { sensor: '$metadata.sensorId', day: { $dateTrunc: { date: '$timestamp', unit: 'day' } } },\n"
         "              avgTemp: { $avg: '$temp' }, readings: { $sum: 1 } } },\n"
         "  { $sort: { '_id.sensor': 1, '_id.day': 1 } }\n])",
         contains=["avgTemp: 11.5", "readings: 4", "avgTemp: 12.5", "avgTemp: 20"]),
    code("%%mql\ndb.getCollectionInfos({ name: 'weather' })",
         contains=["type: 'timeseries'", "timeField: 'timestamp'", "granularity: 'hours'"]),
    md("Every measurement needs a date in the time field; mongod 7.0 updates only the metaField, with "
       "`updateMany`."),
    code("%%mql\ndb.weather.insertOne({ metadata: { sensorId: 1 }, temp: 3 })",
         error="MongoServerError", contains=["'timestamp' must be present and contain a valid BSON UTC datetime value"]),
    code("%%mql\ndb.weather.updateOne({ 'metadata.sensorId': 5579 }, { $set: { 'metadata.type': 'celsius' } })",
         error="MongoServerError", contains=["Cannot perform a non-multi update on a time-series collection"]),
    code("%%mql\ndb.weather.updateMany({ 'metadata.sensorId': 5579 }, { $set: { 'metadata.type': 'celsius' } });\n"
         "db.weather.find({ 'metadata.sensorId': 5579 }, { _id: 0 })", contains=["type: 'celsius'"]),
]
