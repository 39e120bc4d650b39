"""Benchmark: the catalog of a 1,000-product synthetic mesh (bench/plan_scale.py's groups
of the IoT products, one stack deploying all of them).

Measures, each in a child process: `datamesh catalog` end to end (target <= 30 s), and the
baseline of the same run, one cold `load_mesh` of that mesh (the ratio says what the
pages cost beyond reading the specs). Then headless Chromium (Debian's chromium) opens the
overview from file:// and types a query: the time from navigation to the first answers
on screen (target <= 2 s), and the size of what the page loads.

    .venv/bin/python bench/catalog_scale.py [--size 1000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from plan_scale import generate, write_project  # noqa: E402
from timing import timed_python  # noqa: E402


def _browser(index: Path) -> tuple[float, float, int]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        started = time.perf_counter()
        driver.get(index.as_uri())  # returns at the load event
        loaded = time.perf_counter() - started
        WebDriverWait(driver, 30).until(
            lambda d: d.execute_script("return document.body.dataset.searchReady === 'true'")
        )
        driver.execute_script(
            "const s = document.getElementById('search'); s.value = 'co2 ppm';"
            "s.dispatchEvent(new Event('input'));"
        )
        answers = WebDriverWait(driver, 30).until(
            lambda d: d.execute_script("return document.querySelectorAll('#results li').length")
        )
        answered = time.perf_counter() - started
        return loaded, answered, int(answers)
    finally:
        driver.quit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1000)
    size = parser.parse_args().size
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        ids = generate(size, root)
        write_project(root, ids)
        path = f"import sys; sys.path.insert(0, {str(REPO)!r}); "
        baseline = timed_python(
            path + "from pathlib import Path; from model import load_mesh; "
            "load_mesh(Path('products'))",
            root,
        )
        build = timed_python(
            path + "from tools.cli import main; main(['catalog', '--stack', 'bench', "
            "'--out', 'site'])",
            root,
        )
        site = root / "site"
        files = [p for p in site.rglob("*") if p.is_file()]
        overview = sum(
            (site / rel).stat().st_size
            for rel in ("index.html", "data/index.js", "assets/site.js", "assets/site.css")
        )
        loaded, answered, answers = _browser(site / "index.html")
        print(
            f"products: {len(ids)}; site: {len(files)} files, "
            f"{sum(p.stat().st_size for p in files) / 2**20:.0f} MiB"
        )
        print(f"baseline (one cold mesh load): {baseline:.1f} s")
        print(
            f"datamesh catalog: {build:.1f} s, {build / baseline:.2f}x the baseline; "
            f"target <= 30 s: {'met' if build <= 30 else 'NOT met'}"
        )
        print(
            f"overview in Chromium: loaded {loaded:.2f} s, search answered ({answers} shown) "
            f"{answered:.2f} s after navigation; target <= 2 s: "
            f"{'met' if answered <= 2 else 'NOT met'}; it loads {overview / 2**20:.1f} MiB"
        )


if __name__ == "__main__":
    main()
