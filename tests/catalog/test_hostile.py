"""Hostile text in every field the catalog shows, from specs and from data: a building
name, an action typed into a sheet, a customer's name, a product's name, a dashboard's
title and a reference line's label, each holding markup Plotly or the page would read
(a link, bold, an image with a handler, a script). In Chromium: everything shows as
text, no link to the attacker's site exists, no script ran."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.catalog.conftest import console_errors, datamesh
from tests.helpers import REPO, edit_yaml, replace_in

LINK = '<a href="https://evil.example/">{}</a>'
IMG = '<img src=x onerror="window.PWNED=1">'
SCRIPT = "<script>window.PWNED=2</script>"
FOUND = "evil.example"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    for name in ("Pulumi.yaml", "Pulumi.iot-prod.yaml", "Pulumi.crm-prod.yaml"):
        shutil.copy(REPO / name, root / name)
    shutil.copytree(
        REPO / "products", root / "products", ignore=shutil.ignore_patterns("__pycache__")
    )
    p = root / "products"
    replace_in(
        "iot-metadata/local/placements-sheet.py",
        '"building": f"{tenant}-{site}",',
        f"\"building\": f'{LINK.format('{tenant}')} <b>{{site}}</b> {IMG}',",
    )(p)
    replace_in(
        "iot-metadata/local/placements-sheet.py",
        '"building": f"{other}-{site}"',
        f"\"building\": f'{LINK.format('{other}')} <b>{{site}}</b> {IMG}'",
    )(p)
    replace_in(
        "iot-actions-taken/local/logbook-sheet.py",
        '"action": "opened the windows",',
        f"\"action\": '{LINK.format('opened')} the <b>window</b> {SCRIPT}',",
    )(p)
    replace_in(
        "customers/local/crm-db.py",
        '"legal_name": f"{tenant.title()} Ltd",',
        f"\"legal_name\": f'<b>{{tenant}}</b> {SCRIPT}',",
    )(p)

    def hostile(spec: dict[str, Any]) -> None:
        spec["name"] = f"IoT {LINK.format('analytics')} {SCRIPT}"
        board = spec["dashboards"][0]
        board["title"] = f"Indoor <b>climate</b> {IMG}"
        board["charts"][0]["reference_lines"][0]["label"] = LINK.format("1000 ppm")
        board["charts"][0]["title"] = f"CO2 {SCRIPT}"

    edit_yaml(p / "iot-analytics" / "product.yaml", hostile)
    run, site = root / "run", root / "site"
    for args in (
        ("local", "--stack", "iot-prod", "--scale", "8", "--out", str(run)),
        ("catalog", "--stack", "iot-prod", "--local", str(run), "--out", str(site)),
    ):
        code, out, err = datamesh(*args, "--project-dir", str(root))
        assert code == 0, out + err
    return site


def _no_markup_ran(driver) -> None:  # type: ignore[no-untyped-def]
    assert driver.execute_script("return window.PWNED === undefined")
    links = driver.execute_script(
        "return Array.from(document.querySelectorAll('a')).map(a => a.getAttribute('href') || "
        "a.getAttribute('xlink:href') || '')"
    )
    assert not [h for h in links if FOUND in h]
    assert driver.execute_script("return document.querySelectorAll('img, b').length") == 0
    bold = driver.execute_script(
        "return Array.from(document.querySelectorAll('.js-plotly-plot tspan'))"
        ".filter(t => (t.getAttribute('style') || '').includes('bold')).length"
    )
    assert bold == 0
    assert console_errors(driver) == []


def test_dashboard_shows_hostile_text_as_text(browser, hostile_site: Path) -> None:  # type: ignore[no-untyped-def]
    driver = browser
    driver.get((hostile_site / "dashboards" / "iot-analytics--indoor-climate.html").as_uri())
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script("return !!document.querySelector('#chart-0 .main-svg')")
    )
    svg_text = driver.execute_script(
        "return Array.from(document.querySelectorAll('.js-plotly-plot'))"
        ".map(p => p.textContent).join(' ')"
    )
    assert "<b>hq</b>" in svg_text  # the building name, in the legend, as written
    assert '<a href="https://evil.example/">1000 ppm</a>' in svg_text  # the reference line
    page = driver.find_element(By.TAG_NAME, "body").text
    assert "Indoor <b>climate</b>" in page
    assert "the <b>window</b>" in page  # the action, in the table
    options = driver.execute_script(
        "return Array.from(document.querySelectorAll('#tenant option, #filter-building option'))"
        ".map(o => o.textContent)"
    )
    assert any("<script>" in o for o in options)  # the tenant's name
    assert any("<b>hq</b>" in o for o in options)  # the building filter
    _no_markup_ran(driver)


@pytest.mark.parametrize(
    "page",
    [
        "index.html",
        "products/iot-analytics.html",
        "products/iot-metadata.html",
        "lineage/iot-analytics--co2-per-room-hourly.html",
        "dashboards/index.html",
    ],
)
def test_other_pages_show_hostile_text_as_text(browser, hostile_site: Path, page: str) -> None:  # type: ignore[no-untyped-def]
    driver = browser
    driver.get((hostile_site / page).as_uri())
    if "lineage" in page or page == "index.html":
        graph = "column-graph" if "lineage" in page else "mesh-graph"
        driver.execute_script(f"document.getElementById('{graph}').scrollIntoView()")
        WebDriverWait(driver, 20).until(
            lambda d: d.execute_script(f"return !!document.querySelector('#{graph} .main-svg')")
        )
    _no_markup_ran(driver)
