"""A local run of iot-prod and the catalog built from it (and one built without it), and
headless Chromium (Debian's chromium and chromedriver, which `make test` installs)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from typer.testing import CliRunner

from tests.helpers import REPO
from tools.cli import app

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOTS = REPO / "out" / "catalog-screenshots"  # for review; out/ is not committed


def datamesh(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="session")
def local_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local") / "iot-prod"
    code, stdout, stderr = datamesh(
        "local",
        "--project-dir",
        str(REPO),
        "--stack",
        "iot-prod",
        "--scale",
        "30",
        "--out",
        str(out),
    )
    assert code == 0, stdout + stderr
    return out


@pytest.fixture(scope="session")
def site(local_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "iot-prod"
    code, stdout, stderr = datamesh(
        "catalog",
        "--project-dir",
        str(REPO),
        "--stack",
        "iot-prod",
        "--local",
        str(local_run),
        "--out",
        str(out),
    )
    assert code == 0, stdout + stderr
    assert out.as_uri() in stdout
    return out


@pytest.fixture(scope="session")
def site_without_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site-no-run") / "iot-prod"
    code, stdout, stderr = datamesh(
        "catalog", "--project-dir", str(REPO), "--stack", "iot-prod", "--out", str(out)
    )
    assert code == 0, stdout + stderr
    return out


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail(
            "Debian's chromium and chromium-driver are needed: `make test` installs them "
            "(apt-get install chromium chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1600",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: webdriver.Chrome) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def screenshot(driver: webdriver.Chrome, name: str) -> None:
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def copy_run(run: Path, target: Path) -> Path:
    shutil.copytree(run, target)
    return target
