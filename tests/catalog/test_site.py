"""The built site, read as files: every page well-formed for people and tools (one h1,
landmarks, labelled controls), every link resolving, nothing fetched from the network,
and bad input refused with `file: field: message`."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import pytest

from tests.catalog.conftest import copy_run, datamesh
from tests.helpers import REPO


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.sources: list[str] = []
        self.controls: list[str] = []
        self.labels: set[str] = set()
        self.roles_img_unlabelled = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag in {"script", "img", "link"} and (a.get("src") or a.get("href")):
            self.sources.append(str(a.get("src") or a.get("href")))
        if tag in {"input", "select", "textarea"}:
            self.controls.append(str(a.get("id")))
        if tag == "label" and a.get("for"):
            self.labels.add(str(a["for"]))
        if a.get("role") == "img" and not a.get("aria-label"):
            self.roles_img_unlabelled += 1


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


@pytest.mark.parametrize("which", ["site", "site_without_run"])
def test_every_page_is_accessible_and_every_link_resolves(
    which: str, request: pytest.FixtureRequest
) -> None:
    site: Path = request.getfixturevalue(which)
    pages = _pages(site)
    assert len(pages) > 10
    parsed = {p: _parse(p) for p in pages}
    for path, page in parsed.items():
        where = path.relative_to(site)
        assert page.tags.count("h1") == 1, where
        for landmark in ("header", "nav", "main", "footer"):
            assert landmark in page.tags, (where, landmark)
        assert set(page.controls) <= page.labels, (where, page.controls)
        assert page.roles_img_unlabelled == 0, where
        for source in page.sources:  # every asset bundled: nothing from the network
            assert not urlparse(source).scheme.startswith("http"), (where, source)
            if not source.startswith("data:"):
                assert (path.parent / source).resolve().exists(), (where, source)
        for link in page.links:
            url = urlparse(link)
            if url.scheme in {"mailto", "http", "https"}:
                continue
            target = (path.parent / unquote(url.path)).resolve() if url.path else path
            assert target.exists(), (where, link)
            if url.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                assert url.fragment in ids, (where, link)


def test_scripts_reference_no_network(site: Path) -> None:
    for js in (site / "assets").glob("site.js"):
        text = js.read_text()
        assert "http://" not in text
        assert "https://" not in text
        assert "fetch(" not in text


def test_user_text_cannot_break_out_of_a_script(site: Path) -> None:
    for page in _pages(site):
        text = page.read_text()
        inline = text.split("<script>")[1:]
        for chunk in inline:
            assert "</script" not in chunk.split("</script>")[0].lower()


def test_search_index_lists_products_ports_and_columns(site: Path) -> None:
    text = (site / "data" / "index.js").read_text()
    entries = json.loads(text.split("=", 1)[1].rstrip().rstrip(";"))
    kinds = {e["k"] for e in entries}
    assert kinds == {"product", "port", "column"}
    assert {"k": "port", "p": "iot-telemetry", "n": "metrics"}.items() <= next(
        e for e in entries if e["k"] == "port" and e["n"] == "metrics"
    ).items()


def test_dashboard_data_holds_only_each_tenants_rows(site: Path) -> None:
    for tenant in ("acme", "globex", "initech"):
        text = (site / "data" / f"board--iot-analytics--indoor-climate--{tenant}.js").read_text()
        value = json.loads(text.rsplit("] = ", 1)[1].rstrip().rstrip(";"))
        owners = set()
        for chart in value["charts"]:
            owners |= set(chart["columns"]["tenant_id"])
            owners |= set(chart.get("markers", {}).get("columns", {}).get("tenant_id", []))
        assert owners == {tenant}
        assert all(chart["rows"] for chart in value["charts"])  # nothing proven on nothing


# ---- bad input ---------------------------------------------------------------------------


def _catalog(*args: str) -> tuple[int, str, str]:
    return datamesh("catalog", "--project-dir", str(REPO), *args)


def test_unknown_stack(tmp_path: Path) -> None:
    code, _, err = _catalog("--stack", "nope", "--out", str(tmp_path / "s"))
    assert code == 2
    assert err.strip().endswith("Pulumi.nope.yaml: (file): stack 'nope' has no config file")
    assert "Traceback" not in err


def test_local_folder_without_report(tmp_path: Path) -> None:
    (tmp_path / "run").mkdir()
    code, _, err = _catalog(
        "--stack", "iot-prod", "--local", str(tmp_path / "run"), "--out", str(tmp_path / "s")
    )
    assert code == 2
    assert "report.json: (file): missing: no local run here" in err


def test_report_of_another_stack(local_run: Path, tmp_path: Path) -> None:
    code, _, err = _catalog(
        "--stack", "iot-dev", "--local", str(local_run), "--out", str(tmp_path / "s")
    )
    assert code == 2
    assert "report.json: stack: is a run of 'iot-prod', not of 'iot-dev'" in err


def test_report_of_an_older_mesh(local_run: Path, tmp_path: Path) -> None:
    run = copy_run(local_run, tmp_path / "run")
    report = json.loads((run / "report.json").read_text())
    report["meshDigest"] = "0" * 64  # made before a spec changed
    (run / "report.json").write_text(json.dumps(report))
    code, _, err = _catalog(
        "--stack", "iot-prod", "--local", str(run), "--out", str(tmp_path / "s")
    )
    assert code == 2
    assert "report.json: meshDigest: the run was made from another version" in err
    assert not (tmp_path / "s").exists()  # nothing written before the inputs are checked


def test_report_of_an_older_datamesh(local_run: Path, tmp_path: Path) -> None:
    run = copy_run(local_run, tmp_path / "run")
    report = json.loads((run / "report.json").read_text())
    report["version"] = 1
    (run / "report.json").write_text(json.dumps(report))
    code, _, err = _catalog(
        "--stack", "iot-prod", "--local", str(run), "--out", str(tmp_path / "s")
    )
    assert code == 2
    assert "report.json: version: 1: made by another datamesh" in err


def test_out_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "site"
    target.write_text("not a folder")
    code, _, err = _catalog("--stack", "iot-prod", "--out", str(target))
    assert code == 2
    assert err.strip() == f"command line: --out: {target} is a file, not a folder"


def test_out_with_other_files_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "docs"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    code, _, err = _catalog("--stack", "iot-prod", "--out", str(target))
    assert code == 2
    assert "holds other files and no earlier catalog" in err
    assert (target / "notes.txt").read_text() == "mine"


def test_rebuild_leaves_no_stale_pages(tmp_path: Path) -> None:
    target = tmp_path / "site"
    assert _catalog("--stack", "iot-prod", "--out", str(target))[0] == 0
    (target / "products" / "gone.html").write_text("a product removed since")
    assert _catalog("--stack", "crm-prod", "--out", str(target))[0] == 0
    assert not (target / "products" / "gone.html").exists()
    assert sorted(p.name for p in (target / "products").iterdir()) == ["customers.html"]
    assert not (target / "dashboards" / "iot-analytics--indoor-climate.html").exists()


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r.update(rows=[1, 2]), "report.json: rows: must be a dict"),
        (lambda r: r["rows"].update(x="many"), "report.json: rows.x: must be a row count"),
        (
            lambda r: r["freshness"].update(x="yesterday"),
            "report.json: freshness.x: 'yesterday' is not a time",
        ),
        (
            lambda r: r.update(clock="2026-11-25T00:00"),
            "report.json: clock: '2026-11-25T00:00' has no time zone",
        ),
        (lambda r: r.update(checks=["passed"]), "report.json: checks[0]: must be an object"),
        (lambda r: r.update(products="all"), "report.json: products: names products"),
    ],
)
def test_report_of_the_wrong_shape(
    change: Any, expected: str, local_run: Path, tmp_path: Path
) -> None:
    run = copy_run(local_run, tmp_path / "run")
    report = json.loads((run / "report.json").read_text())
    change(report)
    (run / "report.json").write_text(json.dumps(report))
    code, _, err = _catalog(
        "--stack", "iot-prod", "--local", str(run), "--out", str(tmp_path / "s")
    )
    assert code == 2, err
    assert expected in err
    assert "Traceback" not in err


def test_database_that_is_not_a_run(local_run: Path, tmp_path: Path) -> None:
    run = copy_run(local_run, tmp_path / "run")
    (run / "mesh.duckdb").write_bytes(b"not a database")
    target = tmp_path / "s"
    code, _, err = _catalog("--stack", "iot-prod", "--local", str(run), "--out", str(target))
    assert code == 2, err
    assert "mesh.duckdb: (file): not a readable DuckDB database" in err
    assert not target.exists()  # nothing half-written


def test_health_of_the_deployed_stack_is_shown_and_labelled(tmp_path: Path) -> None:
    results = tmp_path / "checks.json"
    results.write_text(
        json.dumps(
            [
                {"product": "customers", "port": "customers", "check": "schema", "passed": True},
                {"product": "customers", "port": "customers", "check": "fresh", "passed": False},
            ]
        )
    )
    out = tmp_path / "site"
    code, _, err = _catalog("--stack", "crm-prod", "--checks", str(results), "--out", str(out))
    assert code == 0, err
    page = (out / "products" / "customers.html").read_text()
    assert "1 of 2 checks passed; failed: customers: fresh" in page
    assert "the deployed stack (datamesh check)" in page
    results.write_text(json.dumps([{"product": "nope", "port": "x", "check": "c", "passed": True}]))
    code, _, err = _catalog("--stack", "crm-prod", "--checks", str(results), "--out", str(out))
    assert code == 2
    assert "checks.json: [0].product: unknown product 'nope'" in err
