"""Flex Template packaging agrees with the component and with the tests' environment."""

from __future__ import annotations

import json
import re
import tomllib

from apache_beam.options.pipeline_options import PipelineOptions
from telemetry_pipeline.options import TelemetryOptions

from tests.helpers import REPO
from tests.pipeline.conftest import PIPELINE_DIR
from tools.plan.runner import plan_with_references

METADATA = json.loads((PIPELINE_DIR / "metadata.json").read_text())


def test_every_parameter_is_described_and_validated() -> None:
    for p in METADATA["parameters"]:
        assert p["label"], p["name"]
        assert len(p["helpText"]) > 10, p["name"]
        assert p["regexes"], p["name"]
        re.compile(p["regexes"][0])


def test_metadata_parameters_are_the_pipeline_options() -> None:
    args = {
        f"--{p['name']}=x" for p in METADATA["parameters"] if p["name"] != "tenant_refresh_minutes"
    }
    opts = PipelineOptions([*sorted(args), "--tenant_refresh_minutes=5"]).view_as(TelemetryOptions)
    for p in METADATA["parameters"]:
        assert getattr(opts, p["name"]) is not None, p["name"]


def test_component_passes_exactly_valid_declared_parameters() -> None:
    run = plan_with_references(REPO, "iot-prod")
    job = run.named("iot-telemetry-transform-job").inputs
    declared = {p["name"]: p for p in METADATA["parameters"]}
    required = {n for n, p in declared.items() if not p.get("isOptional")}
    assert required <= set(job["parameters"])
    for name, value in job["parameters"].items():
        assert name in declared, name
        assert re.fullmatch(declared[name]["regexes"][0], value), (name, value)
    spec = json.loads(run.named("iot-telemetry-transform-template-spec").inputs["content"])
    assert spec["metadata"] == METADATA
    assert spec["sdkInfo"] == {"language": "PYTHON"}


def test_dockerfile_and_pinned_requirements() -> None:
    docker = (PIPELINE_DIR / "Dockerfile").read_text()
    assert "python311-template-launcher-base" in docker
    for env in (
        "FLEX_TEMPLATE_PYTHON_PY_FILE",
        "FLEX_TEMPLATE_PYTHON_REQUIREMENTS_FILE",
        "FLEX_TEMPLATE_PYTHON_SETUP_FILE",
    ):
        assert env in docker
    pins = dict(
        line.split("==")
        for line in (PIPELINE_DIR / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    assert set(pins) == {"apache-beam[gcp]", "msgspec", "google-cloud-bigquery"}
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    extras = " ".join(project["project"]["optional-dependencies"]["pipeline"])
    assert "apache-beam[gcp]>=2.60,<2.76" in extras  # the image's 2.75 is inside the tested range
    assert pins["apache-beam[gcp]"].startswith("2.7")


def test_dockerfile_predownloads_exactly_the_requirements() -> None:
    """The image installs and pre-downloads the same requirements file the launcher
    stages (Google's Flex Template guidance), then stops pip from resolving again."""
    text = (PIPELINE_DIR / "Dockerfile").read_text()
    joined = " ".join(line.rstrip("\\").strip() for line in text.splitlines())
    env = dict(re.findall(r'ENV (\w+)="?([^"\s]+)"?', text))
    assert env["FLEX_TEMPLATE_PYTHON_REQUIREMENTS_FILE"] == "${WORKDIR}/requirements.txt"
    assert "COPY requirements.txt" in text
    requirements = '-r "${FLEX_TEMPLATE_PYTHON_REQUIREMENTS_FILE}"'
    install = joined.index(f"pip install --no-cache-dir {requirements}")
    download = joined.index(
        f"pip download --no-cache-dir --dest /tmp/dataflow-requirements-cache {requirements}"
    )
    assert install < download < joined.index("ENV PIP_NO_DEPS=True")
    lines = [
        line.strip()
        for line in (PIPELINE_DIR / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[0-9][\w.]*", line) for line in lines), lines
