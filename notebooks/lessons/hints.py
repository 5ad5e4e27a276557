"""Cells of notebooks/hints.ipynb: the guides' own snippets, run where they do not fit, and the
hint each error carries (issue 22)."""
from cells import code, md

NAME = "hints"

# The guides' code, verbatim (the seeds under ../shared/seeds).
GUIDE_USERS_WITH_INDEX = """CREATE TABLE users (
  id SERIAL PRIMARY KEY,
  email VARCHAR(255) UNIQUE NOT NULL,
  INDEX idx_email (email)
);"""

GUIDE_SQLITE_TRIGGER = """CREATE TRIGGER update_user_stats
AFTER INSERT ON posts
BEGIN
  UPDATE user_stats
  SET post_count = post_count + 1
  WHERE user_id = NEW.user_id;
END;"""

GUIDE_DJANGO = """# Traditional SQL
SELECT * FROM users WHERE id = 1;

# Django ORM
User.objects.get(id=1)"""

GUIDE_PG_TRIGGER = """CREATE TRIGGER update_users_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW
    EXECUTE FUNCTION update_updated_at_column();"""

GUIDE_REDIS_PY = """import redis

r = redis.Redis(host='localhost', port=6379, decode_responses=True)

# String operations
r.set('user:1:name', 'John')
name = r.get('user:1:name')

# Key expiration (TTL)
r.setex('session:abc123', 3600, 'user_data')  # 1 hour

# Hash operations
r.hset('user:1', mapping={'name': 'John', 'email': 'john@example.com'})
user_data = r.hgetall('user:1')

# Sorted set (leaderboard)
r.zadd('leaderboard', {'player1': 100, 'player2': 95})
r.zrevrange('leaderboard', 0, 10, withscores=True)"""

GUIDE_MONGOOSE = """// Connect to MongoDB
const mongoose = require('mongoose');
await mongoose.connect('mongodb://localhost/mydb');

// Read
const users = await User.find({ name: /john/i });

// Update
await User.updateOne({ _id: userId }, { $set: { 'profile.bio': 'New bio' } });"""

GUIDE_TYPESCRIPT = """// Cache-aside pattern
async function getUser(userId: string): Promise<User> {
  const cacheKey = `user:${userId}`;
  const cached = await redis.get(cacheKey);

  if (cached) {
    return JSON.parse(cached);
  }

  const user = await db.users.findById(userId);
  await redis.setex(cacheKey, 3600, JSON.stringify(user));
  return user;
}"""

CELLS = [
    md("# When a snippet is written for another database\n\n"
       "The guides mix dialects: a MySQL `INDEX` inside a PostgreSQL table, SQLite trigger bodies, `#` comments, and "
       "application code (redis-py, Mongoose, Django) beside the commands. Each cell below runs a guide's own snippet where "
       "it does not fit; the error names the dialect it was written for and shows this database's form, which the next "
       "cell runs. (Cells that fail are expected to.)"),
    md("## PostgreSQL\n\nA schema of this notebook's own, so it can run again."),
    code("%connect pg postgresql://postgres@127.0.0.1:5432/test\n%%sql pg\nDROP SCHEMA IF EXISTS hints_nb CASCADE;\n"
         "CREATE SCHEMA hints_nb;\nSET search_path = hints_nb;", contains=["connected: pg", "SET"]),
    md("The *backend-databases* guide's table has an inline `INDEX`, which is MySQL's:"),
    code("%%sql pg\n" + GUIDE_USERS_WITH_INDEX, error="SqlError[42704]",
         contains=["hint: INDEX idx_email (email) inside CREATE TABLE is MySQL syntax; PostgreSQL creates an index with a "
                   "statement of its own", "CREATE INDEX idx_email ON users (email);"]),
    code("%%sql pg\nCREATE TABLE users (\n  id SERIAL PRIMARY KEY,\n  email VARCHAR(255) UNIQUE NOT NULL\n);\n"
         "CREATE INDEX idx_email ON users (email);", contains=["CREATE TABLE", "CREATE INDEX"]),
    md("The *databases-architecture-design* guide keeps post counts with a trigger written SQLite's way:"),
    code("%%sql pg\nCREATE TABLE posts (id SERIAL PRIMARY KEY, user_id INT);\n"
         "CREATE TABLE user_stats (user_id INT PRIMARY KEY, post_count INT);", contains=["CREATE TABLE"]),
    code("%%sql pg\n" + GUIDE_SQLITE_TRIGGER, error="SqlError[42601]",
         contains=["EXECUTE FUNCTION needed", "CREATE FUNCTION update_user_stats_fn() RETURNS trigger LANGUAGE plpgsql AS $$",
                   "CREATE TRIGGER update_user_stats AFTER INSERT ON posts FOR EACH ROW EXECUTE FUNCTION update_user_stats_fn();"]),
    md("The hint's form, run as it stands; the trigger then counts:"),
    code("%%sql pg\nCREATE FUNCTION update_user_stats_fn() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
         "  UPDATE user_stats\n  SET post_count = post_count + 1\n  WHERE user_id = NEW.user_id;\n  RETURN NEW;\nEND $$;\n"
         "CREATE TRIGGER update_user_stats AFTER INSERT ON posts FOR EACH ROW EXECUTE FUNCTION update_user_stats_fn();\n"
         "INSERT INTO user_stats VALUES (1, 0);\nINSERT INTO posts (user_id) VALUES (1), (1);\n"
         "SELECT post_count FROM user_stats WHERE user_id = 1;", contains=["CREATE TRIGGER", "(1 row)", "2"]),
    md("The *week 4* guide puts SQL and the Django ORM side by side, with `#` comments:"),
    code("%%sql pg\n" + GUIDE_DJANGO, error="SqlError[42601]",
         contains=["hint: # starts a comment in MySQL only; PostgreSQL comments start with --", "-- Traditional SQL"]),
    md("## MariaDB\n\nTo MariaDB `#` is a comment, so the `SELECT` runs, and the ORM line is the one that fails:"),
    code("%connect maria mysql://root@127.0.0.1:3306/test\n%%sql maria\nDROP DATABASE IF EXISTS hints_nb;\n"
         "CREATE DATABASE hints_nb;\nUSE hints_nb;\nCREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(255), updated_at DATETIME);",
         contains=["connected: maria", "CREATE TABLE"]),
    code("%%sql maria\n" + GUIDE_DJANGO, error="SqlError[1064]",
         contains=["hint: this looks like Python code (Django ORM), not SQL: User.objects.get(id=1)",
                   "SELECT * FROM user WHERE id = 1;"]),
    md("The *database-expert* guide's `updated_at` trigger is PostgreSQL's (it calls a function):"),
    code("%%sql maria\n" + GUIDE_PG_TRIGGER, error="SqlError[1336]",
         contains=["hint: EXECUTE FUNCTION is PostgreSQL's trigger form; a MySQL/MariaDB trigger holds its statements itself",
                   "CREATE TRIGGER update_users_updated_at BEFORE UPDATE ON users FOR EACH ROW SET NEW.updated_at = NOW();"]),
    code("%%sql maria\nCREATE TRIGGER update_users_updated_at BEFORE UPDATE ON users FOR EACH ROW SET NEW.updated_at = NOW();\n"
         "INSERT INTO users (id, email) VALUES (1, 'user@example.com');\nUPDATE users SET email = 'new@example.com' WHERE id = 1;\n"
         "SELECT updated_at IS NOT NULL AS stamped FROM users WHERE id = 1;", contains=["stamped", "1"]),
    md("## SQLite\n\nThe same inline index, in SQLite's words."),
    code("%connect lite sqlite::memory:\n%%sql lite\n" + GUIDE_USERS_WITH_INDEX, error="SqlError[SQLITE_ERROR]",
         contains=["hint: INDEX idx_email (email) inside CREATE TABLE is MySQL syntax; SQLite creates an index",
                   "CREATE INDEX idx_email ON users (email);"]),
    md("## Redis\n\nThe *databases-architecture-design* guide's redis-py block, pasted into a Redis cell: nothing is sent, and "
       "the error lists the commands the program's calls are."),
    code("%%redis\n" + GUIDE_REDIS_PY, error="RedisSyntaxError",
         contains=["this looks like Python code (redis-py), not Redis commands: import redis", "    SET user:1:name John",
                   "    HSET user:1 name John email john@example.com", "    ZADD leaderboard 100 player1 95 player2"]),
    code("%connect cache redis://127.0.0.1:6379/9\n%%redis\nFLUSHDB\nSET user:1:name John\nGET user:1:name\n"
         "SETEX session:abc123 3600 user_data\nHSET user:1 name John email john@example.com\n"
         "ZADD leaderboard 100 player1 95 player2\nZREVRANGE leaderboard 0 10 WITHSCORES",
         contains=['"John"', "(integer) 2", '"player1"']),
    md("The *database-expert* guide's TypeScript cache-aside function, likewise:"),
    code("%%redis\n" + GUIDE_TYPESCRIPT, error="RedisSyntaxError",
         contains=["this looks like TypeScript code (a Node.js Redis client), not Redis commands"]),
    md("A `SUBSCRIBE` stops at its time bound (10 s unless `--timeout` says) and says so:"),
    code("%%redis --timeout 1\nSUBSCRIBE notifications",
         contains=["stopped listening after the cell's --timeout of 1 s", "%%redis --timeout 300"]),
    md("## MongoDB\n\nThe same guide's Mongoose block in an MQL cell: the connection is already there, and a model `User` "
       "is the collection `db.users`."),
    code("%%mql\n" + GUIDE_MONGOOSE, error="Mongosh",
         contains=["this looks like Node.js (JavaScript) code (Mongoose), not mongosh commands",
                   "db.users.find({ name: /john/i })"]),
    code("%%mql\nuse hints_nb\ndb.users.drop()\ndb.users.insertOne({ name: 'John', email: 'john@example.com' })\n"
         "db.users.find({ name: /john/i }, { _id: 0 })", contains=["john@example.com"], html=["text-align:left"]),
    md("## One output stays small\n\nA result bigger than `%config max_output_bytes` (default 4 MB) is shown cut, and says "
       "so; `--out NAME` still keeps every row."),
    code("%config max_output_bytes = 20kB\n%%sql lite --limit 5000\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
         "WHERE i < 5000) SELECT i FROM n", contains=["of 5000 rows shown", "over max_output_bytes = 20 kB"]),
    code("%config max_output_bytes = 4MB", contains=[]),
]
