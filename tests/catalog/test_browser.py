"""The catalog in headless Chromium, as a person uses it: overview -> product -> port ->
lineage -> the declared dashboard, switching tenants and filters; what they would check,
and no console errors."""

from __future__ import annotations

import json
from pathlib import Path

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from model import load_mesh
from tests.catalog.conftest import console_errors, screenshot
from tests.helpers import PRODUCTS
from tools.catalog.port_details import nested_columns

CO2 = "co2-per-room-hourly"


def _wait(driver, condition, seconds: float = 20):  # type: ignore[no-untyped-def]
    return WebDriverWait(driver, seconds).until(condition)


def _own_rows(run: Path, tenant: str, port: str) -> int:
    report = json.loads((run / "report.json").read_text())
    cell = next(
        i
        for i in report["isolation"]
        if i["principal"] == tenant and i["product"] == "iot-analytics" and i["port"] == port
    )
    return int(cell["own_rows"])


def test_overview_to_dashboard(browser, site: Path, local_run: Path) -> None:  # type: ignore[no-untyped-def]
    mesh = load_mesh(PRODUCTS)
    driver = browser
    driver.get((site / "index.html").as_uri())
    assert driver.find_element(By.TAG_NAME, "h1").text == "Data products of stack iot-prod"
    names = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "table.products th a")]
    assert sorted(names) == sorted(
        mesh[p].spec.name
        for p in mesh.closure(
            ["iot-metadata", "iot-actions-taken", "iot-telemetry", "iot-analytics"]
        )
    )
    graph = driver.find_element(By.ID, "mesh-graph")
    driver.execute_script("arguments[0].scrollIntoView()", graph)  # drawn when in view
    _wait(
        driver,
        lambda d: d.execute_script("return !!document.querySelector('#mesh-graph .main-svg')"),
    )
    screenshot(driver, "1-overview")
    # nodes grouped by domain, edges with arrowheads; a click on a node opens its page
    groups = driver.execute_script(
        "return document.getElementById('mesh-graph').data.slice(1).map(t => t.name)"
    )
    assert sorted(groups) == sorted({f"domain {mesh[p].spec.domain}" for p in mesh.products})
    assert (
        driver.execute_script("return document.getElementById('mesh-graph').data[0].marker.symbol")
        == "arrow"
    )
    nodes = driver.find_elements(
        By.CSS_SELECTOR, "#mesh-graph .scatterlayer .trace:nth-of-type(2) .points path"
    )
    assert nodes
    ActionChains(driver).move_to_element(nodes[0]).pause(0.3).click().perform()
    _wait(driver, lambda d: "/products/" in d.current_url)
    assert driver.find_element(By.TAG_NAME, "h1").text in names
    driver.back()
    _wait(driver, lambda d: d.find_elements(By.ID, "search"))
    assert console_errors(driver) == []

    # search answers over columns, filtered to columns
    Select(driver.find_element(By.ID, "kind")).select_by_value("column")
    box = driver.find_element(By.ID, "search")
    box.send_keys("avg_co2")
    read = "return Array.from(document.querySelectorAll('#results li')).map(li => li.textContent)"
    hits = _wait(
        driver,
        lambda d: (lambda h: h if h and all("avg_co2" in x for x in h) else None)(
            d.execute_script(read)
        ),
    )
    assert all("avg_co2_ppm" in h for h in hits)
    assert any("iot-analytics.co2-per-room-hourly.avg_co2_ppm" in h for h in hits)
    screenshot(driver, "2-search")

    # overview -> product
    driver.find_element(By.LINK_TEXT, "IoT analytics").click()
    _wait(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == "IoT analytics")
    contract = mesh["iot-analytics"].contracts[CO2]
    port = driver.find_element(By.ID, f"port-{CO2}")
    shown = [c.text for c in port.find_elements(By.CSS_SELECTOR, "table.columns tbody th code")]
    assert shown == [f.name for f in nested_columns(contract.fields)]  # records' fields too
    assert "actions.category" in shown
    assert "tenant_id" in port.text
    assert f"contract {contract.version}" in port.text
    # its data profile, and sample rows as each tenant reads them
    assert "Data profile (local run)" in port.text
    for tenant in ("globex", "acme"):
        Select(driver.find_element(By.ID, f"samples-{CO2}-tenant")).select_by_value(tenant)
        shown_tenants = driver.execute_script(
            f"return Array.from(document.querySelectorAll('#samples-{CO2} tbody:not([hidden]) tr'))"
            ".map(tr => tr.cells[0].textContent)"
        )
        assert shown_tenants
        assert set(shown_tenants) == {tenant}
    assert "tenant-acme-readers@example.com" in port.text
    screenshot(driver, "3-product")
    assert console_errors(driver) == []

    # product -> port (an input port links to its producer's port)
    driver.find_element(By.LINK_TEXT, "iot-telemetry.metrics").click()
    _wait(driver, lambda d: d.current_url.endswith("iot-telemetry.html#port-metrics"))
    assert driver.find_element(By.ID, "port-metrics").is_displayed()
    driver.back()
    _wait(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == "IoT analytics")

    # port -> lineage
    driver.find_element(
        By.PARTIAL_LINK_TEXT, f"Column-level lineage of iot-analytics.{CO2}"
    ).click()
    _wait(driver, lambda d: "Column lineage" in d.find_element(By.TAG_NAME, "h1").text)
    row = driver.find_element(By.ID, "column-avg_co2_ppm")
    assert "iot-telemetry.metrics.value" in row.text
    assert "iot-telemetry input device-events.metrics.value" in row.text  # across products
    _wait(
        driver,
        lambda d: d.execute_script("return !!document.querySelector('#column-graph .main-svg')"),
    )
    screenshot(driver, "4-lineage")
    assert console_errors(driver) == []
    row.find_element(By.LINK_TEXT, "iot-telemetry.metrics.value").click()
    _wait(driver, lambda d: d.current_url.endswith("iot-telemetry--metrics.html#column-value"))
    assert driver.find_element(By.ID, "column-value").is_displayed()

    # -> the dashboard iot-analytics declares, tenant by tenant
    driver.find_element(By.LINK_TEXT, "Dashboards").click()
    driver.find_element(By.LINK_TEXT, "Indoor climate").click()
    _wait(driver, lambda d: d.find_element(By.TAG_NAME, "h1").text == "Indoor climate")
    for tenant in ("globex", "acme", "initech"):
        Select(driver.find_element(By.ID, "tenant")).select_by_value(tenant)
        _wait(
            driver,
            lambda d, t=tenant: (
                d.find_element(By.TAG_NAME, "body").get_attribute("data-tenant") == t
            ),
        )
        _wait(
            driver,
            lambda d: d.execute_script("return !!document.querySelector('#chart-0 .main-svg')"),
        )
        traces = _traces(driver, "chart-0")
        lines = [t for t in traces if t["name"] != "action taken"]
        assert {o for t in traces for o in t["tenants"]} == {tenant}
        assert sum(t["n"] for t in lines) == _own_rows(local_run, tenant, CO2)
        assert any(t["name"] == "action taken" and t["n"] for t in traces)  # markers drawn
        for chart in ("chart-3", "chart-4"):  # temperature, humidity per building
            assert {o for t in _traces(driver, chart) for o in t["tenants"]} == {tenant}
        table_rows = driver.execute_script(
            "return document.querySelectorAll('#chart-2 tbody tr').length"
        )
        assert table_rows == min(200, _own_rows(local_run, tenant, "action-effects"))
        names = [o.text for o in Select(driver.find_element(By.ID, "tenant")).options]
        assert any(n.endswith(f"({tenant})") and n != f"({tenant})" for n in names)  # tenant names
        screenshot(driver, f"5-dashboard-{tenant}")
    # the building filter keeps one building's lines and markers
    building = (
        Select(driver.find_element(By.ID, "filter-building")).options[1].get_attribute("value")
    )
    Select(driver.find_element(By.ID, "filter-building")).select_by_value(building)
    _wait(
        driver,
        lambda d: all(
            t["name"].startswith(building) or t["name"] == "action taken"
            for t in _traces(d, "chart-0")
        ),
    )
    markers = driver.execute_script(
        "return document.getElementById('chart-0').data"
        ".filter(t => t.name === 'action taken')[0].text"
    )
    assert markers
    assert all(m.startswith(building) for m in markers)
    assert console_errors(driver) == []


def _traces(driver, chart: str) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    return driver.execute_script(  # type: ignore[no-any-return]
        f"return document.getElementById('{chart}').data.map("
        "t => ({name: t.name, tenants: (t.customdata || []).filter(c => c !== null),"
        " n: (t.x || []).length}))"
    )


def test_keyboard_and_contrast(browser, site: Path) -> None:  # type: ignore[no-untyped-def]
    driver = browser
    driver.get((site / "index.html").as_uri())
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    focused = driver.switch_to.active_element
    assert focused.text == "Skip to content"
    focused.send_keys(Keys.ENTER)
    assert driver.switch_to.active_element.get_attribute("id") == "main"
    for _ in range(30):  # the search box is reachable by keyboard
        driver.switch_to.active_element.send_keys(Keys.TAB)
        if driver.switch_to.active_element.get_attribute("id") == "search":
            break
    assert driver.switch_to.active_element.get_attribute("id") == "search"
    ratios = driver.execute_script(
        """
        function lum(c) {
          const v = c.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number).map(x => {
            x /= 255; return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4); });
          return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
        }
        function bg(el) {
          while (el) { const b = getComputedStyle(el).backgroundColor;
            if (b && !b.startsWith('rgba(0, 0, 0, 0)') && b !== 'transparent') return b;
            el = el.parentElement; }
          return 'rgb(255, 255, 255)';
        }
        return Array.from(document.querySelectorAll('h1, p, a, th, td, label')).slice(0, 400)
          .filter(el => el.offsetParent !== null && el.textContent.trim())
          .map(el => { const a = lum(getComputedStyle(el).color), b = lum(bg(el));
                       return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05); });
        """
    )
    assert ratios
    assert min(ratios) >= 4.5, min(ratios)


def test_without_a_run_the_pages_say_so(browser, site_without_run: Path) -> None:  # type: ignore[no-untyped-def]
    driver = browser
    driver.get((site_without_run / "index.html").as_uri())
    assert "No run data is shown" in driver.find_element(By.ID, "no-run").text
    driver.get((site_without_run / "dashboards" / "index.html").as_uri())
    assert "No run data is shown" in driver.find_element(By.ID, "no-run").text
    assert "none was given" in driver.find_element(By.ID, "boards-need-run").text
    assert driver.find_elements(By.LINK_TEXT, "Indoor climate") == []
    assert not (site_without_run / "dashboards" / "iot-analytics--indoor-climate.html").exists()
    driver.get((site_without_run / "products" / "iot-telemetry.html").as_uri())
    assert "Rows (local run)" not in driver.page_source
    assert console_errors(driver) == []
    screenshot(driver, "6-no-run-product")


def test_no_page_scrolls_sideways_on_a_phone(browser, site: Path) -> None:  # type: ignore[no-untyped-def]
    driver = browser
    driver.set_window_size(390, 844)
    try:
        pages = [
            "index.html",
            "products/iot-analytics.html",
            "products/iot-telemetry.html",
            f"lineage/iot-analytics--{CO2}.html",
            "dashboards/index.html",
            "dashboards/iot-analytics--indoor-climate.html",
        ]
        for page in pages:
            driver.get((site / page).as_uri())
            _wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")
            if "dashboards/iot" in page:
                _wait(
                    driver,
                    lambda d: d.execute_script(
                        "return !!document.querySelector('#chart-0 .main-svg')"
                    ),
                )
            wide = driver.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert wide <= 0, (page, wide)
        screenshot(driver, "7-dashboard-phone")
    finally:
        driver.set_window_size(1280, 1000)
