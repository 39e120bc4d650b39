"""URNs never depend on list order or on what else is in the mesh, so reordering
or adding products and ports replaces nothing (and loses no data)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import yaml

from model import conventions as conv
from tests.helpers import PRODUCTS, REPO, edit_yaml
from tools.plan.runner import ProgramRun, run_program

SNAPSHOT = Path(__file__).resolve().parents[1] / "snapshots" / "iot-prod.urns"
IOT = ["iot-metadata", "iot-actions-taken", "iot-telemetry", "iot-analytics"]


def _urns(run: ProgramRun) -> set[str]:
    return {r.urn for r in run.resources}


def _plan(runs: dict[str, ProgramRun], products_dir: Path, products: list[str]) -> ProgramRun:
    crm = runs["crm-prod"].outputs
    return run_program(
        REPO,
        "iot-prod",
        extra_config={
            "data-mesh:productsDir": str(products_dir),
            "data-mesh:products": json.dumps(products),
        },
        stack_outputs=lambda name: crm,
    )


def test_iot_prod_urns_match_the_committed_snapshot(runs: dict[str, ProgramRun]) -> None:
    current = sorted(_urns(runs["iot-prod"]))
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(exist_ok=True)
        SNAPSHOT.write_text("\n".join(current) + "\n", encoding="utf-8")
    committed = SNAPSHOT.read_text(encoding="utf-8").split()
    assert current == committed, (
        "URNs changed: a rename replaces resources (rerun with "
        "UPDATE_SNAPSHOTS=1 only if that is intended)"
    )


def test_no_resource_name_holds_an_unresolved_output(runs: dict[str, ProgramRun]) -> None:
    for run in runs.values():
        for r in run.resources:
            for marker in ("Output", "<", "__str__", "04da6b54"):  # 04da6b54...: unknown
                assert marker not in r.name, r.name
            assert (
                r.name.startswith(r.parent.rsplit("::", 1)[-1])
                or r.type.startswith(
                    (conv.DATA_PRODUCT, conv.QUALITY_SCANNER, conv.PROJECT_BASELINE)
                )
                or "StackReference" in r.type
            ), r.name


def test_reordering_products_changes_no_urn(runs: dict[str, ProgramRun]) -> None:
    reordered = _plan(runs, PRODUCTS, list(reversed(IOT)))
    assert _urns(reordered) == _urns(runs["iot-prod"])


@pytest.fixture
def grown_products(tmp_path: Path) -> Path:
    """The IoT products plus a new product and a new port on an existing one."""
    root = tmp_path / "products"
    shutil.copytree(PRODUCTS, root)
    # A new product: a second logbook, same shape as iot-actions-taken.
    shutil.copytree(root / "iot-actions-taken", root / "iot-maintenance-log")
    edit_yaml(
        root / "iot-maintenance-log/product.yaml",
        lambda d: d.update(id="iot-maintenance-log", name="IoT maintenance log"),
    )
    contract = root / "iot-maintenance-log/contracts/actions.odcs.yaml"
    contract.write_text(
        contract.read_text().replace("iot-actions-taken:actions", "iot-maintenance-log:actions")
    )
    # A new output port on iot-metadata: rooms, with its own query and contract.
    meta = root / "iot-metadata"
    (meta / "sql/rooms.sql").write_text(
        "SELECT DISTINCT tenant_id, building, floor, room FROM {{ iot-metadata.devices }}\n"
    )
    doc = yaml.safe_load((meta / "contracts/devices.odcs.yaml").read_text())
    doc["id"] = "urn:datacontract:iot:iot-metadata:rooms"
    doc["schema"][0].update(name="rooms", physicalName="rooms_v1")
    doc["schema"][0]["properties"] = [
        p
        for p in doc["schema"][0]["properties"]
        if p["name"] in {"tenant_id", "building", "floor", "room"}
    ]
    doc.pop("slaProperties")  # its freshness element is not a column of rooms
    (meta / "contracts/rooms.odcs.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))

    def add_port(d: dict) -> None:  # type: ignore[type-arg]
        d["transformation"]["queries"].append(
            {
                "name": "rooms",
                "sql": "sql/rooms.sql",
                "schedule": "every 24 hours",
                "destination_port": "rooms",
                "write_disposition": "WRITE_TRUNCATE",
            }
        )
        d["output_ports"].append(
            {
                "name": "rooms",
                "kind": "table",
                "physical_name": "rooms_v1",
                "contract": "contracts/rooms.odcs.yaml",
                "tenant_column": "tenant_id",
            }
        )

    edit_yaml(meta / "product.yaml", add_port)
    return root


def test_adding_a_product_and_a_port_changes_no_existing_urn(
    runs: dict[str, ProgramRun], grown_products: Path
) -> None:
    grown = _plan(runs, grown_products, ["iot-maintenance-log", *IOT])
    before, after = _urns(runs["iot-prod"]), _urns(grown)
    assert before <= after
    added = after - before
    assert any("iot-maintenance-log" in urn for urn in added)
    assert any("iot-metadata-out-rooms-table" in urn for urn in added)
