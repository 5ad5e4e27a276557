//! `--export` end to end on each SQL engine: the files are read back with the formats' own
//! readers (the parquet crate's Arrow reader, arrow-ipc's file reader, serde_json per line, the
//! CSV text) and compared with what the server itself computes.

mod mql_support;
mod redis_support;
mod sql_support;

use std::fs::File;
use std::path::PathBuf;
use std::time::Duration;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use dbkernel::export::Target;
use dbkernel::export::variable::export_variable;
use dbkernel::result::QueryResult;
use dbkernel::session::variables::SharedVariables;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use sql_support::*;

const SQLITE_URL: &str = "sqlite::memory:";

fn folder(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique(name));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn receipt(out: &Outcome) -> dbkernel::result::ExportReceipt {
    out.sink
        .results
        .iter()
        .find_map(|r| match r {
            QueryResult::Export(e) => Some(e.clone()),
            _ => None,
        })
        .expect("an export receipt")
}

fn leftovers(dir: &PathBuf) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

fn read_parquet(path: &PathBuf) -> Vec<RecordBatch> {
    ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap())
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

#[tokio::test]
async fn postgres_to_parquet_writes_every_row_past_the_display_limit() {
    let e = open(PG_URL).await;
    let dir = folder("export_pg_parquet");
    let path = dir.join("series.parquet");
    let sql = "SELECT i, i / 4.0::float8 AS f, (i * 1.5)::numeric(12,2) AS n, 'r' || i AS t, \
               i % 2 = 0 AS even, CASE WHEN i % 10 = 0 THEN NULL ELSE i END AS sometimes \
               FROM generate_series(1, 100000) i";
    let out = run(&e, &format!("%%sql --export {}\n{sql}", path.display())).await;
    out.ok();
    // The display shows the limit; the file has everything.
    assert_eq!(out.table(0).shown_rows(), 50);
    assert_eq!(out.table(0).total_rows, 100_000);
    let r = receipt(&out);
    assert_eq!(r.rows, 100_000);
    assert_eq!(r.format, "Parquet");
    assert_eq!(r.bytes, std::fs::metadata(&path).unwrap().len());
    let batches = read_parquet(&path);
    let schema = batches[0].schema();
    let types: Vec<_> = schema
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    assert_eq!(
        types,
        [
            DataType::Int64,
            DataType::Float64,
            DataType::Utf8,
            DataType::Utf8,
            DataType::Boolean,
            DataType::Int64
        ]
    );
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    assert_eq!(rows, 100_000);
    // Sums and counts as the server computes them.
    let expected = run(
        &e,
        "SELECT sum(i), sum(i / 4.0::float8), count(*) FILTER (WHERE i % 10 = 0) \
         FROM generate_series(1, 100000) i",
    )
    .await;
    let (mut sum_i, mut sum_f, mut nulls) = (0i64, 0f64, 0usize);
    for b in &batches {
        sum_i += b
            .column(0)
            .as_primitive::<Int64Type>()
            .values()
            .iter()
            .sum::<i64>();
        sum_f += b
            .column(1)
            .as_primitive::<Float64Type>()
            .values()
            .iter()
            .sum::<f64>();
        nulls += b.column(5).null_count();
    }
    assert_eq!(Some(sum_i.to_string()), expected.cell(0, 0));
    let server_f: f64 = expected.cell(0, 1).unwrap().parse().unwrap();
    assert!((sum_f - server_f).abs() < 1e-6 * server_f);
    assert_eq!(Some(nulls.to_string()), expected.cell(0, 2));
    let first = &batches[0];
    assert_eq!(first.column(2).as_string::<i32>().value(2), "4.50");
    assert_eq!(first.column(3).as_string::<i32>().value(0), "r1");
    assert!(first.column(4).as_boolean().value(1));
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn postgres_to_arrow_ipc_and_refusing_to_overwrite_without_force() {
    let e = open(PG_URL).await;
    let dir = folder("export_pg_ipc");
    let path = dir.join("bytes.arrow");
    let cell = format!(
        "%%sql --export {}\nSELECT '\\x00ff'::bytea AS b, 'Infinity'::float8 AS inf, 1::int AS one",
        path.display()
    );
    run(&e, &cell).await.ok();
    let reader = arrow_ipc::reader::FileReader::try_new(File::open(&path).unwrap(), None).unwrap();
    let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
    assert_eq!(batches[0].column(0).as_binary::<i32>().value(0), [0u8, 255]);
    assert_eq!(
        batches[0].column(1).as_primitive::<Float64Type>().value(0),
        f64::INFINITY
    );
    // Again: refused, the file is untouched, and nothing ran.
    let before = std::fs::read(&path).unwrap();
    let again = run(&e, &cell).await;
    let err = again.err();
    assert_eq!(err.ename, "ExportError");
    assert!(
        err.evalue.contains("already exists; add --force"),
        "{}",
        err.evalue
    );
    assert!(again.sink.results.is_empty());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    // With --force it is replaced.
    let forced = cell
        .replace("--export", "--force --export")
        .replace("1::int", "2::int");
    run(&e, &forced).await.ok();
    let reader = arrow_ipc::reader::FileReader::try_new(File::open(&path).unwrap(), None).unwrap();
    let batch = reader.into_iter().next().unwrap().unwrap();
    assert_eq!(batch.column(2).as_primitive::<Int64Type>().value(0), 2);
    assert_eq!(leftovers(&dir), ["bytes.arrow"]);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn stopping_an_export_leaves_no_file() {
    let e = open(PG_URL).await;
    let dir = folder("export_pg_stop");
    let path = dir.join("huge.parquet");
    let (out, since) = run_and_cancel(
        &e,
        &format!(
            "%%sql --export {}\nSELECT i, md5(i::text) FROM generate_series(1, 200000000) i",
            path.display()
        ),
        Duration::from_millis(1500),
    )
    .await;
    assert!(out.err().is_interrupt(), "{:?}", out.err());
    assert!(since < Duration::from_secs(5), "stopped after {since:?}");
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn mariadb_to_json_lines() {
    let e = open(MYSQL_URL).await;
    let dir = folder("export_maria_jsonl");
    let path = dir.join("rows.jsonl");
    let out = run(
        &e,
        &format!(
            "%%sql --export {}\nSELECT 1 AS id, 'a\"b' AS name, NULL AS missing, 2.50 AS price \
             UNION ALL SELECT 2, 'é', 7, 3.00",
            path.display()
        ),
    )
    .await;
    out.ok();
    assert_eq!(receipt(&out).rows, 2);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["id"], 1);
    assert_eq!(lines[0]["name"], "a\"b");
    // arrow-json leaves out null fields; the exact DECIMAL stays the server's text.
    assert!(lines[0].get("missing").is_none());
    assert_eq!(lines[0]["price"], "2.50");
    assert_eq!(lines[1]["name"], "é");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn sqlite_to_csv_with_format_override_and_bad_requests() {
    let e = open(SQLITE_URL).await;
    let dir = folder("export_sqlite_csv");
    let path = dir.join("out.txt");
    let out = run(
        &e,
        &format!(
            "%%sql --export {} --format csv\nSELECT 1 AS a, 'x,y' AS b, 2.5 AS c UNION ALL SELECT 2, NULL, NULL",
            path.display()
        ),
    )
    .await;
    out.ok();
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "a,b,c\n1,\"x,y\",2.5\n2,,\n"
    );
    let unknown = run(
        &e,
        &format!("%%sql --export {}/x.xlsx\nSELECT 1", dir.display()),
    )
    .await;
    assert!(
        unknown.err().evalue.contains("cannot tell the format"),
        "{}",
        unknown.err().evalue
    );
    let no_folder = run(&e, "%%sql --export /nonexistent-dir/x.csv\nSELECT 1").await;
    assert!(no_folder.err().evalue.contains("does not exist"));
    let no_rows = run(
        &e,
        &format!(
            "%%sql --export {}/n.csv\nCREATE TABLE t (a int)",
            dir.display()
        ),
    )
    .await;
    assert!(
        no_rows.err().evalue.contains("nothing was exported"),
        "{}",
        no_rows.err().evalue
    );
    assert_eq!(leftovers(&dir), ["out.txt"]);
    std::fs::remove_dir_all(dir).ok();
}

/// Runs `%export NAME PATH` as the session does: check the target, write the variable.
fn export_kept(
    variables: &SharedVariables,
    name: &str,
    path: &std::path::Path,
) -> Result<dbkernel::result::ExportReceipt, dbkernel::engine::EngineError> {
    let target = Target::check(path.to_str().unwrap(), None, false)?;
    let vars = variables.lock();
    let command = vars.source(name).and_then(|s| s.redis_command.as_deref());
    export_variable(name, vars.get(name).expect("kept"), command, target)
}

#[tokio::test]
async fn mongodb_documents_to_json_lines_whole_and_to_parquet_flattened() {
    let e = mql_support::open().await;
    let db = mql_support::unique_db("export_docs");
    let variables = SharedVariables::default();
    mql_support::run(
        &e,
        &variables,
        &format!(
            "%%mql --out people\nuse {db}\n\
             db.p.insertMany([{{_id: 1, name: 'Ada', born: 1815, tags: ['math'], at: {{city: 'London'}}, \
             when: ISODate('2020-01-02T03:04:05Z')}}, {{_id: 2, name: 'Alan', score: 1.5, born: 1912}}])\n\
             db.p.find().sort({{_id: 1}})"
        ),
    )
    .await
    .ok();
    let dir = folder("export_docs");
    let jsonl = dir.join("p.jsonl");
    assert_eq!(export_kept(&variables, "people", &jsonl).unwrap().rows, 2);
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines[0],
        serde_json::json!({"_id": 1, "name": "Ada", "born": 1815, "tags": ["math"],
            "at": {"city": "London"}, "when": {"$date": "2020-01-02T03:04:05Z"}})
    );
    let parquet = dir.join("p.parquet");
    export_kept(&variables, "people", &parquet).unwrap();
    let batches = read_parquet(&parquet);
    let b = &batches[0];
    let names: Vec<_> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        ["_id", "name", "born", "tags", "at", "when", "score"]
    );
    assert_eq!(
        b.column(2).as_primitive::<Int64Type>().values(),
        &[1815, 1912]
    );
    assert_eq!(b.column(3).as_string::<i32>().value(0), r#"["math"]"#);
    assert_eq!(
        b.column(4).as_string::<i32>().value(0),
        r#"{"city":"London"}"#
    );
    assert_eq!(
        b.column(5).as_string::<i32>().value(0),
        "2020-01-02T03:04:05Z"
    );
    assert!(b.column(5).is_null(1));
    assert!(b.column(6).is_null(0));
    assert_eq!(b.column(6).as_primitive::<Float64Type>().value(1), 1.5);
    mql_support::run(
        &e,
        &variables,
        &format!("%%mql\nuse {db}\ndb.dropDatabase()"),
    )
    .await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn redis_hash_and_list_replies_to_csv() {
    let e = redis_support::engine().await;
    let key = redis_support::prefix("export");
    let variables = SharedVariables::default();
    let run = |source: String| {
        let e = e.clone();
        let variables = variables.clone();
        async move {
            redis_support::run_with(
                &e,
                &source,
                &variables,
                tokio_util::sync::CancellationToken::new(),
                50,
            )
            .await
        }
    };
    run(format!(
        "DEL {key}:h {key}:l\nHSET {key}:h name Ada born 1815\nRPUSH {key}:l 3 1 2"
    ))
    .await
    .ok();
    run(format!("%%redis --out hash\nHGETALL {key}:h"))
        .await
        .ok();
    run(format!("%%redis --out list\nLRANGE {key}:l 0 -1"))
        .await
        .ok();
    let dir = folder("export_redis");
    export_kept(&variables, "list", &dir.join("l.csv")).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("l.csv")).unwrap(),
        "value\n3\n1\n2\n"
    );
    export_kept(&variables, "hash", &dir.join("h.csv")).unwrap();
    let text = std::fs::read_to_string(dir.join("h.csv")).unwrap();
    // RESP2 gives HGETALL as a flat array, RESP3 as a map: both keep every field and value.
    assert!(
        text == "field,value\nname,Ada\nborn,1815\n" || text == "value\nname\nAda\nborn\n1815\n",
        "{text}"
    );
    run(format!("DEL {key}:h {key}:l")).await.ok();
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn import_reads_back_what_postgres_exported_and_jsonl_as_documents() {
    let e = open(PG_URL).await;
    let dir = folder("export_import");
    let path = dir.join("t.parquet");
    run(
        &e,
        &format!(
            "%%sql --export {}\nSELECT g AS id, g / 4.0::float8 AS q, 'x' || g AS s, \
             (g * 1.5)::numeric(6,2) AS n, g % 2 = 0 AS even FROM generate_series(1, 120) g",
            path.display()
        ),
    )
    .await
    .ok();
    let (variable, format) =
        dbkernel::export::import::import_file(path.to_str().unwrap(), None).unwrap();
    assert_eq!(format, dbkernel::export::Format::Parquet);
    let dbkernel::session::variables::Variable::Table(table) = variable else {
        panic!("a table");
    };
    assert_eq!(table.total_rows, 120);
    assert_eq!(table.shown_rows(), 120);
    let kinds: Vec<_> = table.columns.iter().map(|c| c.kind).collect();
    use dbkernel::result::ValueKind::*;
    assert_eq!(kinds, [Integer, Float, Text, Text, Boolean]);
    assert_eq!(table.cell_text(119, 0).as_deref(), Some("120"));
    assert_eq!(table.cell_text(1, 1).as_deref(), Some("0.5"));
    assert_eq!(table.cell_text(0, 3).as_deref(), Some("1.50"));
    assert_eq!(table.cell_text(1, 4).as_deref(), Some("true"));

    let jsonl = dir.join("d.jsonl");
    std::fs::write(
        &jsonl,
        "{\"_id\": {\"$oid\": \"0123456789abcdef01234567\"}, \"n\": 1}\n\n[1]\n",
    )
    .unwrap();
    let err = dbkernel::export::import::import_file(jsonl.to_str().unwrap(), None).unwrap_err();
    assert!(
        err.evalue.contains("line 3: not a JSON object"),
        "{}",
        err.evalue
    );
    std::fs::write(
        &jsonl,
        "{\"_id\": {\"$oid\": \"0123456789abcdef01234567\"}, \"n\": 1}\n",
    )
    .unwrap();
    let (docs, _) = dbkernel::export::import::import_file(jsonl.to_str().unwrap(), None).unwrap();
    let dbkernel::session::variables::Variable::Documents(docs) = docs else {
        panic!("documents");
    };
    assert_eq!(
        docs[0].get_object_id("_id").unwrap().to_hex(),
        "0123456789abcdef01234567"
    );
    std::fs::remove_dir_all(dir).ok();
}

/// 100,000 documents in a fresh database of the embedded engine (or MONGODB_URI): `i`, a double,
/// a string, a boolean, a nested document and an array, with `maybe` missing from every tenth.
async fn hundred_thousand_documents(
    e: &std::sync::Arc<dyn dbkernel::engine::Engine>,
    variables: &SharedVariables,
    db: &str,
) {
    mql_support::run(
        e,
        variables,
        &format!(
            "%%mql\nuse {db}\n\
             db.big.insertMany(Array.from({{length: 100000}}, (_, i) => (i % 10 == 0 \
             ? {{_id: i, f: i / 4, s: 'd' + i, even: i % 2 == 0, at: {{k: i}}, tags: [i]}} \
             : {{_id: i, f: i / 4, s: 'd' + i, even: i % 2 == 0, at: {{k: i}}, tags: [i], maybe: i}})))"
        ),
    )
    .await
    .ok();
}

#[tokio::test]
async fn mql_cursor_to_parquet_and_json_lines_writes_every_document_past_the_display_limit() {
    let e = mql_support::open().await;
    let db = mql_support::unique_db("export_mql");
    let variables = SharedVariables::default();
    let started = std::time::Instant::now();
    hundred_thousand_documents(&e, &variables, &db).await;
    eprintln!("inserted in {:?}", started.elapsed());
    let dir = folder("export_mql");
    let path = dir.join("big.parquet");
    let out = mql_support::run(
        &e,
        &variables,
        &format!(
            "%%mql --export {}\nuse {db}\ndb.big.find().sort({{_id: 1}})",
            path.display()
        ),
    )
    .await;
    out.ok();
    eprintln!("exported in {:?}", started.elapsed());
    let receipt = out
        .sink
        .results
        .iter()
        .find_map(|r| match r {
            QueryResult::Export(e) => Some(e.clone()),
            _ => None,
        })
        .expect("a receipt");
    assert_eq!(receipt.rows, 100_000);
    assert_eq!(receipt.format, "Parquet");
    assert_eq!(receipt.bytes, std::fs::metadata(&path).unwrap().len());
    // The cell still shows only the display limit's documents.
    assert!(
        out.sink.results.iter().any(|r| matches!(r,
            QueryResult::Documents(d) if d.documents.len() == 50)),
        "{:?}",
        out.sink
            .results
            .iter()
            .map(|r| format!("{r:?}").chars().take(80).collect::<String>())
            .collect::<Vec<_>>()
    );
    let batches = read_parquet(&path);
    let schema = batches[0].schema();
    let columns: Vec<_> = schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect();
    assert_eq!(
        columns,
        [
            ("_id".to_string(), DataType::Int64),
            ("f".into(), DataType::Float64),
            ("s".into(), DataType::Utf8),
            ("even".into(), DataType::Boolean),
            ("at".into(), DataType::Utf8),
            ("tags".into(), DataType::Utf8),
            ("maybe".into(), DataType::Int64),
        ]
    );
    let (mut rows, mut sum_id, mut sum_f, mut evens, mut missing) = (0, 0i64, 0f64, 0, 0);
    for b in &batches {
        rows += b.num_rows();
        sum_id += b
            .column(0)
            .as_primitive::<Int64Type>()
            .values()
            .iter()
            .sum::<i64>();
        sum_f += b
            .column(1)
            .as_primitive::<Float64Type>()
            .values()
            .iter()
            .sum::<f64>();
        evens += b.column(3).as_boolean().true_count();
        missing += b.column(6).null_count();
    }
    assert_eq!(
        batches[0].column(4).as_string::<i32>().value(7),
        r#"{"k":7}"#
    );
    assert_eq!(batches[0].column(5).as_string::<i32>().value(7), "[7]");
    // The engine's own figures for the same documents.
    let expected = mql_support::run(
        &e,
        &variables,
        &format!(
            "%%mql --out sums\nuse {db}\ndb.big.aggregate([{{$group: {{_id: null, n: {{$sum: 1}}, \
             id: {{$sum: '$_id'}}, f: {{$sum: '$f'}}, even: {{$sum: {{$cond: ['$even', 1, 0]}}}}, \
             missing: {{$sum: {{$cond: [{{$eq: [{{$type: '$maybe'}}, 'missing']}}, 1, 0]}}}}}}}}])"
        ),
    )
    .await;
    expected.ok();
    let sums = match variables.lock().get("sums") {
        Some(dbkernel::session::variables::Variable::Documents(sums)) => sums.clone(),
        _ => panic!("kept sums"),
    };
    let number = |k: &str| {
        sums[0]
            .get(k)
            .and_then(|v| match v {
                bson::Bson::Int32(i) => Some(*i as f64),
                bson::Bson::Int64(i) => Some(*i as f64),
                bson::Bson::Double(f) => Some(*f),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(rows as f64, number("n"));
    assert_eq!(sum_id as f64, number("id"));
    assert!(
        (sum_f - number("f")).abs() < 1e-6,
        "{sum_f} vs {}",
        number("f")
    );
    assert_eq!(evens as f64, number("even"));
    assert_eq!(missing as f64, number("missing"));

    // JSON Lines: each document whole, as relaxed Extended JSON.
    let jsonl = dir.join("big.jsonl");
    mql_support::run(
        &e,
        &variables,
        &format!(
            "%%mql --export {}\nuse {db}\ndb.big.find({{_id: {{$lt: 20000}}}}).sort({{_id: 1}})",
            jsonl.display()
        ),
    )
    .await
    .ok();
    let text = std::fs::read_to_string(&jsonl).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 20_000);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(lines[11]).unwrap(),
        serde_json::json!({"_id": 11, "f": 2.75, "s": "d11", "even": false, "at": {"k": 11},
            "tags": [11], "maybe": 11})
    );
    // Refusals: an existing file without --force, --explain; nothing is run or written.
    let again = mql_support::run(
        &e,
        &variables,
        &format!(
            "%%mql --export {}\nuse {db}\ndb.big.find()",
            jsonl.display()
        ),
    )
    .await;
    assert!(
        again.err().evalue.contains("already exists; add --force"),
        "{}",
        again.err().evalue
    );
    let explain = mql_support::run(
        &e,
        &variables,
        &format!(
            "%%mql --explain --export {}\nuse {db}\ndb.big.find()",
            dir.join("plan.csv").display()
        ),
    )
    .await;
    assert!(
        explain.err().evalue.contains("does not go with --explain"),
        "{}",
        explain.err().evalue
    );
    let count = mql_support::run(
        &e,
        &variables,
        &format!(
            "%%mql --export {}\nuse {db}\ndb.big.countDocuments()",
            dir.join("count.csv").display()
        ),
    )
    .await;
    assert!(
        count.err().evalue.contains("returned none"),
        "{}",
        count.err().evalue
    );
    // A document with a field the first thousand did not have stops a CSV export.
    let late = mql_support::run(
        &e,
        &variables,
        &format!(
            "%%mql --export {}\nuse {db}\ndb.big.aggregate([{{$sort: {{_id: 1}}}}, \
             {{$set: {{late: {{$cond: [{{$eq: ['$_id', 5000]}}, 1, '$$REMOVE']}}}}}}])",
            dir.join("late.csv").display()
        ),
    )
    .await;
    assert!(
        late.err()
            .evalue
            .contains("document 5001 has the field 'late'"),
        "{}",
        late.err().evalue
    );
    let mut left = leftovers(&dir);
    left.sort();
    assert_eq!(left, ["big.jsonl", "big.parquet"]);
    mql_support::run(
        &e,
        &variables,
        &format!("%%mql\nuse {db}\ndb.dropDatabase()"),
    )
    .await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn stopping_an_mql_export_leaves_no_file() {
    let e = mql_support::open().await;
    let db = mql_support::unique_db("export_mql_stop");
    let variables = SharedVariables::default();
    hundred_thousand_documents(&e, &variables, &db).await;
    let dir = folder("export_mql_stop");
    let path = dir.join("stopped.jsonl");
    let cancel = tokio_util::sync::CancellationToken::new();
    let stopper = cancel.clone();
    // Stop once the partial file holds written documents, i.e. in the middle of the export (a
    // thread of its own, so the cell's busy loop cannot delay it).
    let watched = dir.clone();
    let watcher = std::thread::spawn(move || {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            let written = std::fs::read_dir(&watched)
                .unwrap()
                .filter_map(|e| e.ok())
                .any(|e| e.metadata().map(|m| m.len() > 0).unwrap_or(false));
            if written {
                stopper.cancel();
                return std::time::Instant::now();
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        panic!("the export never wrote a byte");
    });
    let source = format!(
        "%%mql --export {}\nuse {db}\ndb.big.find().sort({{_id: 1}}).batchSize(1000)",
        path.display()
    );
    let out = mql_support::run_with_cancel(&e, &variables, &source, cancel).await;
    let since = watcher.join().unwrap().elapsed();
    assert!(out.err().is_interrupt(), "{:?}", out.err());
    assert!(since < Duration::from_secs(2), "stopped after {since:?}");
    assert!(leftovers(&dir).is_empty(), "{:?}", leftovers(&dir));
    mql_support::run(
        &e,
        &variables,
        &format!("%%mql\nuse {db}\ndb.dropDatabase()"),
    )
    .await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn redis_export_writes_the_last_reply_shaped_by_its_command() {
    let e = redis_support::engine().await;
    let key = redis_support::prefix("export_cell");
    let dir = folder("export_redis_cell");
    let run = |source: String| {
        let e = e.clone();
        async move { redis_support::run(&e, &source).await }
    };
    run(format!(
        "HSET {key}:h name Ada born 1815\nZADD {key}:z 1.5 a 2 b 10 c\nSADD {key}:s x y z"
    ))
    .await
    .ok();
    let exported = |name: &str| dir.join(name);
    let out = run(format!(
        "%%redis --export {}\nHGETALL {key}:h",
        exported("h.csv").display()
    ))
    .await;
    out.ok();
    assert!(
        out.sink
            .results
            .iter()
            .any(|r| matches!(r, QueryResult::Export(e) if e.rows == 2 && e.format == "CSV"))
    );
    // HSET keeps insertion order for a small hash (listpack), as HGETALL returns it.
    assert_eq!(
        std::fs::read_to_string(exported("h.csv")).unwrap(),
        "field,value\nname,Ada\nborn,1815\n"
    );
    run(format!(
        "%%redis --export {}\nZRANGE {key}:z 0 -1 WITHSCORES",
        exported("z.parquet").display()
    ))
    .await
    .ok();
    let b = &read_parquet(&exported("z.parquet"))[0];
    assert_eq!(b.schema().field(1).data_type(), &DataType::Float64);
    let members: Vec<_> = (0..3)
        .map(|i| b.column(0).as_string::<i32>().value(i).to_string())
        .collect();
    assert_eq!(members, ["a", "b", "c"]);
    // The scores as ZSCORE reports them.
    for (i, m) in members.iter().enumerate() {
        let score = run(format!("ZSCORE {key}:z {m}")).await;
        let text = match &score.values()[0] {
            dbkernel::result::RedisValue::Bulk(b) => String::from_utf8(b.clone()).unwrap(),
            dbkernel::result::RedisValue::Double { value, .. } => value.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            b.column(1).as_primitive::<Float64Type>().value(i),
            text.parse::<f64>().unwrap()
        );
    }
    run(format!(
        "%%redis --export {}\nSSCAN {key}:s 0 COUNT 100",
        exported("s.jsonl").display()
    ))
    .await
    .ok();
    let mut values: Vec<String> = std::fs::read_to_string(exported("s.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["value"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    values.sort();
    assert_eq!(values, ["x", "y", "z"]);
    // An existing file is kept without --force, and nothing runs.
    let again = run(format!(
        "%%redis --export {}\nDEL {key}:h",
        exported("h.csv").display()
    ))
    .await;
    assert!(
        again
            .result
            .as_ref()
            .unwrap_err()
            .evalue
            .contains("already exists; add --force")
    );
    assert_eq!(
        run(format!("EXISTS {key}:h")).await.values()[0],
        dbkernel::result::RedisValue::Int(1)
    );
    let mut left = leftovers(&dir);
    left.sort();
    assert_eq!(left, ["h.csv", "s.jsonl", "z.parquet"]);
    redis_support::cleanup(&key).await;
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn import_reads_many_batches_into_one_table() {
    // 20,000 rows: three Arrow IPC batches as written (8192 rows each), twenty Parquet/CSV
    // reader batches; every one must land in the table, in order.
    let e = open(SQLITE_URL).await;
    let dir = folder("export_import_batches");
    let sql = "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20000) \
               SELECT i, i * 0.5 AS half, 'r' || i AS t FROM s";
    let expected = run(
        &e,
        "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 20000) \
         SELECT count(*), sum(i), sum(i * 0.5) FROM s",
    )
    .await;
    for name in ["b.arrow", "b.parquet", "b.csv"] {
        let path = dir.join(name);
        run(&e, &format!("%%sql --export {}\n{sql}", path.display()))
            .await
            .ok();
        let (variable, _) =
            dbkernel::export::import::import_file(path.to_str().unwrap(), None).unwrap();
        let dbkernel::session::variables::Variable::Table(table) = variable else {
            panic!("a table");
        };
        assert_eq!(
            Some(table.total_rows.to_string()),
            expected.cell(0, 0),
            "{name}"
        );
        let column = |c: usize| -> Vec<f64> {
            (0..table.total_rows as usize)
                .map(|r| table.cell_text(r, c).unwrap().parse().unwrap())
                .collect()
        };
        let ids = column(0);
        assert_eq!(
            Some((ids.iter().sum::<f64>() as i64).to_string()),
            expected.cell(0, 1),
            "{name}"
        );
        let server_half: f64 = expected.cell(0, 2).unwrap().parse().unwrap();
        assert_eq!(column(1).iter().sum::<f64>(), server_half, "{name}");
        assert_eq!(
            ids[8192], 8193.0,
            "{name}: the second batch follows the first"
        );
        assert_eq!(
            table.cell_text(19_999, 2).as_deref(),
            Some("r20000"),
            "{name}"
        );
    }
    std::fs::remove_dir_all(dir).ok();
}
