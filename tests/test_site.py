"""The course site (`make site`): built offline with warnings as errors, then opened page by page
in a real headless Chromium: every page loads, its images have pixels, its math is typeset, its
internal links resolve. Skips, saying why, where the site extra or Chromium is not installed."""
import functools
import http.server
import os
import re
import shutil
import sys
import threading
from urllib.parse import urljoin, urlparse

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
pytest.importorskip("jupyter_book", reason="the site extra is not installed: pip install -e '.[site]'")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
# flags for a closed network: no background connections, no first-run or component updates
CHROMIUM_FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--no-first-run", "--window-size=1280,1600"]
# the page's text without code, scripts and styles: what a reader sees as prose and math
PROSE_TEXT = """const body = document.body.cloneNode(true);
body.querySelectorAll('pre, code, script, style, .highlight, .MathJax_Preview').forEach(e => e.remove());
return body.innerText;"""
RAW_MATH = re.compile(r"\\\(|\\\[|\$\$|\$[^\s$][^$\n]*\$")


@pytest.fixture(scope="module")
def site():
    sys.path.insert(0, os.path.join(ROOT, "site"))
    from build_site import build
    return build(quiet=True)


def _toc_pages():
    with open(os.path.join(ROOT, "site", "_toc.yml")) as toc:
        return re.findall(r"(?:root|file): (\S+)", toc.read())


def test_every_toc_entry_is_a_page_with_its_sources_and_offline_math(site):
    for entry in _toc_pages():
        assert os.path.exists(os.path.join(site, entry + ".html")), entry
    notebooks = [e for e in _toc_pages() if e.startswith("notebooks/")]
    assert len(notebooks) >= 10
    for entry in notebooks:
        assert os.path.exists(os.path.join(site, entry + ".py")), f"{entry}.py is not next to its page"
    assert os.path.exists(os.path.join(site, "_static", "mathjax", "MathJax.js"))
    with open(os.path.join(site, "notebooks", "04_modular_addition.html")) as page:
        text = page.read()
    assert 'href="04_modular_addition.py"' in text and "p = 31" in text  # source and parameters
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', text)
    assert not [s for s in scripts if s.startswith(("http:", "https:", "//"))], scripts  # offline


@pytest.fixture(scope="module")
def browser(site):
    if not (CHROMIUM and CHROMEDRIVER):
        message = ("no chromium and chromedriver (Debian: apt-get install chromium "
                   "chromium-driver)")
        if os.environ.get("LMN_REQUIRE_BROWSER") == "1":  # set by .ci/run: a skip is a failure
            pytest.fail(message + "; .ci/run needs the browser test to run")
        pytest.skip(message)
    from selenium.webdriver.chrome.service import Service
    missing = []  # every request the site could not answer (a file a page refers to is absent)

    class Recording(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def send_error(self, code, *args, **kwargs):
            # not counted: the browser's own favicon request, and MathJax probing for its TeX
            # fonts (the site ships the STIX-Web fonts it is configured to typeset with)
            if self.path != "/favicon.ico" and "/mathjax/fonts/HTML-CSS/TeX/" not in self.path:
                missing.append((int(code), self.path))
            super().send_error(code, *args, **kwargs)

    handler = functools.partial(Recording, directory=site)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(60)
    yield driver, f"http://127.0.0.1:{server.server_address[1]}/", missing
    driver.quit()
    server.shutdown()


def _wait_for_mathjax(driver):
    """True once MathJax has typeset the page (False: no MathJax on it)."""
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "if (!window.MathJax || !MathJax.Hub) { done(false); return; }"
        "MathJax.Hub.Queue(() => done(true));")


def test_every_page_loads_with_images_math_and_links_in_a_real_browser(browser, site):
    driver, base, missing = browser
    typeset = 0
    for entry in _toc_pages():
        url = urljoin(base, entry + ".html")
        driver.get(url)
        assert driver.title and "404" not in driver.title, url
        titles = driver.execute_script("return document.querySelectorAll('article h1').length")
        assert titles == 1, f"{url} has {titles} page titles (h1), not 1"
        has_math = driver.execute_script("return document.querySelectorAll('.math').length > 0")
        assert _wait_for_mathjax(driver) or not has_math, f"MathJax did not load on {url}"
        broken = driver.execute_script(
            "return [...document.images].filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.src)")
        assert not broken, f"images without pixels on {url}: {broken}"
        assert not missing, f"{url} requested files the site lacks: {missing}"
        message = driver.execute_script(
            "const m = document.getElementById('MathJax_Message'); return m ? m.innerText : ''")
        assert "fail" not in message.lower(), f"MathJax on {url}: {message}"
        raw = RAW_MATH.findall(driver.execute_script(PROSE_TEXT))
        assert not raw, f"math left as source on {url}: {raw[:3]}"
        typeset += driver.execute_script(
            "return document.querySelectorAll('.MathJax, .MathJax_CHTML, .MathJax_Display').length")
        for href in driver.execute_script(
                "return [...document.querySelectorAll('a[href]')].map(a => a.href)"):
            target = urlparse(href)
            if href.startswith(base):
                path = os.path.join(site, target.path.lstrip("/"))
                assert os.path.exists(path), f"{url} links to a missing {target.path}"
    assert typeset > 50  # the notation page alone typesets dozens of formulas
    shots = os.path.join(site, "_screenshots")
    os.makedirs(shots, exist_ok=True)
    for name, entry in (("landing", "site/index"), ("notebook_04", "notebooks/04_modular_addition")):
        driver.get(urljoin(base, entry + ".html"))
        _wait_for_mathjax(driver)
        assert driver.save_screenshot(os.path.join(shots, f"{name}.png"))
        assert os.path.getsize(os.path.join(shots, f"{name}.png")) > 10_000


def test_the_class_plan_reading_times_are_those_of_the_notebooks():
    """Reading time, as the class plan states its rule: prose at 150 words a minute plus code
    at 15 lines a minute, rounded up to 5 minutes; and every notebook has a row."""
    import json
    import math
    plan = open(os.path.join(ROOT, "site", "class_plan.md")).read()
    for path in sorted(p for p in os.listdir(os.path.join(ROOT, "notebooks"))
                       if re.match(r"\d\d_.*\.ipynb$", p)):
        cells = json.load(open(os.path.join(ROOT, "notebooks", path)))["cells"]
        words = sum(len(re.findall(r"\w+", "".join(c["source"]))) for c in cells
                    if c["cell_type"] == "markdown")
        lines = sum(len("".join(c["source"]).splitlines()) for c in cells
                    if c["cell_type"] == "code")
        minutes = 5 * math.ceil((words / 150 + lines / 15) / 5)
        row = re.search(rf"^\| {path[:2]} [^\n]*$", plan, re.M)
        assert row, f"the class plan has no row for {path}"
        assert f"| {minutes} min |" in row.group(0), f"{path}: {minutes} min, plan: {row.group(0)}"
