"""Build the course site: `python site/build_site.py` (what `make site` runs).

Jupyter Book 1.x, from the repository root, with site/_config.yml and site/_toc.yml, warnings
as errors, notebooks not executed; the pages land in _build/html (ignored by git).
"""
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUTPUT = os.path.join(ROOT, "_build", "html")


def build(quiet=False):
    """Build the site; returns the folder of the pages. Raises CalledProcessError on failure."""
    jupyter_book = os.path.join(os.path.dirname(sys.executable), "jupyter-book")
    command = [jupyter_book, "build", ROOT, "--config",
               os.path.join(ROOT, "site", "_config.yml"), "--toc", os.path.join(ROOT, "site", "_toc.yml"),
               "--path-output", ROOT, "-W", "--keep-going", "--all"] + (["-q"] if quiet else [])
    subprocess.run(command, check=True, cwd=ROOT)
    return OUTPUT


if __name__ == "__main__":
    print(f"site built: {build()}/index.html")
