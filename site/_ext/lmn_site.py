"""Sphinx extension of the course site: offline MathJax, and each notebook page's source.

- MathJax 2.7 comes from the jupyter-server-mathjax package (PyPI) and is copied into
  _static/mathjax, so math renders with no network (`mathjax_path` in _config.yml points there).
- Each notebook page opens with a note: shown as committed (not re-executed), a link to its
  Jupytext .py pair (copied next to the page) and the parameters it was run with.
"""
import ast
import html
import json
import os
import shutil

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def mathjax_folder():
    import jupyter_server_mathjax
    return os.path.join(os.path.dirname(jupyter_server_mathjax.__file__), "static")


def parameter_lines(notebook_path):
    """The assignments of the notebook's `parameters` cell, comments dropped."""
    with open(notebook_path) as source:
        cells = json.load(source)["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        return []
    text = "".join(tagged[0]["source"])
    return [ast.get_source_segment(text, node) for node in ast.parse(text).body
            if isinstance(node, ast.Assign)]


def add_source_note(app, pagename, templatename, context, doctree):
    if not pagename.startswith("notebooks/") or "body" not in context:
        return
    name = os.path.basename(pagename)
    parameters = parameter_lines(os.path.join(ROOT, "notebooks", f"{name}.ipynb"))
    note = (f'<div class="admonition note lmn-source"><p class="admonition-title">This page</p>'
            f"<p>The executed notebook as committed (the site does not re-run it). Source: "
            f'<a href="{name}.py">{name}.py</a>, its Jupytext pair. Run with: '
            f"<code>{html.escape('; '.join(parameters))}</code>. Rerun it with other values: "
            f"<code>python -m lmn_utils.run_notebooks {name[:2]} -p NAME VALUE</code>.</p></div>")
    context["body"] = note + context["body"]


def copy_assets(app, exception):
    if exception is not None or app.builder.format != "html":
        return
    shutil.copytree(mathjax_folder(), os.path.join(app.outdir, "_static", "mathjax"), dirs_exist_ok=True)
    pages = os.path.join(app.outdir, "notebooks")
    os.makedirs(pages, exist_ok=True)
    for entry in sorted(os.listdir(os.path.join(ROOT, "notebooks"))):
        if entry[:2].isdigit() and entry.endswith(".py"):
            shutil.copy2(os.path.join(ROOT, "notebooks", entry), pages)


def setup(app):
    app.connect("html-page-context", add_source_note)
    app.connect("build-finished", copy_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
