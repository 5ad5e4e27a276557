"""Cells of notebooks/deployments.ipynb: connection URLs for real deployments — TLS, ACL users,
Redis Cluster and Sentinel, mongodb+srv — shown on this machine's servers where they apply, and
the clear refusals where a deployment is not there (a cluster URL on a single server, a missing
certificate file). The full deployments (6-node cluster, TLS servers, sentinel failover, SRV
through a DNS stub) are exercised by tests/redis_deployments.rs, tests/sql_tls.rs and
tests/mongodb_srv.rs, which start them on loopback ports."""
from cells import code, md

NAME = "deployments"

CELLS = [
    md("# Real deployments\n\n"
       "The same drivers reach managed and clustered servers; what changes is the URL.\n\n"
       "| Server | URL | Notes |\n|---|---|---|\n"
       "| PostgreSQL over TLS | `postgresql://user@host/db?sslmode=verify-full&sslrootcert=ca.pem` | libpq's `sslmode` names: disable, prefer, require, verify-ca, verify-full |\n"
       "| MySQL/MariaDB over TLS | `mysql://user@host/db?ssl-mode=VERIFY_IDENTITY&ssl-ca=ca.pem` | the mysql client's `ssl-mode` names |\n"
       "| MongoDB Atlas | `mongodb+srv://user:pw@cluster0.example.mongodb.net/db` | SRV and TXT records name the hosts; TLS is on by default |\n"
       "| Redis over TLS | `rediss://host:6380/0?cacert=ca.pem[&cert=client.pem&key=client.key]` | redis-cli's `--cacert/--cert/--key` |\n"
       "| Redis ACL user | `redis://alice:pw@host:6379/0` | the default user has no name: `redis://:pw@host` |\n"
       "| Redis Cluster | `redis+cluster://host1:7000,host2:7001` | MOVED/ASK followed; database 0 only |\n"
       "| Redis Sentinel | `redis+sentinel://host:26379/mymaster/0` | the master is asked of the sentinels at every connect |\n"),
    md("## PostgreSQL over TLS\n\nThis machine's PostgreSQL has `ssl = on`; `sslmode=require` insists on TLS "
       "and the server's own view of the connection says so:"),
    code("%connect pg_tls postgresql://postgres@127.0.0.1:5432/test?sslmode=require\n"
         "%%sql pg_tls\nSELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
         contains=["true"]),
    md("## A Redis ACL user\n\nA user that may touch only its own keys: commands on other keys are the "
       "server's `NOPERM` error, and the kernel never shows the password."),
    code("%connect deploy_admin redis://127.0.0.1:6379/0\n"
         "%%redis deploy_admin\nACL SETUSER lesson_deploy_user on >lesson-pw ~lesson:deploy:* +@all -@dangerous",
         contains=["OK"]),
    code("%connect deploy_user redis://lesson_deploy_user:lesson-pw@127.0.0.1:6379/0\n"
         "%%redis deploy_user\nSET lesson:deploy:greeting hello\nGET lesson:deploy:greeting\nACL WHOAMI",
         contains=['"hello"', '"lesson_deploy_user"']),
    code("%%redis deploy_user\nGET someone:else", error="RedisError[NOPERM]", contains=["NOPERM"]),
    code("%connections", contains=["redis://lesson_deploy_user:****@127.0.0.1:6379/0"], absent=["lesson-pw"]),
    code("%%redis deploy_admin\nACL DELUSER lesson_deploy_user\nDEL lesson:deploy:greeting", contains=["(integer) 1"]),
    md("## A cluster URL on a single server\n\nThis machine's Redis is not a cluster; the driver asks for the "
       "slot map and the server says why it cannot give one:"),
    code("%connect not_a_cluster redis+cluster://127.0.0.1:6379",
         error="RedisConnectionError", contains=["cluster support disabled"]),
    md("## TLS files are read before anything connects"),
    code("%connect tls_missing rediss://127.0.0.1:6390/0?cacert=/nonexistent/ca.pem",
         error="UsageError", contains=["cannot read the cacert file '/nonexistent/ca.pem'"]),
]
