//! Word lists for completion: SQL keywords, Redis command names, mongosh helpers.

pub const SQL_KEYWORDS: &[&str] = &[
    "ABORT", "ADD", "ALL", "ALTER", "ANALYZE", "AND", "ANY", "ARRAY", "AS", "ASC", "BEGIN", "BETWEEN", "BIGINT", "BOOLEAN",
    "BY", "CALL", "CASCADE", "CASE", "CAST", "CHECK", "COALESCE", "COLUMN", "COMMIT", "CONSTRAINT", "COUNT", "CREATE",
    "CROSS", "CURRENT_DATE", "CURRENT_TIMESTAMP", "DATABASE", "DEFAULT", "DELETE", "DESC", "DISTINCT", "DO", "DROP",
    "ELSE", "END", "EXCEPT", "EXISTS", "EXPLAIN", "FALSE", "FETCH", "FILTER", "FOREIGN", "FROM", "FULL", "FUNCTION",
    "GRANT", "GROUP", "HAVING", "IF", "ILIKE", "IN", "INDEX", "INNER", "INSERT", "INTEGER", "INTERSECT", "INTERVAL",
    "INTO", "IS", "JOIN", "JSON", "JSONB", "KEY", "LATERAL", "LEFT", "LIKE", "LIMIT", "MATERIALIZED", "NOT", "NULL",
    "NUMERIC", "OFFSET", "ON", "OR", "ORDER", "OUTER", "OVER", "PARTITION", "PRIMARY", "PROCEDURE", "RECURSIVE",
    "REFERENCES", "RETURNING", "RETURNS", "RIGHT", "ROLLBACK", "ROW", "ROWS", "SAVEPOINT", "SCHEMA", "SELECT", "SEQUENCE",
    "SERIAL", "SET", "SHOW", "TABLE", "TEMP", "TEMPORARY", "TEXT", "THEN", "TIMESTAMP", "TIMESTAMPTZ", "TO", "TRANSACTION",
    "TRIGGER", "TRUE", "TRUNCATE", "UNION", "UNIQUE", "UPDATE", "USING", "VACUUM", "VALUES", "VARCHAR", "VIEW", "WHEN",
    "WHERE", "WINDOW", "WITH",
];

pub const REDIS_COMMANDS: &[&str] = &[
    "APPEND", "AUTH", "BITCOUNT", "BITOP", "BITPOS", "BLMOVE", "BLPOP", "BRPOP", "BZPOPMAX", "BZPOPMIN", "CLIENT",
    "CONFIG", "COPY", "DBSIZE", "DECR", "DECRBY", "DEL", "DISCARD", "DUMP", "ECHO", "EVAL", "EVALSHA", "EXEC", "EXISTS",
    "EXPIRE", "EXPIREAT", "FLUSHALL", "FLUSHDB", "FUNCTION", "FCALL", "GEOADD", "GEODIST", "GEOPOS", "GEOSEARCH", "GET",
    "GETDEL", "GETEX", "GETRANGE", "GETSET", "HDEL", "HEXISTS", "HGET", "HGETALL", "HINCRBY", "HINCRBYFLOAT", "HKEYS",
    "HLEN", "HMGET", "HMSET", "HSCAN", "HSET", "HSETNX", "HVALS", "INCR", "INCRBY", "INCRBYFLOAT", "INFO", "KEYS",
    "LINDEX", "LINSERT", "LLEN", "LMOVE", "LPOP", "LPOS", "LPUSH", "LPUSHX", "LRANGE", "LREM", "LSET", "LTRIM", "MGET",
    "MONITOR", "MSET", "MSETNX", "MULTI", "OBJECT", "PERSIST", "PEXPIRE", "PFADD", "PFCOUNT", "PFMERGE", "PING",
    "PSUBSCRIBE", "PTTL", "PUBLISH", "PUBSUB", "RANDOMKEY", "RENAME", "RPOP", "RPUSH", "RPUSHX", "SADD", "SCAN", "SCARD",
    "SCRIPT", "SDIFF", "SELECT", "SET", "SETEX", "SETNX", "SETRANGE", "SINTER", "SISMEMBER", "SMEMBERS", "SMOVE", "SORT",
    "SPOP", "SRANDMEMBER", "SREM", "SSCAN", "SSUBSCRIBE", "STRLEN", "SUBSCRIBE", "SUNION", "TIME", "TOUCH", "TTL", "TYPE",
    "UNLINK", "UNWATCH", "WAIT", "WATCH", "XACK", "XADD", "XDEL", "XGROUP", "XINFO", "XLEN", "XPENDING", "XRANGE",
    "XREAD", "XREADGROUP", "XREVRANGE", "XTRIM", "ZADD", "ZCARD", "ZCOUNT", "ZINCRBY", "ZINTERSTORE", "ZPOPMAX",
    "ZPOPMIN", "ZRANGE", "ZRANGEBYSCORE", "ZRANK", "ZREM", "ZREVRANGE", "ZREVRANK", "ZSCAN", "ZSCORE", "ZUNIONSTORE",
];

pub const MONGOSH_WORDS: &[&str] = &[
    "aggregate", "bulkWrite", "countDocuments", "createCollection", "createIndex", "createIndexes", "deleteMany",
    "deleteOne", "distinct", "drop", "dropDatabase", "dropIndex", "dropIndexes", "estimatedDocumentCount", "explain",
    "find", "findOne", "findOneAndDelete", "findOneAndReplace", "findOneAndUpdate", "getCollection", "getIndexes",
    "insertMany", "insertOne", "limit", "renameCollection", "replaceOne", "runCommand", "adminCommand", "skip", "sort",
    "stats", "toArray", "updateMany", "updateOne", "projection", "hint", "collation", "ObjectId", "ISODate", "NumberInt",
    "NumberLong", "NumberDecimal", "UUID", "BinData", "Timestamp", "MinKey", "MaxKey", "$match", "$group", "$project",
    "$sort", "$limit", "$skip", "$unwind", "$lookup", "$count", "$facet", "$addFields", "$set", "$unset", "$sum", "$avg",
    "$min", "$max", "$push", "$addToSet", "$in", "$nin", "$gt", "$gte", "$lt", "$lte", "$ne", "$eq", "$and", "$or",
    "$not", "$exists", "$regex", "$elemMatch", "$size", "$inc",
];
