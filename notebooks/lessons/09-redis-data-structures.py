"""Cells of notebooks/09-redis-data-structures.ipynb: every Redis structure the guides use (strings,
counters, hashes, lists, sets, sorted sets, streams with consumer groups), expiry, and MULTI/WATCH;
the redis-py snippets of one guide run as the commands they send. Redis database 11, emptied first
and last."""
from cells import code, md
from _course import exercise

NAME = "09-redis-data-structures"

CELLS = [
    md("# 9. Redis data structures\n\nRedis keeps data in memory as keys whose values are typed structures, each with "
       "its own commands. `%%redis` cells are redis-cli syntax, one command per line, on the `cache` connection of "
       "`dbkernel.toml`, made current with `%use cache`. This lesson works in database 11 (`SELECT 11`; the connection "
       "stays there) and empties it at the start and the end."),
    code("%use cache\n%%redis\nSELECT 11\nFLUSHDB", contains=["OK"]),
    md("## Redis\n\n### Data Structures\n\n**Strings** hold text, numbers or bytes (up to 512 MB). `INCR` is atomic: "
       "many clients can count without losing updates."),
    code("%%redis\n# Strings\nSET user:1:name \"John Doe\"\nGET user:1:name\nSETEX session:abc123 3600 \"user_data\"\nINCR page:home:views\nINCR page:home:views\nTTL session:abc123",
         contains=['"John Doe"', "(integer) 1", "(integer) 2", "(integer) 3600"]),
    md("**Hashes**: one key, many field/value pairs (an object). **Lists**: ordered, push and pop at both ends (a queue: "
       "`LPUSH` in, `RPOP` out, first in first out). **Sets**: unique members, fast membership tests."),
    code("%%redis\n# Hashes\nHSET user:1 name \"John\" email \"john@example.com\"\nHGETALL user:1\n# Lists (queues)\n"
         "LPUSH queue:jobs '{\"type\":\"email\"}'\nLPUSH queue:jobs '{\"type\":\"sms\"}'\nRPOP queue:jobs\nLLEN queue:jobs\n"
         "# Sets\nSADD user:1:roles admin editor\nSADD user:1:roles admin\nSISMEMBER user:1:roles admin\nSISMEMBER user:1:roles owner",
         contains=["(integer) 2", '"john@example.com"', '"{\\"type\\":\\"email\\"}"', "(integer) 1", "(integer) 0"],
         html=["<table", "john@example.com"]),
    md("**Sorted sets**: members ordered by a score; a leaderboard. `ZREVRANGE 0 9` is the top ten (ranks are "
       "0-based and inclusive, so one guide's `0, 10` returns eleven)."),
    code("%%redis\n# Sorted Sets (leaderboards)\nZADD leaderboard 1000 \"player1\" 1500 \"player2\"\nZADD leaderboard 100 \"player3\" 200 \"player4\"\n"
         "ZINCRBY leaderboard 600 \"player3\"\nZREVRANGE leaderboard 0 9 WITHSCORES\nZREVRANK leaderboard player1",
         contains=["(integer) 2", '"700"', '"player2"', '"1500"', "(integer) 1"], html=["<table", "player2"]),
    md("**Streams**: an append-only log of entries with ids (`<milliseconds>-<sequence>`); `XREAD ... 0` reads from the "
       "start. Unlike a list, reading does not remove entries."),
    code("%%redis\n# Streams (event log)\nXADD events * type \"user_login\" user_id \"123\"\nXADD events * type \"purchase\" user_id \"123\"\n"
         "XREAD COUNT 10 STREAMS events 0\nXLEN events", contains=['"events"', '"user_login"', '"purchase"', "(integer) 2"]),
    md("### Streams with consumer groups\n\nA consumer group shares a stream's entries among workers: each entry goes to "
       "one consumer (`>` = never delivered), stays *pending* until acknowledged, and can be claimed by another worker "
       "if its consumer dies."),
    code("%%redis\nXGROUP CREATE events mailers 0\nXREADGROUP GROUP mailers worker-a COUNT 1 STREAMS events >\n"
         "XREADGROUP GROUP mailers worker-b COUNT 1 STREAMS events >\nXPENDING events mailers",
         contains=["OK", '"user_login"', '"purchase"', "(integer) 2", '"worker-a"', '"worker-b"']),
    md("Worker a acknowledges its entry; worker b's stays pending (it crashed, say). `XAUTOCLAIM` hands entries "
       "pending longer than a minimum idle time (here 0 ms) to a live worker:"),
    code("%%redis\nXACK events mailers 0-0\nXPENDING events mailers - + 10 worker-a\nXAUTOCLAIM events mailers worker-a 0 0-0 COUNT 10",
         contains=["(integer) 0", '"purchase"']),
    md("## Key expiration (TTL)\n\nEvery key can have a time to live; Redis deletes it when it runs out. `TTL` says "
       "how long is left (-1: no expiry, -2: no such key). A key that lives 100 ms, a 0.3 s pause (`BLPOP` on an empty "
       "list with a timeout waits on this connection only), and it is gone:"),
    code("%%redis\nSET flash \"gone soon\" PX 100\nPTTL flash\nBLPOP nothing:here 0.3\nEXISTS flash\nTTL flash\nTTL user:1:name",
         contains=["OK", "(nil)", "(integer) 0", "(integer) -2", "(integer) -1"]),
    code("%%redis\nEXPIRE user:1:name 60\nTTL user:1:name\nPERSIST user:1:name\nTTL user:1:name",
         contains=["(integer) 1", "(integer) 60", "(integer) -1"]),
    md("## Redis - Caching & Data Structures\n\nOne guide shows these as Python (`redis-py`). A client library's "
       "method sends the command of the same name, so each call below is one line of the cell after it: "
       "`r.set(k, v)` → `SET`, `r.setex(k, 3600, v)` → `SETEX`, `r.hset(k, mapping={...})` → `HSET k f v ...`, "
       "`r.lpush` / `r.rpop`, `r.sadd` / `r.smembers`, `r.zadd(k, {m: s})` → `ZADD k s m`, `r.zrevrange(k, 0, 10, "
       "withscores=True)` → `ZREVRANGE k 0 10 WITHSCORES`. (`decode_responses=True` only makes Python return `str` "
       "instead of `bytes`.) The guide's `get_user` cache function is lesson 10's first pattern."),
    code("%%redis\nDEL user:1:name user:1 queue:jobs user:1:tags leaderboard\nSET user:1:name John\nGET user:1:name\nSETEX session:abc123 3600 user_data\nHSET user:1 name John email john@example.com\n"
         "HGETALL user:1\nLPUSH queue:jobs job1 job2\nRPOP queue:jobs\nSADD user:1:tags python devops\nSMEMBERS user:1:tags\n"
         "ZADD leaderboard 100 player1 95 player2\nZREVRANGE leaderboard 0 10 WITHSCORES",
         contains=['"John"', '"job1"', '"python"', '"devops"', '"player2"']),
    md("## Redis\n\nThe quick start's commands: cache with expiry, publish (lesson 10 subscribes), leaderboard."),
    code("%%redis\n# Caching pattern\nSET user:123 '{\"name\":\"Alice\"}' EX 3600\nGET user:123\n# Pub/Sub\nPUBLISH notifications '{\"type\":\"order\",\"id\":456}'\n"
         "# Sorted set leaderboard\nZADD scores 100 \"player1\" 200 \"player2\"\nZREVRANGE scores 0 9 WITHSCORES",
         contains=['"{\\"name\\":\\"Alice\\"}"', "(integer) 0", '"player2"', '"200"']),
    md("`PUBLISH` answered 0: nobody was subscribed, and the message is gone (pub/sub does not store; a stream does)."),
    md("## Transactions\n\n`MULTI` queues commands and `EXEC` runs them together, with no other client's command in "
       "between. `WATCH` makes it optimistic: if a watched key changes before `EXEC` (here from `cache_other`, a "
       "second client), `EXEC` returns nil and nothing runs, so the client retries."),
    code("%%redis\nSET stock:widget 5\nWATCH stock:widget\nGET stock:widget\nMULTI\nDECRBY stock:widget 1\nLPUSH orders:widget order-1",
         contains=['"5"', "QUEUED"]),
    code("%%redis cache_other\nSELECT 11\nDECRBY stock:widget 5", contains=["(integer) 0"]),
    code("%%redis\nEXEC\nGET stock:widget\nLLEN orders:widget", contains=["(nil)", '"0"', "(integer) 0"]),
    *exercise(1, "Keep a per-day unique-visitor count: add visitors `ada`, `grace` and `ada` again to the set "
              "`visitors:2024-06-01`, make the key expire after a day, and keep its member count.",
              "%%redis --out ex1\nSADD visitors:2024-06-01 ada grace ada\nEXPIRE visitors:2024-06-01 86400\nSCARD visitors:2024-06-01",
              "ex1", contains=["(integer) 2", "(integer) 1"], check="\n2"),
    *exercise(2, "The top two of `leaderboard` with their scores, highest first.",
              "%%redis --out ex2\nZREVRANGE leaderboard 0 1 WITHSCORES",
              "ex2", contains=['1) "player1"', '2) "100"', '3) "player2"', '4) "95"'],
              check="\n[\"player1\", \"100\", \"player2\", \"95\"]"),
    md("## Clean up"),
    code("%%redis cache\nSELECT 11\nFLUSHDB\nDBSIZE", contains=["OK", "(integer) 0"]),
]
