"""Cells of notebooks/12-scaling-replication-backup.ipynb: scaling up (memory for a sort) and out
(a real Redis replica on a loopback port, failover and split brain for the CAP theorem, PostgreSQL
range and hash partitioning as the one-server form of sharding), and backup and restore drills in
PostgreSQL, Redis and MongoDB. Schema course_12, Redis database 14, MongoDB database course_12."""
from cells import code, md
from _course import exercise

NAME = "12-scaling-replication-backup"

CELLS = [
    md("# 12. Scaling, replication, partitioning, backup\n\nWhat the guides call distributed needs several servers. "
       "Where one machine can show the real thing, this lesson does: a second Redis server (`replica` in "
       "`dbkernel.toml`, 127.0.0.1:6380, started by the test command's `scripts/services.sh`) becomes a replica of the "
       "main one; PostgreSQL splits a table into partitions. Where it cannot, the text says what production adds."),
    code("%use cache\n%%redis\nSELECT 14\nFLUSHDB", contains=["OK"]),
    code("%%sql pg\nDROP PUBLICATION IF EXISTS course_12_pub;\nDROP SCHEMA IF EXISTS course_12_backup CASCADE;\nDROP SCHEMA IF EXISTS course_12 CASCADE;\nCREATE SCHEMA course_12;\nSET search_path = course_12;\n"
         "CREATE TABLE numbers AS SELECT g AS n, md5(g::text) AS label FROM generate_series(1, 60000) g;\nANALYZE numbers;",
         contains=["CREATE SCHEMA", "SELECT 60000"]),
    md("## System Design\n\n### Scalability Considerations\n\n**Scale vertically**: a bigger machine. Memory is the "
       "usual bottleneck: a sort that does not fit in `work_mem` spills to disk. Same query, two memory budgets:"),
    code("%%sql pg\nSET work_mem = '64kB';\nEXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM numbers ORDER BY label;",
         contains=["external merge"]),
    code("%%sql pg\nSET work_mem = '32MB';\nEXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) SELECT * FROM numbers ORDER BY label;\nRESET work_mem;",
         contains=["quicksort"]),
    md("**Scale horizontally**: more machines. *Replicas* copy the data and serve reads, a *load balancer* spreads "
       "clients over them, *sharding* splits the data so each server holds a part, *caching layers* (lesson 10) answer "
       "repeated reads from memory. Each is below, as far as one machine goes.\n\n## Replication\n\nA replica connects "
       "to its primary, receives a full copy, then every write as it happens. `REPLICAOF` turns the second Redis into "
       "a replica of the first (the address is the primary as the replica sees it):"),
    md("The primary normally waits `repl-diskless-sync-delay` (5 s) before it streams the first copy, so that "
       "several replicas starting together share one transfer; for one replica the lesson sets it to 0 (the clean-up "
       "puts 5 back):"),
    code("%%redis\nCONFIG SET repl-diskless-sync-delay 0", contains=["OK"]),
    code("%%redis replica\nREPLICAOF 127.0.0.1 6379", contains=["OK"]),
    md("`WAIT 1 10000` on the primary blocks until one replica has acknowledged every write so far (or 10 s pass) and "
       "says how many did:"),
    code("%%redis\nSET stock:1 10\nWAIT 1 10000", contains=["OK", "(integer) 1"]),
    code("%%redis replica\nSELECT 14\nGET stock:1\nROLE", contains=['"10"', '"slave"', '"127.0.0.1"', '"connected"']),
    md("A replica is read-only: writes go to the primary (expected to fail):"),
    code("%%redis replica\nSET stock:1 99", error="RedisError[READONLY]"),
    md("### CAP Theorem\n\n**C**onsistency: every read sees the latest write. **A**vailability: every request gets an "
       "answer. **P**artition tolerance: the system keeps working when the network splits it. Networks do split, so "
       "the real choice is what to give up *during* a partition: answer with possibly stale data (AP) or refuse (CP).\n\n"
       "A partition, for real: the replica loses its primary and is promoted (`REPLICAOF NO ONE`, what a failover "
       "tool does when the primary seems dead), while the old primary is in fact alive. Both accept writes: available, "
       "and no longer consistent (*split brain*):"),
    code("%%redis replica\nREPLICAOF NO ONE\nSET stock:1 8\nGET stock:1", contains=["OK", '"8"']),
    code("%%redis\nSET stock:1 9\nGET stock:1\nWAIT 1 200", contains=['"9"', "(integer) 0"]),
    md("`WAIT` answered 0: no replica has the write. A CP system stops here and refuses to confirm it (Redis can be "
       "told to with `min-replicas-to-write`; PostgreSQL with `synchronous_standby_names`); an AP system confirms and "
       "reconciles later. When the partition heals, Redis resolves it bluntly: the rejoining replica throws its own "
       "data away and copies the primary, so the write of 8 is lost:"),
    code("%%redis replica\nREPLICAOF 127.0.0.1 6379", contains=["OK"]),
    code("%%redis\nWAIT 1 10000", contains=["(integer) 1"]),
    code("%%redis replica\nGET stock:1", contains=['"9"']),
    md("PostgreSQL replicates the same two ways: *streaming* (physical: a standby replays the primary's WAL, started "
       "from `pg_basebackup`) and *logical* (a publication's row changes, sent to a subscription in another database). "
       "This server is a primary with no standby, and whether it can do logical replication depends on `wal_level`:"),
    code("%%sql pg\nSELECT pg_is_in_recovery() AS is_standby, current_setting('wal_level') AS wal_level,\n"
         "       (SELECT count(*) FROM pg_stat_replication) AS standbys;",
         contains=["is_standby", "wal_level", "standbys"]),
    code("%%sql pg\nSET search_path = course_12;\nCREATE TABLE products (id INT PRIMARY KEY, name TEXT);\n"
         "CREATE PUBLICATION course_12_pub FOR TABLE products;\nSELECT pubname, tablename FROM pg_publication_tables WHERE pubname = 'course_12_pub';\n"
         "DO $$\nBEGIN\n  PERFORM pg_create_logical_replication_slot('course_12_slot', 'pgoutput');\n  PERFORM pg_drop_replication_slot('course_12_slot');\n"
         "  RAISE NOTICE 'logical decoding is available: a subscription in another database can follow course_12_pub';\n"
         "EXCEPTION WHEN object_not_in_prerequisite_state THEN\n  RAISE NOTICE 'logical decoding is not available here: %', SQLERRM;\nEND;\n$$;",
         contains=["CREATE PUBLICATION", "course_12_pub | products", "logical decoding is"]),
    md("On this machine `wal_level` is `replica`, so the slot a subscription needs is refused (changing it takes a "
       "server restart, a DBA's decision). With `wal_level = logical`, `CREATE SUBSCRIPTION ... CONNECTION '...' "
       "PUBLICATION course_12_pub` in a second database copies `products` and then follows it, like the Redis replica "
       "above.\n\n## Sharding and partitioning\n\n**Partitioning** splits one table into parts on one server; "
       "**sharding** puts the parts on different servers (MongoDB's sharded clusters, Citus for PostgreSQL, Redis "
       "Cluster's hash slots). The rule that assigns rows is the same. Range partitioning by month:"),
    code("%%sql pg\nCREATE TABLE orders (id BIGINT, created_at DATE NOT NULL, total NUMERIC(8,2)) PARTITION BY RANGE (created_at);\n"
         "CREATE TABLE orders_2024_01 PARTITION OF orders FOR VALUES FROM ('2024-01-01') TO ('2024-02-01');\n"
         "CREATE TABLE orders_2024_02 PARTITION OF orders FOR VALUES FROM ('2024-02-01') TO ('2024-03-01');\n"
         "CREATE TABLE orders_default PARTITION OF orders DEFAULT;\n"
         "INSERT INTO orders SELECT g, DATE '2024-01-01' + (g % 75), g % 100 FROM generate_series(1, 3000) g;\n"
         "SELECT tableoid::regclass AS partition, count(*) FROM orders GROUP BY 1 ORDER BY 1;",
         contains=["INSERT 0 3000", " orders_2024_01 |  1240", " orders_2024_02 |  1160", " orders_default |   600"]),
    md("A query on February reads only February's partition (*partition pruning*), and old months leave in one "
       "cheap step (`DETACH PARTITION`, then archive or drop), without a slow `DELETE`:"),
    code("%%sql pg\nEXPLAIN (COSTS OFF) SELECT sum(total) FROM orders WHERE created_at >= '2024-02-01' AND created_at < '2024-03-01';",
         contains=["Seq Scan on orders_2024_02 orders"]),
    code("%%sql pg\nALTER TABLE orders DETACH PARTITION orders_2024_01;\nSELECT count(*) AS orders_left FROM orders;",
         contains=["ALTER TABLE", "orders_left", "1760"]),
    md("Hash partitioning spreads rows evenly by a key, as a sharded cluster spreads them over servers; every query "
       "for one user touches one part:"),
    code("%%sql pg\nCREATE TABLE users (id INT PRIMARY KEY, name TEXT) PARTITION BY HASH (id);\n"
         "CREATE TABLE users_shard_0 PARTITION OF users FOR VALUES WITH (MODULUS 4, REMAINDER 0);\n"
         "CREATE TABLE users_shard_1 PARTITION OF users FOR VALUES WITH (MODULUS 4, REMAINDER 1);\n"
         "CREATE TABLE users_shard_2 PARTITION OF users FOR VALUES WITH (MODULUS 4, REMAINDER 2);\n"
         "CREATE TABLE users_shard_3 PARTITION OF users FOR VALUES WITH (MODULUS 4, REMAINDER 3);\n"
         "INSERT INTO users SELECT g, 'user ' || g FROM generate_series(1, 4000) g;\n"
         "SELECT count(*) AS parts, min(n) > 900 AND max(n) < 1100 AS even FROM (SELECT count(*) AS n FROM users GROUP BY tableoid) s;\n"
         "EXPLAIN (COSTS OFF) SELECT * FROM users WHERE id = 42;",
         contains=["INSERT 0 4000", "parts", "4", "Index Scan using users_shard_"]),
    md("What a single server cannot show: shards on different machines need a router (mongos, the Citus "
       "coordinator, a cluster-aware Redis client) and make queries that span shards, and transactions across them, "
       "much more expensive. Choose the shard key so that the common queries stay on one shard.\n\n"
       "## Backup and recovery\n\nA backup you have not restored is a hope. Three drills. **PostgreSQL**: the tools "
       "are `pg_dump` (a logical copy: SQL or an archive that `pg_restore` replays) and `pg_basebackup` + archived WAL "
       "(a physical copy that can be replayed to any point in time). They run outside a notebook; the restore drill's "
       "logic is the same in SQL: take a copy, make the classic mistake, put the data back."),
    code("%%sql pg\nCREATE SCHEMA course_12_backup;\nCREATE TABLE course_12_backup.users AS TABLE users;\n"
         "SELECT pg_current_wal_lsn() IS NOT NULL AS wal_position_known, (SELECT count(*) FROM course_12_backup.users) AS rows_in_copy;",
         contains=["SELECT 4000", "rows_in_copy", "4000"]),
    code("%%sql pg\n-- the accident: no WHERE\nDELETE FROM users;\nINSERT INTO users SELECT * FROM course_12_backup.users;\nSELECT count(*) AS restored FROM users;",
         contains=["DELETE 4000", "INSERT 0 4000", "restored", "4000"]),
    md("**Redis** persists with RDB snapshots (`BGSAVE`, a forked child writes `dump.rdb`) and/or an append-only "
       "file. The replica above is our own server, so it is the one asked to save (after it is detached):"),
    code("%%redis replica\nREPLICAOF NO ONE\nBGSAVE\nCONFIG GET appendonly", contains=["OK", "Background saving started", '"appendonly"']),
    md("Single keys copy with `DUMP` (Redis's serialized form) and `RESTORE`; `--out` keeps the bytes in a kernel "
       "variable, `{{name}}` passes them back as one argument:"),
    code("%%redis\nHSET cart:7 keyboard 1 mouse 2\n", contains=["(integer) 2"]),
    code("%%redis --out cart_dump\nDUMP cart:7", contains=["\\x"]),
    code("%%redis\nDEL cart:7\nRESTORE cart:7 0 {{cart_dump}}\nHGETALL cart:7", contains=["(integer) 1", "OK", '"keyboard"', '"2"']),
    md("**MongoDB**: `mongodump`/`mongorestore` are the tools (and Atlas snapshots). Inside the database, `$out` "
       "writes a pipeline's result to a collection (a copy) and `$merge` folds one back in:"),
    code("%%mql\nuse course_12\ndb.orders.drop()\ndb.orders.insertMany([{ _id: 1, total: 10 }, { _id: 2, total: 20 }, { _id: 3, total: 30 }])\n"
         "db.orders.aggregate([{ $out: 'orders_backup' }])\ndb.orders.deleteMany({})\n"
         "db.orders_backup.aggregate([{ $merge: { into: 'orders' } }])\ndb.orders.countDocuments()",
         contains=["deletedCount: 3", "3"]),
    *exercise(1, "Add a partition for March 2024 to `orders` (PostgreSQL, schema `course_12`); rows already in the "
              "default partition for March must move, so detach the default partition first, create March, and "
              "re-insert the detached rows through `orders`. Keep the row count per partition.",
              "%%sql pg --out ex1\nALTER TABLE orders DETACH PARTITION orders_default;\n"
              "CREATE TABLE orders_2024_03 PARTITION OF orders FOR VALUES FROM ('2024-03-01') TO ('2024-04-01');\n"
              "INSERT INTO orders SELECT * FROM orders_default;\nDROP TABLE orders_default;\n"
              "SELECT tableoid::regclass::text AS partition, count(*) FROM orders GROUP BY 1 ORDER BY 1;",
              "ex1", contains=[" orders_2024_02 |  1160", " orders_2024_03 |   600"],
              check="\n partition | count\n---|---\n orders_2024_02 | 1160\n orders_2024_03 | 600"),
    md("## Clean up"),
    code("%%redis replica\nREPLICAOF NO ONE\nFLUSHALL", contains=["OK"]),
    code("%%redis cache\nCONFIG SET repl-diskless-sync-delay 5\nSELECT 14\nFLUSHDB", contains=["OK"]),
    code("%%sql pg\nDROP PUBLICATION course_12_pub;\nDROP SCHEMA course_12 CASCADE;\nDROP SCHEMA course_12_backup CASCADE;\nSET search_path = public;",
         contains=["DROP PUBLICATION", "DROP SCHEMA"]),
    code("%%mql\nuse course_12\ndb.dropDatabase()", contains=["dropped: 'course_12'"]),
]
