"""Cells of notebooks/10-redis-patterns.ipynb: the guides' application patterns (cache-aside,
write-through, rate limiting, a distributed lock released by a Lua script, pub/sub) taught as the
commands the TypeScript/Python code sends, against PostgreSQL as the system of record; the Redis
checklist (TTL, pipelines, memory). Redis database 12, PostgreSQL schema course_10."""
import hashlib

from cells import code, md
from _course import exercise

NAME = "10-redis-patterns"

RELEASE = ('if redis.call("get", KEYS[1]) == ARGV[1] then\n  return redis.call("del", KEYS[1])\nelse\n  return 0\nend')
# Redis names a loaded script by the SHA1 of its text (documented for SCRIPT LOAD / EVALSHA).
RELEASE_SHA = hashlib.sha1(RELEASE.encode()).hexdigest()

CELLS = [
    md("# 10. Redis patterns: caching, rate limits, locks, pub/sub\n\nThe guides write these patterns as TypeScript or "
       "Python functions. A function like `getUser` is application code; what reaches the databases is a few commands, "
       "and those are what the cells below run, in the order the function sends them. PostgreSQL (`pg`, schema "
       "`course_10`) is the system of record, Redis (`cache`, database 12) the cache."),
    code("%use cache\n%%redis\nSELECT 12\nFLUSHDB", contains=["OK"]),
    code("%%sql pg\nDROP SCHEMA IF EXISTS course_10 CASCADE;\nCREATE SCHEMA course_10;\n"
         "CREATE TABLE course_10.users (id INT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL);\n"
         "INSERT INTO course_10.users VALUES (1, 'Alice', 'alice@example.com'), (2, 'Bob', 'bob@example.com');",
         contains=["CREATE SCHEMA", "INSERT 0 2"]),
    md("## Caching Patterns\n\n### Cache-aside\n\n`getUser(userId)`: look in the cache; on a miss read the database, "
       "store the row in the cache for an hour (`SETEX`), return it. First call, a miss:"),
    code("%%redis\nGET user:1", contains=["(nil)"]),
    code("%%sql pg\nSELECT row_to_json(u)::text AS user_json FROM course_10.users u WHERE id = 1;",
         contains=['{"id":1,"name":"Alice","email":"alice@example.com"}']),
    md("The application serializes the row it read (`JSON.stringify(user)`) and stores it; the next call is a hit and "
       "never touches PostgreSQL:"),
    code("%%redis\nSETEX user:1 3600 '{\"id\":1,\"name\":\"Alice\",\"email\":\"alice@example.com\"}'\nGET user:1\nTTL user:1",
         contains=["OK", '"{\\"id\\":1,\\"name\\":\\"Alice\\",\\"email\\":\\"alice@example.com\\"}"', "(integer) 3600"]),
    md("The catch: a write to the database leaves the cached copy stale for up to an hour, unless the writer deletes "
       "it (*invalidation*), so the next read misses and refetches:"),
    code("%%sql pg\nUPDATE course_10.users SET email = 'alice@new.example.com' WHERE id = 1;", contains=["UPDATE 1"]),
    code("%%redis\nGET user:1\nDEL user:1\nGET user:1", contains=['alice@example.com', "(integer) 1", "(nil)"]),
    md("### Write-through\n\nThe writer updates the database *and* the cache in the same operation, so reads always "
       "hit a fresh copy (at the cost of caching data nobody may read). A database transaction makes the write; the "
       "cache is set only after `COMMIT` succeeded:"),
    code("%%sql pg\nBEGIN;\nUPDATE course_10.users SET name = 'Bobby' WHERE id = 2;\nSELECT row_to_json(u)::text AS user_json FROM course_10.users u WHERE id = 2;\nCOMMIT;",
         contains=["UPDATE 1", '{"id":2,"name":"Bobby","email":"bob@example.com"}', "COMMIT"]),
    code("%%redis\nSET user:2 '{\"id\":2,\"name\":\"Bobby\",\"email\":\"bob@example.com\"}' EX 3600\nGET user:2",
         contains=["OK", "Bobby"]),
    md("### Rate limiting\n\n`checkRateLimit(userId, limit, window)`: `INCR` a counter per user; the first increment "
       "starts the window with `EXPIRE`; allowed while the count is at most the limit. With a limit of 3 per 60 s, "
       "the fourth request is refused (4 > 3):"),
    code("%%redis\nINCR ratelimit:alice\nEXPIRE ratelimit:alice 60\nINCR ratelimit:alice\nINCR ratelimit:alice\nINCR ratelimit:alice\nTTL ratelimit:alice",
         contains=["(integer) 1", "(integer) 3", "(integer) 4", "(integer) 60"]),
    md("Two round trips for the first request leave a gap: a client that dies between `INCR` and `EXPIRE` leaves a "
       "counter that never expires, and that user is locked out for good. A Lua script runs atomically on the server, "
       "so both happen or neither:"),
    code("%%redis\nEVAL \"local n = redis.call('INCR', KEYS[1])\nif n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end\n"
         "return n\" 1 ratelimit:bob 60\nTTL ratelimit:bob", contains=["(integer) 1", "(integer) 60"]),
    md("### Distributed lock\n\n`acquireLock(resource, ttl)`: `SET lock:<resource> <random id> NX EX <ttl>`. `NX` "
       "sets only if nobody holds it; `EX` frees it if the holder crashes. The second worker gets nil:"),
    code("%%redis\nSET lock:report worker-a-6f1c NX EX 30\nSET lock:report worker-b-93d2 NX EX 30\nGET lock:report",
         contains=["OK", "(nil)", '"worker-a-6f1c"']),
    md("Releasing must check that the lock is still *ours* (it may have expired and been taken by someone else): "
       "\"get, compare, delete\" in one atomic Lua script. The guide preloads it for `EVALSHA`: `SCRIPT LOAD` returns "
       "the script's SHA1, and later calls send only that."),
    code("%%redis\nSCRIPT LOAD '" + RELEASE + "'", contains=[RELEASE_SHA]),
    code(f"%%redis\n# worker b may not release a's lock\nEVALSHA {RELEASE_SHA} 1 lock:report worker-b-93d2\n"
         f"EVALSHA {RELEASE_SHA} 1 lock:report worker-a-6f1c\nEXISTS lock:report",
         contains=["(integer) 0", "(integer) 1"]),
    md("A script the server does not know (after a restart, say) fails with `NOSCRIPT`, and the client falls back to "
       "`EVAL` with the full text (expected to fail):"),
    code("%%redis\nEVALSHA 0000000000000000000000000000000000000000 1 lock:report x", error="RedisError[NOSCRIPT]"),
    md("## Pub/Sub\n\n`publishEvent(channel, event)` is `PUBLISH channel <json>`; the subscriber is a *duplicate* "
       "connection (`redis.duplicate()`), because a subscribed connection can do nothing else. `%%redis` does the same: "
       "`SUBSCRIBE` runs on its own connection and shows messages as they arrive, until `--count` messages, "
       "`--timeout` seconds or the stop button.\n\nA notebook runs one cell at a time, so the publisher here is Redis "
       "itself: with keyspace notifications on, the server publishes an event when a key expires. (This is a server "
       "setting; the clean-up turns it off again.)"),
    code("%%redis\nCONFIG SET notify-keyspace-events Ex\nPUBLISH events '{\"type\":\"order\",\"id\":456}'", contains=["OK", "(integer) 0"]),
    code("%%redis --count 1 --timeout 5\nSET order:456:pending yes PX 150\nSUBSCRIBE __keyevent@12__:expired",
         contains=['"subscribe"', '"message"', '"order:456:pending"']),
    md("Messages are fire-and-forget: a subscriber that is not connected at that moment never sees them (`PUBLISH` "
       "returned 0 above). When every event must be processed, use a stream with a consumer group (lesson 9)."),
    md("## Query Optimization Checklist\n\n### Redis\n\n- **Appropriate data structures**: a hash for an object (one "
       "key, fields updated alone), a sorted set for rankings, a stream for events.\n- **TTL on cache keys**: "
       "`TTL` -1 means a key that never expires; find them:"),
    code("%%redis\nSET cache:forgotten value\nSET cache:fine value EX 600\nTTL cache:forgotten\nTTL cache:fine\nMEMORY USAGE cache:forgotten",
         contains=["(integer) -1", "(integer) 600"]),
    md("- **Pipelining for bulk operations**: a client library's pipeline sends many commands without waiting for each "
       "reply (one network round trip instead of N). In this kernel every line is its own round trip; the commands "
       "built for bulk, `MSET`/`MGET`, `HSET` with many fields, variadic `SADD`, are one command each:"),
    code("%%redis\nMSET product:1 Keyboard product:2 Mouse product:3 Screen\nMGET product:1 product:2 product:3",
         contains=["OK", '"Keyboard"', '"Mouse"', '"Screen"']),
    md("- **Monitor memory**: `INFO memory` (`used_memory_human`, `maxmemory_policy`: what Redis evicts when full):"),
    code("%%redis\nINFO memory\nCONFIG GET maxmemory-policy", contains=["used_memory_human", "maxmemory-policy"]),
    *exercise(1, "Extend the rate limiter: user `carol` may make 2 requests per 10 seconds. Make three requests with "
              "the Lua limiter above (key `ratelimit:carol`) and keep the count the third one returns.",
              "%%redis --out ex1\nEVAL \"local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n\" 1 ratelimit:carol 10\n"
              "EVAL \"local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n\" 1 ratelimit:carol 10\n"
              "EVAL \"local n = redis.call('INCR', KEYS[1]) if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end return n\" 1 ratelimit:carol 10",
              "ex1", contains=["(integer) 3"], check="\n3"),
    *exercise(2, "Take the lock `lock:invoice` as `worker-c` for 30 s, then try to take it again as `worker-d`; keep "
              "the second reply.",
              "%%redis --out ex2\nSET lock:invoice worker-c NX EX 30\nSET lock:invoice worker-d NX EX 30",
              "ex2", contains=["OK", "(nil)"], check="\nnull"),
    md("## Clean up"),
    code("%%redis cache\nCONFIG SET notify-keyspace-events \"\"\nSELECT 12\nFLUSHDB\nDBSIZE", contains=["OK", "(integer) 0"]),
    code("%%sql pg\nDROP SCHEMA course_10 CASCADE;", contains=["DROP SCHEMA"]),
]
