"""Cells of notebooks/charts.ipynb: results drawn as charts with `--chart` on a cell and `%chart`
for a kept result, on the machine's PostgreSQL (table `charts_lesson_sales`), the embedded
MongoDB engine (database `charts_lesson`) and SQLite in memory. JupyterLab draws the Vega-Lite
spec; nbconvert, GitHub and VS Code show the SVG the kernel draws from the same chart."""
from cells import code, md

NAME = "charts"

CELLS = [
    md("# Charts of results\n\n"
       "Add `--chart KIND x=COLUMN y=COLUMN` to a cell magic line and the cell's last result is drawn instead "
       "of listed. Kinds: `bar`, `line`, `area`, `scatter`, `histogram`; `color=COLUMN` splits bars (stacked), "
       "lines, areas and points by a category; `title=…` names the chart.\n\n"
       "Each chart comes as a Vega-Lite spec (JupyterLab draws it, with tooltips) and as an SVG drawn by the "
       "kernel from the same numbers (nbconvert HTML, GitHub, VS Code), plus a text summary. Rows are never "
       "kept just to draw them: bars sum as rows arrive, histograms count rows per bin, and line and scatter "
       "charts beyond 5,000 points draw a uniform sample — the chart's subtitle says what was done."),
    code("%%sql pg\n"
         "DROP TABLE IF EXISTS charts_lesson_sales;\n"
         "CREATE TABLE charts_lesson_sales (city text, month date, total numeric(10,2));\n"
         "INSERT INTO charts_lesson_sales\n"
         "SELECT city, date '2024-01-01' + (m * interval '1 month'), round((100 + m * 7 + length(city) * 11)::numeric, 2)\n"
         "FROM unnest(ARRAY['Paris', 'Lyon', 'Marseille', 'Nice']) AS city, generate_series(0, 11) AS m",
         contains=["INSERT 0 48"]),
    md("## A bar chart from PostgreSQL\n\n"
       "One bar per city. The query returns twelve rows per city; the chart sums `total` per `city` (the y axis "
       "says *sum of total*) in the order the rows came, so `ORDER BY` decides the order of the bars."),
    code("%%sql pg --chart bar x=city y=total\n"
         "SELECT city, total FROM charts_lesson_sales ORDER BY city",
         contains=["bar chart: sum of total by city (4 bars from 48 rows)",
                   "total summed per city: 48 rows in 4 bars",
                   "Lyon: 2,190", "Marseille: 2,850"],
         svg=["sum of total by city", "Marseille"]),
    md("With `color=`, each bar is split by a second column (here the quarter), stacked:"),
    code("%%sql pg --chart bar x=city y=total color=quarter\n"
         "SELECT city, 'Q' || extract(quarter FROM month) AS quarter, total FROM charts_lesson_sales ORDER BY city, quarter",
         contains=["Lyon [Q1]: 453"], svg=["quarter", "Q4"]),
    md("## A histogram of 100,000 rows\n\n"
       "A histogram bins `x` while the rows stream: the kernel holds a few dozen counters, not the rows. The "
       "bin width is a round number chosen from the data's range (it doubles if later rows fall far outside)."),
    code("%%sql pg --chart histogram x=amount\n"
         "SELECT round((50 + 15 * sqrt(-2 * ln(random())) * cos(2 * pi() * random()))::numeric, 2) AS amount\n"
         "FROM generate_series(1, 100000)",
         contains=["histogram chart: distribution of amount", "binned: 100,000 rows in"],
         svg=["binned: 100,000 rows"]),
    md("## A line chart from MongoDB documents\n\n"
       "Fields are named as in a query: top level (`day`) or dotted into embedded documents (`stats.visits`, "
       "`site.name`). Dates make a time axis (UTC)."),
    code("%%mql\n"
         "use charts_lesson\n"
         "db.visits.drop()\n"
         "db.visits.insertMany([\n"
         "  {day: ISODate('2024-05-01'), site: {name: 'shop'}, stats: {visits: 120}},\n"
         "  {day: ISODate('2024-05-01'), site: {name: 'blog'}, stats: {visits: 80}},\n"
         "  {day: ISODate('2024-05-02'), site: {name: 'shop'}, stats: {visits: 135}},\n"
         "  {day: ISODate('2024-05-02'), site: {name: 'blog'}, stats: {visits: 110}},\n"
         "  {day: ISODate('2024-05-03'), site: {name: 'shop'}, stats: {visits: 150}},\n"
         "  {day: ISODate('2024-05-03'), site: {name: 'blog'}, stats: {visits: 140}},\n"
         "  {day: ISODate('2024-05-04'), site: {name: 'shop'}, stats: {visits: 165}},\n"
         "  {day: ISODate('2024-05-04'), site: {name: 'blog'}, stats: {visits: 80}},\n"
         "  {day: ISODate('2024-05-05'), site: {name: 'shop'}, stats: {visits: 180}},\n"
         "  {day: ISODate('2024-05-05'), site: {name: 'blog'}, stats: {visits: 110}},\n"
         "  {day: ISODate('2024-05-06'), site: {name: 'shop'}, stats: {visits: 195}},\n"
         "  {day: ISODate('2024-05-06'), site: {name: 'blog'}, stats: {visits: 140}},\n"
         "  {day: ISODate('2024-05-07'), site: {name: 'shop'}, stats: {visits: 210}},\n"
         "  {day: ISODate('2024-05-07'), site: {name: 'blog'}, stats: {visits: 80}}\n"
         "])",
         contains=["insertedIds"]),
    code("%%mql --chart line x=day y=stats.visits color=site.name 'title=Visits per day'\n"
         "use charts_lesson\n"
         "db.visits.find().sort({day: 1})",
         contains=["line chart: Visits per day (14 points from 14 rows)", "site.name: shop, blog"],
         svg=["Visits per day", "2024-05-01", "shop", "blog"]),
    md("## A scatter plot, sampled\n\n"
       "Beyond 5,000 points a line or scatter chart draws a uniform random sample (the same one each run) and "
       "says so; its axes still cover every row."),
    code("%%sql lite --chart scatter x=x y=y\n"
         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)\n"
         "SELECT i % 1000 AS x, (i % 1000) * 0.5 + abs(random() % 200) AS y FROM n",
         contains=["sampled: 5,000 of 50,000 points drawn (a uniform random sample)"],
         svg=["sampled: 5,000 of 50,000 points drawn"]),
    md("## Charts of kept results: `%chart VAR KIND …`\n\n"
       "A result kept with `--out` can be drawn later, in any of the kinds:"),
    code("%%sql pg --out monthly\n"
         "SELECT month, sum(total) AS total FROM charts_lesson_sales GROUP BY month ORDER BY month",
         contains=["(12 rows)"]),
    code("%chart monthly area x=month y=total", contains=["area chart: total by month (12 points from 12 rows)"],
         svg=["total by month"]),
    md("## Mistakes are caught before anything is drawn\n\n"
       "A misspelt column gets a suggestion; text where a number is needed names the row:"),
    code("%chart monthly line x=mnth y=total", error="ChartError",
         contains=["no column named 'mnth'", "did you mean 'month'?"]),
    code("%%sql pg --chart line x=month y=city\nSELECT month, city FROM charts_lesson_sales",
         error="ChartError", contains=["y=city is not numeric: row 1 has"]),
    code("%%sql pg --chart pie x=city\nSELECT city FROM charts_lesson_sales",
         error="UsageError", contains=["unknown chart kind 'pie'"]),
    md("Clean up:"),
    code("%%sql pg\nDROP TABLE charts_lesson_sales", contains=["DROP TABLE"]),
    code("%%mql\nuse charts_lesson\ndb.dropDatabase()", contains=["ok"]),
]
