"""Cells of notebooks/parameters.ipynb: a notebook papermill runs with -p values (see python/dbkernel_papermill)."""
from cells import code, md

NAME = "parameters"


def parameters_cell(source, **kwargs):
    cell = code(source, **kwargs)
    # papermill puts its injected %set lines right after the cell tagged "parameters".
    cell.metadata.setdefault("tags", []).append("parameters")
    return cell


CELLS = [
    md("# A parameterised report\n\nThe next cell holds the defaults. papermill replaces them: after "
       "`pip install ./python/dbkernel_papermill` (once), run\n\n"
       "    papermill parameters.ipynb out.ipynb -p min_salary 100000 -p city Paris -p rate 0.25 -p remote True\n\n"
       "and a cell of `%set` lines with those values follows this one. Every language reads them: `:name` binds a SQL "
       "parameter, `{{name}}` stands for a value in MongoDB shell and Redis cells."),
    parameters_cell("%set min_salary = 50000\n%set city = 'London'\n%set rate = 1.25\n%set remote = false"),
    code("%vars", contains=["min_salary", "city", "rate", "remote"]),
    code("%%sql\nCREATE TABLE staff (name TEXT, city TEXT, salary INTEGER);\n"
         "INSERT INTO staff VALUES ('Ada', 'Paris', 120000), ('Grace', 'London', 110000), ('Linus', 'Paris', 95000), "
         "('Barbara', 'London', 90000);", contains=["4 rows affected"]),
    md("## SQL: bind parameters"),
    code("%%sql\nSELECT name, salary FROM staff WHERE city = :city AND salary >= :min_salary ORDER BY name",
         contains=["Grace", "Barbara", "(2 rows)"]),
    code("%%sql\nSELECT :city AS city, :min_salary AS min_salary, :rate * 2 AS doubled_rate, :remote AS remote",
         contains=["London", "50000", "2.5"]),
    md("## MongoDB: `{{name}}` in a query"),
    code("%%mql\nuse report\ndb.staff.drop()\ndb.staff.insertMany([\n  { name: 'Ada', city: 'Paris', salary: 120000 },\n"
         "  { name: 'Grace', city: 'London', salary: 110000 },\n  { name: 'Linus', city: 'Paris', salary: 95000 },\n"
         "  { name: 'Barbara', city: 'London', salary: 90000 }\n])", contains=["acknowledged: true"]),
    code("%%mql\ndb.staff.find({ city: {{city}}, salary: { $gte: {{min_salary}} } }, { _id: 0, name: 1 }).sort({ name: 1 })",
         contains=["Barbara", "Grace"]),
    md("## Redis: `{{name}}` as one argument"),
    code("%%redis\nSET report:city {{city}}\nGET report:city\nDEL report:city", contains=['"London"']),
]
