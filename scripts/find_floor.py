#!/usr/bin/env python3
"""Why doc_bench's indexed find cannot reach 1.0x through PyMongo: the client's own CPU per call.

usage: .venv/bin/python scripts/find_floor.py MONGODB_URI [--docs N] [--reps N]

doc_bench.py (../shared/bench) times `list(coll.find({"name": key}))` against psycopg2's
`SELECT doc FROM doc_bench WHERE doc->>'name' = %s` on the same 10,000 (default) documents. This
script runs the same two calls and prints, for each side, the median wall time per call and the
median CPU the Python process itself spent in it (`time.process_time`, the client's share: the
server runs in another process). When PyMongo's own CPU per find is above jsonb's whole wall time,
no server can bring the find under 1.0x through this client.
"""
import argparse, json, random, statistics, time

import psycopg2
from psycopg2.extras import execute_values
from pymongo import MongoClient


def per_call(fn, reps):
    wall, cpu = [], []
    for i in range(reps):
        w, c = time.perf_counter(), time.process_time()
        fn(i)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(wall) * 1e6, statistics.median(cpu) * 1e6


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("uri")
    ap.add_argument("--docs", type=int, default=10_000)
    ap.add_argument("--reps", type=int, default=2_000)
    args = ap.parse_args()
    docs = [{"n": i, "name": f"user{i}", "amount": i % 1000} for i in range(args.docs)]
    keys = [f"user{random.Random(i).randrange(args.docs)}" for i in range(args.reps)]

    coll = MongoClient(args.uri)["find_floor"]["docs"]
    coll.drop()
    coll.insert_many([dict(d) for d in docs])
    coll.create_index("name")
    list(coll.find({"name": keys[0]}))  # connection and session pools warm
    mongo_wall, mongo_cpu = per_call(lambda i: list(coll.find({"name": keys[i]})), args.reps)
    coll.drop()

    conn = psycopg2.connect("host=127.0.0.1 user=postgres dbname=test")
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("DROP TABLE IF EXISTS find_floor; CREATE TABLE find_floor (doc jsonb)")
    execute_values(cur, "INSERT INTO find_floor (doc) VALUES %s", [(json.dumps(d),) for d in docs])
    cur.execute("CREATE INDEX ON find_floor ((doc->>'name')); ANALYZE find_floor")

    def q(i):
        cur.execute("SELECT doc FROM find_floor WHERE doc->>'name' = %s", (keys[i],))
        return cur.fetchall()
    q(0)
    pg_wall, pg_cpu = per_call(q, args.reps)
    cur.execute("DROP TABLE find_floor")

    print(f"pymongo find: wall={mongo_wall:.1f}us  client_cpu={mongo_cpu:.1f}us  server_and_wire={mongo_wall - mongo_cpu:.1f}us")
    print(f"jsonb select: wall={pg_wall:.1f}us  client_cpu={pg_cpu:.1f}us  server_and_wire={pg_wall - pg_cpu:.1f}us")
    print(f"ratios: wall={mongo_wall / pg_wall:.2f}  pymongo_client_cpu/jsonb_wall={mongo_cpu / pg_wall:.2f}")


if __name__ == "__main__":
    main()
