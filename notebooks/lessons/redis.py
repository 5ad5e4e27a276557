"""Cells of notebooks/redis.ipynb."""
from cells import code, md

NAME = "redis"

CELLS = [
    md("# Redis cells (`%%redis`)\n\nOne command per line, written as in redis-cli (quotes, escapes, `#` comments). Replies look "
       "like redis-cli's, with structure in HTML: hashes and scored sets as tables. This notebook uses database 9 of the local "
       "Redis and empties it first, so it can run again."),
    code("%connect cache redis://127.0.0.1:6379/9\n%%redis\nFLUSHDB", contains=["connected: cache", "OK"]),
    md("## Strings, counters, expiry"),
    code("%%redis\n# String operations\nSET key value\nGET key\nINCR counter\nINCR counter\n"
         "SET user:1:profile {...} EX 3600\nGET user:1:profile\nTTL user:1:profile",
         contains=['"value"', "(integer) 2", '"{...}"', "(integer) 3600"]),
    code("%%redis\nSET user:123 '{\"name\":\"Alice\"}' EX 3600\nGET user:123\nSETEX session:abc123 3600 \"user_data\"",
         contains=['"{\\"name\\":\\"Alice\\"}"', "OK"]),
    md("## Lists, hashes, sets"),
    code("%%redis\nLPUSH queue:jobs '{\"type\":\"email\"}'\nRPOP queue:jobs\n"
         "HSET user:1 name \"John\" email \"john@example.com\"\nHGETALL user:1\n"
         "SADD user:1:roles admin editor\nSISMEMBER user:1:roles admin",
         contains=["(integer) 1", '"john@example.com"', "(integer) 2"], html=["<table", "john@example.com"]),
    md("## Sorted sets: a leaderboard"),
    code("%%redis\nZADD leaderboard 100 \"player1\" 200 \"player2\" 1500 \"player3\"\nZREVRANGE leaderboard 0 9 WITHSCORES",
         contains=["(integer) 3", '"player3"', '"1500"'], html=["<table", "player3", "1500"]),
    md("## Streams: an event log"),
    code("%%redis\nXADD events * type \"user_login\" user_id \"123\"\nXADD events * type \"logout\" user_id \"123\"\n"
         "XREAD COUNT 10 STREAMS events 0", contains=['"user_login"', '"logout"', '"events"']),
    md("## Browsing a server\n\n`INFO`, `CLIENT LIST`, `CLUSTER NODES` and redis-cli's other reports print as their lines, "
       "as redis-cli prints them; `SCAN` and `TYPE` find what is stored without blocking the server the way `KEYS` can."),
    code("%%redis\nINFO keyspace", contains=["# Keyspace", "db9:keys="], absent=["\\r\\n", '"# Keyspace']),
    code("%%redis\nCLIENT INFO", contains=["id=", " db=9 ", "resp=2"], absent=['"id=']),
    code("%%redis\nSCAN 0 MATCH user:* COUNT 1000\nTYPE user:1\nTYPE leaderboard\nTYPE events",
         contains=['"user:1"', "hash", "zset", "stream"]),
    md("## RESP3\n\n`HELLO 3` switches the connection to RESP3: maps, sets and doubles keep their types (a double is shown "
       "as the server wrote it), and pub/sub replies keep their kind. `HELLO 2` switches back."),
    code("%%redis\nHELLO 3\nHGETALL user:1\nZSCORE leaderboard player3\nSMEMBERS user:1:roles",
         contains=['1# "name" => "John"', "(double) 1500", '~ "admin"']),
    code("%%redis --timeout 1\nSUBSCRIBE notifications", contains=['1) "subscribe"', '"notifications"']),
    code("%%redis\nHELLO 2\nHGETALL user:1", contains=['"proto"', '1) "name"', '2) "John"']),
    md("## Transactions and scripts\n\n`MULTI` … `EXEC` queue commands and run them at once; a Lua script may span lines "
       "inside its quotes."),
    code("%%redis\nMULTI\nINCR tx:count\nINCR tx:count\nEXEC", contains=["QUEUED", "1) (integer) 1", "2) (integer) 2"]),
    code("%%redis\nSET lock:job \"owner-1\"\nEVAL \"if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
         "  return redis.call('DEL', KEYS[1])\nelse\n  return 0\nend\" 1 lock:job owner-1\nEXISTS lock:job",
         contains=["(integer) 1", "(integer) 0"]),
    md("## Variables and errors\n\n`{{name}}` inserts a kernel variable as exactly one argument, spaces and all."),
    code("%set greeting = 'hello there, world'\n%%redis\nSET greeting {{greeting}}\nSTRLEN greeting", contains=["(integer) 18"]),
    md("A failing line keeps earlier replies and marks later ones as not run (expected to fail):"),
    code("%%redis\nSET plain text\nLPUSH plain oops\nGET plain", error="RedisError[WRONGTYPE]"),
    md("## Pub/sub and blocking commands run bounded\n\n`SUBSCRIBE` streams messages into one updating output until "
       "`--timeout`, `--count` or the stop button; then the connection is back to normal. (A `PUBLISH` from another notebook "
       "would show up here live.)"),
    code("%%redis --timeout 1\nPUBLISH notifications '{\"type\":\"order\",\"id\":456}'\nSUBSCRIBE notifications",
         contains=["(integer) 0", '"subscribe"', '"notifications"']),
    code("%%redis --timeout 0.5\nBLPOP empty:queue 5\nPING", contains=["PONG"]),
]
