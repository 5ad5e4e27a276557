"""Cell builders shared by every lesson file in this folder."""
import nbformat


def md(text):
    return nbformat.v4.new_markdown_cell(text)


def code(source, contains=(), html=(), error=None, absent=(), svg=()):
    expect = {}
    if contains:
        expect["contains"] = list(contains)
    if html:
        expect["html"] = list(html)
    if absent:
        expect["absent"] = list(absent)
    if svg:
        expect["svg"] = list(svg)
    metadata = {}
    if error:
        expect["error"] = error
        metadata["tags"] = ["raises-exception"]
    if expect:
        metadata["dbkernel"] = {"expect": expect}
    return nbformat.v4.new_code_cell(source, metadata=metadata)


def notebook(name, cells):
    nb = nbformat.v4.new_notebook()
    # Stable cell ids, so regenerating a notebook changes only the cells that changed.
    for index, cell in enumerate(cells):
        cell.id = f"{name}-{index:03d}"
    nb.metadata["kernelspec"] = {"name": "dbkernel", "display_name": "Databases (SQL · MQL · Redis)", "language": "sql"}
    nb.metadata["language_info"] = {"name": "sql", "file_extension": ".sql", "mimetype": "text/x-sql"}
    nb.cells = cells
    return nb
