"""Cells of notebooks/mql-geo.ipynb: geospatial and hashed indexes on the embedded engine, with the
places and distances of MongoDB's $geoNear and $near reference pages."""
from cells import code, md

NAME = "mql-geo"

CELLS = [
    md("# Places on a sphere: geospatial and hashed indexes\n\n"
       "MongoDB stores locations as GeoJSON (`{ type: 'Point', coordinates: [longitude, latitude] }`) and "
       "answers *near*, *within* and *intersects* questions with a `2dsphere` index. The embedded engine "
       "measures distances on mongod's sphere (radius 6 378 100 m), so the numbers below are the ones "
       "MongoDB's reference pages print."),
    code("%%mql\nuse geo\ndb.dropDatabase()", contains=["switched to db geo"]),
    md("The `places` collection of the `$geoNear` reference page, with a `2dsphere` index on `location`:"),
    code("%%mql\ndb.places.insertMany([\n"
         "  { name: 'Central Park', location: { type: 'Point', coordinates: [ -73.97, 40.77 ] }, category: 'Parks' },\n"
         "  { name: 'Sara D. Roosevelt Park', location: { type: 'Point', coordinates: [ -73.9928, 40.7193 ] }, category: 'Parks' },\n"
         "  { name: 'Polo Grounds', location: { type: 'Point', coordinates: [ -73.9375, 40.8303 ] }, category: 'Stadiums' }\n"
         "]);\n"
         "db.places.createIndex({ location: '2dsphere' })",
         contains=["location_2dsphere"]),
    md("## `$near` with `$minDistance` and `$maxDistance`\n\n"
       "Distances are in metres for GeoJSON points; results come nearest first. At least 1 km and at most "
       "5 km from a point near the Metropolitan Museum there is only Central Park:"),
    code("%%mql\ndb.places.find({ location: { $near: {\n"
         "  $geometry: { type: 'Point', coordinates: [ -73.9667, 40.78 ] },\n"
         "  $minDistance: 1000, $maxDistance: 5000 } } }, { _id: 0, name: 1 })",
         contains=["name: 'Central Park'"], absent=["Polo Grounds", "Sara D. Roosevelt Park"]),
    md("The plan is a nearest-first scan of the geo index, as in mongod:"),
    code("%%mql\ndb.places.find({ location: { $near: { $geometry: { type: 'Point', coordinates: [ -73.9667, 40.78 ] } } } })"
         ".explain().queryPlanner.winningPlan",
         contains=["stage: 'GEO_NEAR_2DSPHERE'", "indexName: 'location_2dsphere'"]),
    md("`$near` needs a geo index on its field; without one mongod (and the engine) refuse the query:"),
    code("%%mql\ndb.places.find({ elsewhere: { $near: { $geometry: { type: 'Point', coordinates: [ 0, 0 ] } } } })",
         error="MongoServerError[NoQueryExecutionPlans]"),
    md("## `$geoWithin` a polygon\n\n`$geoWithin` needs no index. Which places lie inside a box drawn around "
       "Manhattan's south end?"),
    code("%%mql\ndb.places.find({ location: { $geoWithin: { $geometry: { type: 'Polygon', coordinates: [[\n"
         "  [ -74.02, 40.70 ], [ -73.97, 40.70 ], [ -73.97, 40.73 ], [ -74.02, 40.73 ], [ -74.02, 40.70 ]\n"
         "]] } } } }, { _id: 0, name: 1 })",
         contains=["name: 'Sara D. Roosevelt Park'", "(1 document)"]),
    md("## `$geoNear` with `distanceField`\n\n"
       "The aggregation stage adds each document's distance. The reference page's *Maximum Distance* example "
       "finds Sara D. Roosevelt Park 0.9539931676365992 m away:"),
    code("%%mql\ndb.places.aggregate([{ $geoNear: {\n"
         "  near: { type: 'Point', coordinates: [ -73.99279, 40.719296 ] },\n"
         "  distanceField: 'dist.calculated', maxDistance: 2,\n"
         "  query: { category: 'Parks' }, includeLocs: 'dist.location', spherical: true } }])",
         contains=["name: 'Sara D. Roosevelt Park'", "calculated: 0.9539931676365992"]),
    md("A bad location is refused on insert when a `2dsphere` index covers the field (mongod's error 16755):"),
    code("%%mql\ndb.places.insertOne({ name: 'Nowhere', location: { type: 'Point', coordinates: [ 200, 0 ] } })",
         error="MongoServerError"),
    md("## A hashed index\n\nA hashed index stores a hash of the value: equality queries use it, ranges cannot."),
    code("%%mql\ndb.orders.insertMany([{ _id: 1, customer: 'ann' }, { _id: 2, customer: 'bob' }]);\n"
         "db.orders.createIndex({ customer: 'hashed' });\n"
         "db.orders.find({ customer: 'bob' }).explain().queryPlanner.winningPlan",
         contains=["stage: 'IXSCAN'", "indexName: 'customer_hashed'"]),
    code("%%mql\ndb.orders.find({ customer: { $gt: 'a' } }).explain().queryPlanner.winningPlan",
         contains=["stage: 'COLLSCAN'"]),
    code("%%mql\ndb.orders.insertOne({ _id: 3, customer: [ 'carl', 'dana' ] })",
         error="MongoServerError"),
]
