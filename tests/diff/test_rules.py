"""Each rule of `datamesh diff`'s table, on a real git repository: a change in the
working tree against `main`, the rule it must raise, and the exit code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from model.evolution import RULES
from tests.diff.conftest import Run, commit, deployed_reader
from tests.helpers import REPO, edit_yaml, replace_in, set_in

T = "products/iot-telemetry"
A = "products/iot-analytics"
METRICS = f"{T}/contracts/metrics.odcs.yaml"
CO2 = f"{A}/contracts/co2-per-room-hourly.odcs.yaml"
CO2_PORT = "co2-per-room-hourly"


def _props(d: dict[str, Any]) -> list[dict[str, Any]]:
    return d["schema"][0]["properties"]


def _prop(d: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in _props(d) if p["name"] == name)


def _port(d: dict[str, Any], name: str) -> dict[str, Any]:
    return next(p for p in d["output_ports"] if p["name"] == name)


def _version(v: str) -> Callable[[dict[str, Any]], None]:
    def set_version(d: dict[str, Any]) -> None:
        d["version"] = v

    return set_version


Edit = Callable[[Path], None]


def contract(rel: str, *changes: Callable[[dict[str, Any]], None]) -> Edit:
    def edit(repo: Path) -> None:
        for change in changes:
            edit_yaml(repo / rel, change)

    return edit


def spec(rel: str, change: Callable[[dict[str, Any]], None]) -> Edit:
    return lambda repo: edit_yaml(repo / rel / "product.yaml", change)


def text(rel: str, old: str, new: str) -> Edit:
    return replace_in(rel, old, new, count=1)


def _each(*edits: Edit) -> Edit:
    def edit(repo: Path) -> None:
        for one in edits:
            one(repo)

    return edit


def _rename_column(d: dict[str, Any]) -> None:
    _prop(d, "unit")["name"] = "value_unit"


def _lineage(change: Callable[[dict[str, Any]], None]) -> Edit:
    return spec(T, lambda d: change(d["transformation"]["lineage"]))


def _drop_unit(repo: Path, *more: Callable[[dict[str, Any]], None]) -> None:
    """metrics without `unit`, as its contract and the pipeline's lineage say."""
    contract(METRICS, lambda d: _props(d).remove(_prop(d, "unit")), *more)(repo)
    _lineage(lambda lineage: lineage.pop("unit"))(repo)


def _rename_unit(repo: Path) -> None:
    contract(METRICS, _rename_column)(repo)
    _lineage(lambda lineage: lineage.update(value_unit=lineage.pop("unit")))(repo)


def _remove_port(repo: Path, port: str) -> None:
    def change(d: dict[str, Any]) -> None:
        d["output_ports"].remove(_port(d, port))
        queries = d["transformation"]["queries"]
        queries.remove(next(q for q in queries if q["destination_port"] == port))

    spec("products/iot-metadata", change)(repo)


def _add_column(required: bool) -> Callable[[dict[str, Any]], None]:
    def add(d: dict[str, Any]) -> None:
        _props(d).append(
            {"name": "firmware", "logicalType": "string", "description": "Firmware version."}
            | ({"required": True} if required else {})
        )

    return add


def _swap(d: dict[str, Any]) -> None:
    p = _props(d)
    p[0], p[1] = p[1], p[0]


def _sla(prop: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        if value is None:
            d["slaProperties"] = [s for s in d["slaProperties"] if s["property"] != prop]
        elif any(s["property"] == prop for s in d["slaProperties"]):
            next(s for s in d["slaProperties"] if s["property"] == prop)["value"] = value
        else:
            d["slaProperties"].append({"property": prop, "value": value, "unit": "m"})

    return change


def _metrics_port(change: Callable[[dict[str, Any]], None]) -> Edit:
    return spec(T, lambda d: change(_port(d, "metrics")))


def _physical(d: dict[str, Any]) -> None:
    _port(d, "metrics")["physical_name"] = "readings_v1"


# rule -> (edit of the working tree, exit code, (product, port, column) the change names)
CASES: dict[str, tuple[Edit, int, tuple[str, str, str]]] = {
    "column-removed": (
        _drop_unit,
        1,
        ("iot-telemetry", "metrics", "unit"),
    ),
    "column-renamed": (_rename_unit, 1, ("iot-telemetry", "metrics", "unit")),
    "column-added": (
        lambda repo: _with_lineage(repo, contract(METRICS, _add_column(False), _version("1.1.0"))),
        0,
        ("iot-telemetry", "metrics", "firmware"),
    ),
    "required-column-added": (
        lambda repo: _with_lineage(repo, contract(METRICS, _add_column(True), _version("1.1.0"))),
        1,
        ("iot-telemetry", "metrics", "firmware"),
    ),
    "column-type-changed": (
        contract(METRICS, lambda d: _prop(d, "value").update(physicalType="NUMERIC")),
        1,
        ("iot-telemetry", "metrics", "value"),
    ),
    "column-mode-tightened": (
        contract(CO2, lambda d: _prop(d, "building").update(required=True)),
        1,
        ("iot-analytics", "co2-per-room-hourly", "building"),
    ),
    "column-mode-relaxed": (
        contract(METRICS, lambda d: _prop(d, "unit").update(required=False), _version("1.0.1")),
        0,
        ("iot-telemetry", "metrics", "unit"),
    ),
    "column-mode-relaxed-into-required": (
        contract(METRICS, lambda d: _prop(d, "device_id").update(required=False)),
        1,
        ("iot-telemetry", "metrics", "device_id"),
    ),
    "column-classification-changed": (
        contract(
            METRICS,
            lambda d: _prop(d, "device_id").update(classification="confidential"),
            _version("1.0.1"),
        ),
        0,
        ("iot-telemetry", "metrics", "device_id"),
    ),
    "column-order-changed": (
        contract(METRICS, _swap, _version("1.0.1")),
        0,
        ("iot-telemetry", "metrics", ""),
    ),
    "quality-rule-removed": (
        contract(METRICS, lambda d: _prop(d, "device_id").pop("quality")),
        1,
        ("iot-telemetry", "metrics", "device_id"),
    ),
    "quality-rule-added": (
        contract(
            METRICS,
            lambda d: _prop(d, "unit").update(
                quality=[{"type": "library", "metric": "nullValues", "mustBe": 0}]
            ),
            _version("1.1.0"),
        ),
        0,
        ("iot-telemetry", "metrics", "unit"),
    ),
    "sla-loosened": (contract(METRICS, _sla("freshness", 60)), 1, ("iot-telemetry", "metrics", "")),
    "sla-tightened": (
        contract(METRICS, _sla("freshness", 10), _version("1.1.0")),
        0,
        ("iot-telemetry", "metrics", ""),
    ),
    "sla-removed": (
        contract(METRICS, _sla("availability", None)),
        1,
        ("iot-telemetry", "metrics", ""),
    ),
    "sla-added": (
        contract(METRICS, _sla("latency", 5), _version("1.1.0")),
        0,
        ("iot-telemetry", "metrics", ""),
    ),
    "physical-name-changed": (
        lambda repo: (
            spec(T, _physical)(repo),
            contract(METRICS, lambda d: d["schema"][0].update(physicalName="readings_v1"))(repo),
        ),
        1,
        ("iot-telemetry", "metrics", ""),
    ),
    "partitioning-changed": (
        _metrics_port(lambda p: p["partitioning"].update(type="HOUR")),
        1,
        ("iot-telemetry", "metrics", ""),
    ),
    "partition-expiration-shortened": (
        _metrics_port(lambda p: p["partitioning"].update(expiration_days=300)),
        1,
        ("iot-telemetry", "metrics", ""),
    ),
    "dataset-changed": (
        spec(T, set_in("domain", value="devices")),
        1,
        ("iot-telemetry", "metrics", ""),
    ),
    "event-schema-changed": (
        contract(
            f"{T}/contracts/device-events.odcs.yaml",
            lambda d: _props(d).append(
                {
                    "name": "firmware",
                    "logicalType": "string",
                    "required": True,
                    "description": "Firmware version.",
                }
            ),
            _version("1.1.0"),
        ),
        1,
        ("iot-telemetry", "device-events", ""),
    ),
    "stack-placement-changed": (
        text("Pulumi.iot-dev.yaml", "data-mesh:location: europe-west1", "data-mesh:location: EU"),
        1,
        ("", "", ""),
    ),
    "port-settings-changed": (
        _metrics_port(lambda p: p["partitioning"].update(expiration_days=500)),
        0,
        ("iot-telemetry", "metrics", ""),
    ),
    "declassify-widened": (  # lowers protection: fails until governance approves
        spec(A, lambda d: _port(d, CO2_PORT).update(declassify={"readings": "a count"})),
        1,
        ("iot-analytics", CO2_PORT, ""),
    ),
    "tenant-column-resourced": (
        # the tenant of the placement instead of the tenant stamped on the reading
        _each(
            text(f"{A}/sql/climate_daily.sql", "  m.tenant_id,\n", "  p.tenant_id,\n"),
            text(f"{A}/sql/climate_daily.sql", "GROUP BY m.tenant_id", "GROUP BY p.tenant_id"),
        ),
        1,
        ("iot-analytics", "climate-daily", "tenant_id"),
    ),
    "column-classification-lowered": (
        contract(
            METRICS,
            lambda d: _prop(d, "tenant_id").update(classification="public"),
            _version("1.0.1"),
        ),
        1,
        ("iot-telemetry", "metrics", "tenant_id"),
    ),
    "classification-lowered": (
        spec(T, set_in("classification", value="internal")),
        1,
        ("iot-telemetry", "", ""),
    ),
    "product-removed": (
        lambda repo: _remove_analytics(repo),
        0,
        ("iot-analytics", "", ""),
    ),
    "clustering-changed": (
        _metrics_port(lambda p: p.update(clustering=["tenant_id", "device_id"])),
        0,
        ("iot-telemetry", "metrics", ""),
    ),
    "protected-access-granted": (  # a tenant-scoped port
        _metrics_port(lambda p: p["consumers"].append("data-science@example.com")),
        1,
        ("iot-telemetry", "metrics", ""),
    ),
    "access-revoked": (
        _metrics_port(lambda p: p.update(consumers=[])),
        0,
        ("iot-telemetry", "metrics", ""),
    ),
    "owner-changed": (
        spec(T, lambda d: d["owner"].update(group="platform@example.com")),
        0,
        ("iot-telemetry", "", ""),
    ),
    "classification-changed": (
        spec(T, set_in("classification", value="restricted")),
        0,
        ("iot-telemetry", "", ""),
    ),
    "description-changed": (
        spec(T, set_in("description", value="Readings of every IoT device.")),
        0,
        ("iot-telemetry", "", ""),
    ),
    "transformation-changed": (
        text(f"{A}/sql/climate_daily.sql", "SELECT", "SELECT DISTINCT"),
        0,
        ("iot-analytics", "", ""),
    ),
    "product-added": (
        lambda repo: _copy_product(repo, "customers", "customers-copy"),
        0,
        ("customers-copy", "", ""),
    ),
    "stack-config-changed": (
        text(
            "Pulumi.iot-dev.yaml",
            "  data-mesh:environment: dev\n",
            '  data-mesh:environment: dev\n  data-mesh:pipelineImageTag: "1.1.0"\n',
        ),
        0,
        ("", "", ""),
    ),
    "production-config-changed": (
        text(
            "Pulumi.iot-prod.yaml",
            "    - data-platform-oncall@example.com\n",
            "    - data-platform-oncall@example.com\n    - data-platform-leads@example.com\n",
        ),
        0,
        ("", "", ""),
    ),
    "policy-pack-changed": (
        text(
            "policies/config/prod.json",
            "{",
            '{\n  "_note": "reviewed",',
        ),
        0,
        ("", "", ""),
    ),
    "codeowners-changed": (
        text(".github/CODEOWNERS", "/policies/ ", "/policies/  @example-org/security "),
        0,
        ("", "", ""),
    ),
}


def _remove_analytics(repo: Path) -> None:
    """No product reads iot-analytics: it goes, with the stacks that listed it."""
    import shutil

    shutil.rmtree(repo / A)
    for stack in repo.glob("Pulumi.*.yaml"):
        stack.write_text(stack.read_text().replace("    - iot-analytics\n", ""))


def _with_lineage(repo: Path, edit: Edit) -> None:
    """The pipeline declares where a new metrics column comes from."""
    edit(repo)
    spec(T, lambda d: d["transformation"]["lineage"].update(firmware=[]))(repo)


def _copy_product(repo: Path, source: str, new: str) -> None:
    import shutil

    shutil.copytree(repo / "products" / source, repo / "products" / new)
    path = repo / "products" / new / "product.yaml"
    content = path.read_text().replace(f"id: {source}\n", f"id: {new}\n", 1)
    path.write_text(content)
    for f in (repo / "products" / new / "contracts").glob("*.yaml"):
        f.write_text(f.read_text().replace("customers_v1", "customers_v1"))


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule(rule: str, repo: Path, run_diff: Run) -> None:
    edit, code, (product, port, column) = CASES[rule]
    edit(repo)
    exit_code, out, err, report = run_diff()
    found = [c for c in report.get("changes", []) if c["rule"] == rule]
    assert found, f"{rule} not raised:\n{out}\n{err}"
    assert (found[0]["product"], found[0]["port"], found[0]["column"]) == (product, port, column)
    assert found[0]["category"] == RULES[rule].category
    assert exit_code == code, out + err


def test_the_readme_prints_the_rule_table() -> None:
    """README's table is exactly `datamesh diff --rules` (one source: rules.py)."""
    from tools.diff.render import rules_table

    assert rules_table() in (REPO / "README.md").read_text()


def test_no_change_passes(repo: Path, run_diff: Run) -> None:
    code, out, _, report = run_diff()
    assert code == 0
    assert report["changes"] == []
    assert report["problems"] == []
    assert "OK: no breaking change" in out


def test_breaking_change_with_minor_bump_is_an_error(repo: Path, run_diff: Run) -> None:
    _drop_unit(repo, _version("1.1.0"))
    code, _out, _, report = run_diff()
    assert code == 1
    problem = next(p for p in report["problems"] if p["rule"] == "breaking-change-in-place")
    assert "a minor bump 1.0.0 -> 1.1.0" in problem["message"]
    assert problem["file"] == METRICS


def test_version_not_bumped_is_a_warning(repo: Path, run_diff: Run) -> None:
    contract(METRICS, lambda d: _prop(d, "unit").update(description="Unit."))(repo)
    code, _, _, report = run_diff()
    assert code == 0
    assert [p["rule"] for p in report["problems"]] == ["version-not-bumped"]


def test_version_decreased(repo: Path, run_diff: Run) -> None:
    contract(METRICS, _version("0.9.0"))(repo)
    text(f"{T}/product.yaml", "physical_name: metrics_v1", "physical_name: metrics_v0")(repo)
    contract(METRICS, lambda d: d["schema"][0].update(physicalName="metrics_v0"))(repo)
    code, _, _, report = run_diff()
    assert code == 1
    assert "version-decreased" in {p["rule"] for p in report["problems"]}


def test_major_bump_in_place(repo: Path, run_diff: Run) -> None:
    contract(
        METRICS, _version("2.0.0"), lambda d: d["schema"][0].update(physicalName="metrics_v2")
    )(repo)
    text(f"{T}/product.yaml", "physical_name: metrics_v1", "physical_name: metrics_v2")(repo)
    code, _, _, report = run_diff()
    assert code == 1
    assert "major-bump-in-place" in {p["rule"] for p in report["problems"]}


def test_major_without_new_name(repo: Path, run_diff: Run) -> None:
    contract(METRICS, _version("2.0.0"))(repo)
    code, out, err, report = run_diff()
    assert code == 1, out + err
    assert [p["rule"] for p in report["problems"]] == ["major-without-new-name"]
    assert report["stopped"] is True


def test_removed_port_still_read(repo: Path, run_diff: Run) -> None:
    _remove_port(repo, "device-tenants")
    code, out, err, report = run_diff()
    assert code == 1, out + err
    problems = [p for p in report["problems"] if p["rule"] == "removed-while-read"]
    assert problems
    readers = {m for p in problems for m in ("iot-analytics", "iot-telemetry") if m in p["message"]}
    assert readers == {"iot-analytics", "iot-telemetry"}
    assert all("still reads it" in p["message"] for p in problems)
    assert {(p["product"], p["port"]) for p in problems} == {("iot-metadata", "device-tenants")}


def test_removed_port_no_one_reads_is_retired(repo: Path, run_diff: Run) -> None:
    _remove_port(repo, "devices")  # its last reader moved to device-tenants
    code, out, err, _ = run_diff()
    assert code == 0, out + err
    assert "port-retired: iot-metadata.devices" in out


def test_port_renamed(repo: Path, run_diff: Run) -> None:
    spec(T, lambda d: _port(d, "metrics").update(name="readings"))(repo)
    text(f"{A}/product.yaml", "port: metrics", "port: readings")(repo)
    for sql in (repo / A / "sql").glob("*.sql"):
        sql.write_text(sql.read_text().replace("iot-telemetry.metrics", "iot-telemetry.readings"))
    text(f"{T}/product.yaml", "output_port: metrics", "output_port: readings")(repo)
    code, out, err, report = run_diff()
    rules = {c["rule"] for c in report.get("changes", [])}
    assert "port-renamed" in rules, out + err
    assert code == 1


def test_tenant_column_changed_needs_governance(repo: Path, run_diff: Run) -> None:
    # climate-daily now carries the tenant as customer_id: breaking for its readers, and
    # the governance owners must approve it.
    text(f"{A}/sql/climate_daily.sql", "  m.tenant_id,\n", "  m.tenant_id AS customer_id,\n")(repo)
    contract(
        f"{A}/contracts/climate-daily.odcs.yaml",
        lambda d: _prop(d, "tenant_id").update(name="customer_id"),
    )(repo)
    spec(A, lambda d: _port(d, "climate-daily").update(tenant_column="customer_id"))(repo)
    code, out, err, report = run_diff()
    assert code == 1, out + err
    rules = {c["rule"] for c in report["changes"]}
    assert {"tenant-column-changed", "column-renamed"} <= rules
    approval = next(a for a in report["approvals"] if a["rule"] == "tenant-column-changed")
    assert approval["owners"] == ["@example-org/analytics-team"]
    assert "tenant_id -> customer_id" in approval["detail"]


def test_unknown_ref_is_invalid_input(repo: Path, run_diff: Run) -> None:
    code, _, err, _ = run_diff(base="no-such-branch")
    assert code == 2
    assert err.strip().endswith("command line: --base: unknown git ref 'no-such-branch'")


def test_invalid_spec_at_base(repo: Path, run_diff: Run) -> None:
    text(f"{T}/product.yaml", "alignment: source", "alignment: sauce")(repo)
    commit(repo, "broken")
    text(f"{T}/product.yaml", "alignment: sauce", "alignment: source")(repo)
    code, _, err, _ = run_diff(base="HEAD")
    assert code == 2
    assert f"HEAD:{T}/product.yaml: alignment:" in err
    assert "Traceback" not in err


def test_invalid_spec_in_working_tree(repo: Path, run_diff: Run) -> None:
    text(f"{T}/product.yaml", "alignment: source", "alignment: sauce")(repo)
    code, _, err, _ = run_diff()
    assert code == 2
    assert f"\n{T}/product.yaml: alignment:" in err


def _quality(bound: int) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        _prop(d, "unit")["quality"] = [
            {"type": "library", "metric": "nullValues", "mustBeLessThan": bound}
        ]

    return change


@pytest.mark.parametrize(
    ("bound", "rule", "code"), [(2, "quality-rule-tightened", 0), (10, "quality-rule-loosened", 1)]
)
def test_quality_threshold_ranked(
    bound: int, rule: str, code: int, repo: Path, run_diff: Run
) -> None:
    contract(METRICS, _quality(5))(repo)
    base = commit(repo, "unit: fewer than 5 nulls")
    contract(METRICS, _quality(bound), _version("1.1.0"))(repo)
    exit_code, out, err, report = run_diff(base=base)
    assert [c["rule"] for c in report["changes"]] == [rule], out + err
    assert exit_code == code


def test_partition_filter_required(repo: Path, run_diff: Run) -> None:
    _metrics_port(lambda p: p.update(require_partition_filter=False))(repo)
    base = commit(repo, "no partition filter")
    _metrics_port(lambda p: p.update(require_partition_filter=True))(repo)
    code, out, err, report = run_diff(base=base)
    assert [c["rule"] for c in report["changes"]] == ["partition-filter-required"], out + err
    assert code == 1


def test_removed_port_rule_names_its_readers(repo: Path, run_diff: Run) -> None:
    """A port still read by a deployed product of another stack (its registry file)."""
    deployed_reader(repo, "org/data-mesh/bi", "reports", ("iot-metadata", "devices"))
    base = commit(repo, "bi reads devices")
    _remove_port(repo, "devices")  # no product of this repository reads it
    code, out, err, report = run_diff(base=base)
    removed = next(c for c in report["changes"] if c["port"] == "devices")
    assert removed["rule"] == "port-removed", out + err
    assert removed["readersElsewhere"] == ["org/data-mesh/bi: reports"]
    assert code == 1


def test_every_rule_has_a_case() -> None:
    """Each rule of the table is raised by some test here or in test_migration.py,
    test_compare.py (the ones a valid IoT spec cannot reach by a small edit), and
    test_blast.py (SQL edits under an unchanged contract), test_events.py."""
    here = Path(__file__).read_text()
    elsewhere = "".join(
        (Path(__file__).parent / f"test_{name}.py").read_text()
        for name in ("migration", "compare", "blast", "events")
    )
    missing = [r for r in RULES if f'"{r}"' not in here + elsewhere]
    assert not missing


def test_transformation_change_says_which_columns_are_resourced(repo: Path, run_diff: Run) -> None:
    # readings now counts distinct messages: same contract, another derivation
    text(
        f"{A}/sql/co2_per_room_hourly.sql",
        "COUNT(*) AS readings",
        "COUNT(DISTINCT m.message_id) AS readings",
    )(repo)
    code, out, err, report = run_diff()
    assert code == 0, out + err
    change = next(c for c in report["changes"] if c["rule"] == "transformation-changed")
    assert change["detail"] == (
        "co2-per-room-hourly.readings now from iot-telemetry.metrics.message_id"
    )


def test_stack_stops_deploying_a_product_another_stack_reads(repo: Path, run_diff: Run) -> None:
    (repo / "Pulumi.crm-prod.yaml").unlink()  # crm-prod decommissioned
    code, out, err, report = run_diff()
    assert code == 1, out + err
    problem = next(p for p in report["problems"] if p["rule"] == "removed-while-read")
    assert "stack crm-prod removed" in problem["message"]
    assert (
        "iot-dev: iot-analytics, iot-prod: iot-analytics still read customers"
        in (problem["message"])
    )
    assert "production-config-changed" in {a["rule"] for a in report["approvals"]}


def test_removed_stack_read_through_a_registry(repo: Path, run_diff: Run) -> None:
    """iot-dev's config lists the registry of a stack deployed from another repository
    whose product reads iot-metadata.devices: removing iot-dev breaks that read."""
    deployed_reader(repo, "org/data-mesh/bi", "reports", ("iot-metadata", "devices"))
    base = commit(repo, "bi reads devices from iot-dev")
    (repo / "Pulumi.iot-dev.yaml").unlink()
    code, out, err, report = run_diff(base=base)
    assert code == 1, out + err
    problem = next(p for p in report["problems"] if p["product"] == "iot-metadata")
    assert problem["rule"] == "removed-while-read"
    assert "org/data-mesh/bi: reports still read iot-metadata" in problem["message"]


def test_moved_stack_names_its_readers(repo: Path, run_diff: Run) -> None:
    """A stack moved to another project: every reader loses its tables, in this
    repository (another stack's externalProducts) and in registries."""
    deployed_reader(repo, "org/data-mesh/bi", "reports", ("iot-metadata", "devices"))
    base = commit(repo, "bi reads devices from iot-dev")
    text("Pulumi.crm-prod.yaml", "gcp:project: example-crm-prod", "gcp:project: crm-elsewhere")(
        repo
    )
    text("Pulumi.iot-dev.yaml", "data-mesh:location: europe-west1", "data-mesh:location: EU")(repo)
    code, out, err, report = run_diff(base=base)
    assert code == 1, out + err
    moved = {
        c["detail"].split(":")[0]: c["readersElsewhere"]
        for c in report["changes"]
        if c["rule"] == "stack-placement-changed"
    }
    assert moved["stack crm-prod"] == ["iot-dev: iot-analytics", "iot-prod: iot-analytics"]
    assert moved["stack iot-dev"] == ["org/data-mesh/bi: reports"]
    assert "read by iot-prod: iot-analytics (externalProducts)" in out
    assert "no consumer product reads it" not in out


def test_outside_a_git_repository(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from tools.cli import app

    result = CliRunner().invoke(app, ["diff", "--base", "main", "--project-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"command line: --project-dir: {tmp_path.resolve()} is not inside a git repository"
    )


def test_unknown_format(repo: Path, run_diff: Run) -> None:
    code, _, err, _ = run_diff("--format", "html")
    assert code == 2
    assert "command line: --format: 'html' is not one of text, markdown, github" in err


def test_two_refs(repo: Path, run_diff: Run) -> None:
    from tests.diff.conftest import git

    git(repo, "checkout", "-q", "-b", "feature")
    _drop_unit(repo)
    commit(repo, "drop unit")
    git(repo, "checkout", "-q", "main")  # the working tree is main again: only refs count
    code, out, err, report = run_diff("--head", "feature")
    assert code == 1, out + err
    assert report["head"] == "feature"
    removed = next(c for c in report["changes"] if c["rule"] == "column-removed")
    assert removed["file"] == f"feature:{METRICS}"
    code, _, err, _ = run_diff("--head", "nope")
    assert code == 2
    assert "command line: --head: unknown git ref 'nope'" in err


def test_product_slo_loosened_is_an_error(repo: Path, run_diff: Run) -> None:
    spec(T, lambda d: d["slos"].update(freshness_minutes=60))(repo)
    code, out, err, report = run_diff()
    assert code == 1, out + err
    change = next(c for c in report["changes"] if c["rule"] == "sla-loosened")
    assert change["detail"] == "slos.freshness_minutes: 15 -> 60"
    problem = next(p for p in report["problems"] if p["rule"] == "breaking-change-in-place")
    assert "weakens what the readers of its served ports (metrics) rely on" in problem["message"]


def test_json_into_a_missing_folder(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from tools.cli import app

    monkeypatch.chdir(repo)
    result = CliRunner().invoke(app, ["diff", "--base", "main", "--json", "nope/diff.json"])
    assert result.exit_code == 2
    assert result.stderr.strip() == "command line: --json: folder nope does not exist"


def test_a_base_before_the_mesh(repo: Path, run_diff: Run) -> None:
    from tests.diff.conftest import git

    git(repo, "checkout", "-q", "--orphan", "empty")
    git(repo, "rm", "-rqf", ".")
    (repo / "README.md").write_text("before the mesh\n")
    commit(repo, "empty")
    git(repo, "checkout", "-q", "-f", "main")
    code, out, err, report = run_diff(base="empty")
    assert code == 0, out + err
    added = {c["product"] for c in report["changes"] if c["rule"] == "product-added"}
    assert added == {
        "customers",
        "iot-actions-taken",
        "iot-analytics",
        "iot-metadata",
        "iot-telemetry",
    }


def test_pull_request_formats(repo: Path, run_diff: Run) -> None:
    _drop_unit(repo)
    code, out, _, _ = run_diff("--format", "github")
    assert code == 1
    assert f"::error file={METRICS},title=datamesh diff%3A breaking-change-in-place::" in out
    warning = next(line for line in out.splitlines() if "breaking%3A column-removed" in line)
    assert "iot-analytics reads the port; none of its outputs use the change" in warning
    code, out, _, _ = run_diff("--format", "markdown")
    assert code == 1
    assert out.startswith("### Data contract diff `main` → `working tree`")
    assert "- `column-removed` **iot-telemetry.metrics.unit**" in out


def test_codeowners_itself_needs_governance(repo: Path, run_diff: Run) -> None:
    """Who approves what is governance's: a change of CODEOWNERS names its owners."""
    text(".github/CODEOWNERS", "/policies/ ", "/policies/  @example-org/security ")(repo)
    _, out, err, report = run_diff()
    approval = next(a for a in report["approvals"] if a["rule"] == "codeowners-changed")
    assert approval["owners"] == ["@example-org/governance"], out + err
    assert "no CODEOWNERS entry" not in out
