"""Charts through the real kernel on PostgreSQL, SQLite, the embedded MongoDB engine and Redis.

Every chart output is checked three ways: the Vega-Lite spec against vega-lite's own JSON schema
(the npm package `vega-lite@5`, installed from tests/npm's lockfile), the SVG parsed with
xml.etree (marks counted, bar heights against the values the server computes in a query of its
own), and the text/plain summary. Errors (unknown column, text on a line chart's y, unknown kind)
must draw nothing."""
import json
import math
import os
import pathlib
import xml.etree.ElementTree as ET

import jsonschema
import pytest
from jupyter_client.manager import start_new_kernel

from test_lifecycle import run

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "tests/npm/node_modules/vega-lite/build/vega-lite-schema.json"
SVG = "{http://www.w3.org/2000/svg}"
VEGA_LITE = "application/vnd.vegalite.v5+json"
PREFIX = "dbkernel_charts_test"


@pytest.fixture(scope="module")
def validator():
    if not SCHEMA.exists():
        pytest.fail(f"{SCHEMA} is missing: run `npm ci --prefix tests/npm` (the test command does)")
    schema = json.loads(SCHEMA.read_text())
    return jsonschema.Draft7Validator(schema)


@pytest.fixture(scope="module")
def kc(tmp_path_factory):
    km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=30,
                              cwd=str(tmp_path_factory.mktemp("charts")))
    for line in ("%connect pg postgresql://postgres@127.0.0.1:5432/test",
                 "%connect lite sqlite::memory:",
                 "%connect docs embedded",
                 "%connect cache redis://127.0.0.1:6379/13"):
        reply, outputs = run(kc, line)
        assert reply["status"] == "ok", outputs
    kc.manager = km  # for the stop button (interrupt_mode: message goes on the control channel)
    yield kc
    run(kc, f"%%redis cache\nDEL {PREFIX}:hash {PREFIX}:zset")
    run(kc, f"%%sql pg\nDROP TABLE IF EXISTS {PREFIX}_sales")
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def chart(kc, validator, code):
    """Runs a chart cell; returns (spec, svg root, text) of its one chart output."""
    reply, outputs = run(kc, code)
    assert reply["status"] == "ok", outputs
    charts = [o["content"]["data"] for o in outputs if VEGA_LITE in o["content"].get("data", {})]
    assert len(charts) == 1, outputs
    data = charts[0]
    assert "text/html" not in data, "HTML would outrank the chart in JupyterLab"
    spec = data[VEGA_LITE]
    errors = sorted(validator.iter_errors(spec), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    root = ET.fromstring(data["image/svg+xml"])
    assert root.tag == SVG + "svg"
    return spec, root, data["text/plain"]


def marks(root, cls):
    return [e for e in root.iter() if e.get("class") == cls]


def texts(root):
    return [e.text for e in root.iter(SVG + "text")]


def server_rows(kc, code):
    reply, outputs = run(kc, code)
    assert reply["status"] == "ok", outputs
    table = next(o["content"]["data"]["application/vnd.dbkernel.table+json"] for o in outputs
                 if "application/vnd.dbkernel.table+json" in o["content"].get("data", {}))
    return table["rows"]


def refused(kc, code, *needles):
    reply, outputs = run(kc, code)
    assert reply["status"] == "error", outputs
    assert not any(VEGA_LITE in o["content"].get("data", {}) for o in outputs), "nothing is drawn"
    for needle in needles:
        assert needle in reply["evalue"], reply["evalue"]
    return reply["evalue"]


def test_postgres_bar_heights_follow_the_servers_sums(kc, validator):
    setup = (f"%%sql pg\nDROP TABLE IF EXISTS {PREFIX}_sales;\n"
             f"CREATE TABLE {PREFIX}_sales (city text, total numeric);\n"
             f"INSERT INTO {PREFIX}_sales VALUES ('Paris', 12.5), ('Lyon', 30), ('Paris', 7.5),"
             " ('Nice', 20), ('Lille <&>', 5)")
    assert run(kc, setup)[0]["status"] == "ok"
    query = f"SELECT city, total FROM {PREFIX}_sales ORDER BY city"
    spec, root, text = chart(kc, validator, f"%%sql pg --chart bar x=city y=total\n{query}")
    sums = dict(server_rows(kc, f"%%sql pg\nSELECT city, sum(total)::float8 FROM {PREFIX}_sales GROUP BY city"))
    bars = marks(root, "bar")
    assert len(bars) == len(sums) == 4
    # Bars in the query's order (ORDER BY city), heights proportional to the server's sums.
    order = [r["x"] for r in spec["data"]["values"]]
    assert order == sorted(sums)
    heights = [float(b.get("height")) for b in bars]
    for city, height in zip(order, heights):
        assert math.isclose(height / heights[order.index("Paris")], sums[city] / sums["Paris"], rel_tol=1e-3)
    assert "Lille <&>" in texts(root)  # escaped in the SVG, read back as text
    assert spec["encoding"]["y"]["title"] == "sum of total"
    assert "total summed per city: 5 rows in 4 bars" in text


def test_postgres_histogram_of_100k_rows_is_binned(kc, validator):
    spec, root, text = chart(
        kc, validator,
        "%%sql pg --chart histogram x=v\nSELECT (g % 1000)::float8 / 10 AS v FROM generate_series(1, 100000) g")
    bins = marks(root, "bin")
    assert 10 <= len(bins) <= 40
    assert sum(r["count"] for r in spec["data"]["values"]) == 100000
    assert spec["encoding"]["x"]["bin"]["binned"] is True
    assert "binned: 100,000 rows in" in text
    assert any("binned: 100,000 rows" in (t or "") for t in texts(root))
    assert spec["title"]["subtitle"][0].startswith("binned: 100,000 rows")


def test_sqlite_line_over_dates_and_scatter_sampled(kc, validator):
    spec, root, text = chart(
        kc, validator,
        "%%sql lite --chart line x=day y=n\n"
        "WITH RECURSIVE d(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM d WHERE i < 9) "
        "SELECT date('2024-03-01', '+' || i || ' days') AS day, i * i AS n FROM d")
    assert len(marks(root, "line")) == 1
    assert spec["encoding"]["x"]["type"] == "temporal"
    assert spec["data"]["values"][0]["x"] == "2024-03-01T00:00:00.000Z"
    # Ten days: a tick every second day at midnight UTC, labelled as dates.
    assert [t for t in texts(root) if t and t.startswith("2024-03-")] == [
        "2024-03-02", "2024-03-04", "2024-03-06", "2024-03-08", "2024-03-10"]
    spec, root, text = chart(
        kc, validator,
        "%%sql lite --chart scatter x=a y=b\n"
        "WITH RECURSIVE d(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM d WHERE i < 20000) "
        "SELECT i AS a, (i * 7919) % 1000 AS b FROM d")
    assert len(marks(root, "point")) == 5000
    assert "sampled: 5,000 of 20,000 points drawn" in text
    assert "sampled: 5,000 of 20,000 points drawn (a uniform random sample)" in spec["title"]["subtitle"]


def test_mongodb_documents_by_top_level_and_dotted_fields(kc, validator):
    setup = ("%%mql docs\ndb.chart_visits.drop()\n"
             "db.chart_visits.insertMany(["
             "{day: ISODate('2024-05-01'), site: {name: 'a'}, stats: {count: 3}},"
             "{day: ISODate('2024-05-02'), site: {name: 'a'}, stats: {count: 5}},"
             "{day: ISODate('2024-05-01'), site: {name: 'b'}, stats: {count: 2}},"
             "{day: ISODate('2024-05-02'), site: {name: 'b'}, stats: {count: 9}}])")
    assert run(kc, setup)[0]["status"] == "ok"
    spec, root, text = chart(
        kc, validator,
        "%%mql docs --chart line x=day y=stats.count color=site.name\n"
        "db.chart_visits.find().sort({day: 1})")
    assert len(marks(root, "line")) == 2
    legend = [e.text for e in marks(root, "legend-label")]
    assert legend == ["a", "b"]
    assert spec["encoding"]["color"]["scale"]["domain"] == ["a", "b"]
    spec, root, text = chart(
        kc, validator,
        "%%mql docs --chart bar x=site.name y=stats.count\ndb.chart_visits.find()")
    heights = {b.find(SVG + "title").text.split(",")[0]: float(b.get("height")) for b in marks(root, "bar")}
    # a: 3 + 5 = 8, b: 2 + 9 = 11 (summed as the server's $group would).
    totals = server_rows(kc, "%%sql lite\nSELECT 8, 11")[0]
    assert math.isclose(heights["site.name: a"] / heights["site.name: b"], totals[0] / totals[1], rel_tol=1e-3)
    # Past the display limit (50): the chart sees every document the cursor streams.
    assert run(kc, "%%sql lite --out many\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
                   "SELECT i, i % 10 AS d FROM n")[0]["status"] == "ok"
    assert run(kc, "%%mql docs\ndb.chart_many.drop()\ndb.chart_many.insertMany({{many}})")[0]["status"] == "ok"
    spec, root, text = chart(kc, validator, "%%mql docs --chart histogram x=d bins=10\ndb.chart_many.find()")
    assert sum(r["count"] for r in spec["data"]["values"]) == 2000
    assert "binned: 2,000 rows" in text
    refused(kc, "%%mql docs --chart bar x=site.nmae\ndb.chart_visits.find()",
            "no field named 'site.nmae'", "did you mean 'site.name'?")


def test_redis_hash_and_sorted_set_with_scores(kc, validator):
    assert run(kc, f"%%redis cache\nHSET {PREFIX}:hash north 4 south 10 east 6")[0]["status"] == "ok"
    spec, root, text = chart(kc, validator, f"%%redis cache --chart bar x=field y=value\nHGETALL {PREFIX}:hash")
    assert len(marks(root, "bar")) == 3
    assert {r["x"]: r["value"] for r in spec["data"]["values"]} == {"north": 4, "south": 10, "east": 6}
    assert run(kc, f"%%redis cache\nZADD {PREFIX}:zset 1.5 a 3 b 6 c")[0]["status"] == "ok"
    spec, root, text = chart(kc, validator,
                             f"%%redis cache --chart bar x=member y=score\nZRANGE {PREFIX}:zset 0 -1 WITHSCORES")
    heights = [float(b.get("height")) for b in marks(root, "bar")]
    assert math.isclose(heights[2] / heights[0], 6 / 1.5, rel_tol=1e-3)
    refused(kc, f"%%redis cache --chart bar x=field\nGET {PREFIX}:nothing", "not a table")
    # A kept reply charts the same way.
    assert run(kc, f"%%redis cache --out scores\nZRANGE {PREFIX}:zset 0 -1 WITHSCORES")[0]["status"] == "ok"
    spec, root, text = chart(kc, validator, "%chart scores bar x=member y=score")
    assert [(r["x"], r["value"]) for r in spec["data"]["values"]] == [("a", 1.5), ("b", 3), ("c", 6)]


def test_kept_results_are_charted_with_the_magic(kc, validator):
    assert run(kc, "%%sql lite --out squares\nSELECT 1 AS n, 1 AS sq UNION ALL SELECT 2, 4 UNION ALL SELECT 3, 9")[0]["status"] == "ok"
    for kind, cls in (("area", "area"), ("line", "line"), ("scatter", "point")):
        spec, root, text = chart(kc, validator, f"%chart squares {kind} x=n y=sq 'title=Squares'")
        assert marks(root, cls), kind
        assert spec["title"]["text"] == "Squares"


def test_errors_say_what_to_fix_and_draw_nothing(kc, validator):
    refused(kc, "%%sql lite --chart bar x=cty y=total\nSELECT 'a' AS city, 1 AS total",
            "x=cty: no column named 'cty'", "did you mean 'city'?")
    refused(kc, "%%sql lite --chart line x=n y=city\nSELECT 1 AS n, 'Paris' AS city",
            "y=city is not numeric: row 1 has 'Paris'")
    refused(kc, "%%sql lite --chart pie x=a\nSELECT 1 AS a", "unknown chart kind 'pie'",
            "bar, line, area, scatter, histogram")
    refused(kc, "%chart nosuchvar bar x=a", "no variable named nosuchvar")


def test_stop_button_ends_a_chart_of_an_endless_query(kc, validator):
    msg_id = kc.execute("%%sql pg --chart histogram x=v\nSELECT random() AS v FROM generate_series(1, 1000000000)")
    import time
    time.sleep(1.5)
    started = time.time()
    kc.manager.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=10)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=10)
    assert time.time() - started < 2, "stopped within about a second"
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    # The kernel goes on: the next chart draws.
    chart(kc, validator, "%%sql pg --chart bar x=k --out kept\nSELECT 'a' AS k UNION ALL SELECT 'b'")
    spec, root, text = chart(kc, validator, "%chart kept bar x=k")
    assert len(marks(root, "bar")) == 2
