"""Products with ids of every valid length (3-63 characters), across the boundary
where service account ids are shortened with a hash, validate and plan clean with
the policy pack, and the pack attributes their resources to them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from model import conventions as conv
from model import load_mesh
from tests.helpers import REPO
from tests.policies.conftest import alter
from tools.plan.evaluator import evaluate
from tools.plan.pack_config import read_pack_config, resolve_config
from tools.plan.pack_loader import load_pack
from tools.plan.runner import ProgramRun, run_program

TEMPLATE = REPO / "products" / "iot-actions-taken"
PACK = REPO / "policies"
# Every length, plus ids that share a long prefix, and a hyphen where the
# shortened service account id cuts the prefix.
IDS = [f"p{n:02d}".ljust(n, "x") for n in range(3, 64)] + [
    "shared-prefix-of-a-long-product-id-one",
    "shared-prefix-of-a-long-product-id-two",
    "abcdefghijklmnopqrs-tuvwxyz",
    "abcdefghijklmnopqrstu-vwxyz0",
]


def _project(root: Path) -> Path:
    products = root / "products"
    products.mkdir(parents=True)
    shutil.copy(REPO / "products" / "product.schema.json", products)
    for pid in IDS:
        folder = products / pid
        shutil.copytree(TEMPLATE, folder)
        spec = folder / "product.yaml"
        spec.write_text(spec.read_text().replace("id: iot-actions-taken", f"id: {pid}", 1))
    shutil.copy(REPO / "Pulumi.yaml", root)
    shutil.copy(REPO / "__main__.py", root)
    stack = yaml.safe_load((REPO / "Pulumi.iot-prod.yaml").read_text())
    config = stack["config"]
    config["data-mesh:products"] = IDS
    del config["data-mesh:externalProducts"]
    (root / "Pulumi.ids.yaml").write_text(yaml.safe_dump(stack))
    return root


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _project(tmp_path_factory.mktemp("ids"))


def test_ids_cover_the_range_and_the_shortening_boundary() -> None:
    lengths = {len(pid) for pid in IDS}
    assert set(range(3, 64)) <= lengths
    shortened = [pid for pid in IDS if conv.service_account_id(pid) != f"dp-{pid}"]
    assert min(len(pid) for pid in shortened) == conv.SERVICE_ACCOUNT_MAX - 2  # 28
    accounts = {conv.service_account_id(pid) for pid in IDS}
    assert len(accounts) == len(IDS)
    for pid in IDS:
        assert conv.product_of_identity(conv.identity_member(pid, "proj-1"), IDS) == pid
        assert conv.product_of_account_id(conv.service_account_id(pid), IDS) == pid
        for text in (conv.quality_scan_id(pid, "actions"), conv.artifact_repository(pid)):
            assert len(text) <= 63, text
            assert text[-1].isalnum(), text


def test_every_id_validates_and_plans_clean(project: Path) -> None:
    mesh = load_mesh(project / "products")
    assert set(mesh.products) == set(IDS)
    run = run_program(project, "ids")
    pack = load_pack(PACK)
    resolved = resolve_config(pack, read_pack_config(PACK / "config" / "prod.json"), PACK)
    violations = evaluate(pack, resolved, run.resources, run.context()).violations
    assert violations == []
    products = {r.name for r in run.by_type(conv.DATA_PRODUCT)}
    assert products == set(IDS)


def _grants_writer_of(run: ProgramRun, owner: str) -> list[str]:
    return [
        v
        for v in run.resources
        if v.name == f"{owner}-storage-dataset-writer-sa" and v.inputs.get("userByEmail")
    ]


@pytest.mark.parametrize("owner", ["p28xxxxxxxxxxxxxxxxxxxxxxxxx", IDS[-1]])
def test_the_pack_attributes_shortened_identities(project: Path, owner: str) -> None:
    """A long product's WRITER grant given to another long product's identity is a
    violation naming the owner: the pack knows whose identity each account is."""
    intruder = "shared-prefix-of-a-long-product-id-one"
    email = conv.service_account_email(intruder, "example-iot-prod")
    run = run_program(
        project,
        "ids",
        before_program=lambda: __import__("pulumi").runtime.register_stack_transformation(
            alter(
                "datasetAccess:DatasetAccess",
                f"{owner}-storage-dataset-writer-sa",
                user_by_email=email,
            )
        ),
    )
    assert _grants_writer_of(run, owner)
    pack = load_pack(PACK)
    resolved = resolve_config(pack, read_pack_config(PACK / "config" / "prod.json"), PACK)
    found = [
        v
        for v in evaluate(pack, resolved, run.resources, run.context()).violations
        if v.policy == "owner-only-writes"
    ]
    assert len(found) == 1
    assert f"serviceAccount:{email}" in found[0].message
    assert f"on {owner}'s dataset" in found[0].message
