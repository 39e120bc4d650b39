"""The pack as a whole: clean stacks pass, it runs standalone, its config is checked."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO
from tests.policies.conftest import PACK_DIR, check
from tools.plan.pack_config import resolve_config
from tools.plan.pack_loader import LoadedPack, PackProblem, load_pack
from tools.plan.runner import plan_with_references

ISSUE_POLICIES = {
    "mesh-labels",
    "no-public-principals",
    "no-basic-roles",
    "principal-kinds",
    "allowed-locations",
    "cmek",
    "output-port-protection",
    "output-port-contract",
    "consumers-read-output-ports-only",
    "owner-only-writes",
    "sql-reads-declared-ports",
    "tenant-isolation",
    "dataflow-hardening",
    "pubsub-reliability",
    "scheduled-query-hardening",
    "iam-replacement-safety",
    "time-series-partitioning",
    "pii-policy-tags",
    "retention-vs-contract",
    "naming",
}


def test_pack_has_every_policy_with_a_description(pack: LoadedPack) -> None:
    names = {p.name for p in pack.policies}
    assert names >= ISSUE_POLICIES
    assert names - ISSUE_POLICIES == {
        "single-dataset-grant-mechanism",
        "bucket-hardening",
        # governance that follows the data and privilege (issue 11)
        "declassified-columns",
        "project-iam",
        "no-authoritative-iam",
        "no-impersonation",
        "service-account-grantees",
        "dataset-authorizations",
        "production-settings",
        # quality checks that see every row (issue 22)
        "quality-scans-see-every-row",
        # the project baseline (issue 25)
        "baseline-apis",
        "key-grants",
    }
    for policy in pack.policies:
        assert len(policy.description) > 40, policy.name
        assert policy.enforcement_level is not None, policy.name
    assert pack.name == "data-mesh-governance"
    assert pack.version == "0.1.0"


@pytest.mark.parametrize(
    ("stack", "config"), [("iot-prod", "prod"), ("crm-prod", "prod"), ("iot-dev", "dev")]
)
def test_clean_stacks_have_no_violations(
    pack: LoadedPack, crm_outputs: Mapping[str, Any], stack: str, config: str
) -> None:
    run = plan_with_references(REPO, stack)
    violations = check(pack, run, config)
    assert violations == [], [f"{v.policy}: {v.message}" for v in violations]


def test_pack_runs_with_only_its_own_folder_on_the_path() -> None:
    code = (
        "import sys; sys.path.insert(0, '.'); "
        "import mesh_policies.pack as p; "
        "assert not {'datamesh', 'components'} & set(sys.modules); print(len(p.POLICIES))"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", code],
        cwd=PACK_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(len(load_pack(PACK_DIR).policies))


def test_pack_imports_nothing_from_the_repository() -> None:
    for source in PACK_DIR.rglob("*.py"):
        tree = ast.parse(source.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                for name in names:
                    top = name.split(".")[0]
                    # The standard library and the pack's own requirements only.
                    assert top in sys.stdlib_module_names or top in {
                        "pulumi_policy",
                        "pulumi",  # pulumi-policy's own dependency: stack, project, config
                        "mesh_policies",
                        "sqlglot",
                    }, (source, name)


def test_main_only_constructs_the_pack() -> None:
    tree = ast.parse((PACK_DIR / "__main__.py").read_text())
    calls = [n for n in tree.body if isinstance(n, ast.Expr) and isinstance(n.value, ast.Call)]
    assert len(calls) == 1
    assert isinstance(calls[0].value, ast.Call)
    assert getattr(calls[0].value.func, "id", "") == "PolicyPack"


def test_pack_config_unknown_policy(pack: LoadedPack) -> None:
    with pytest.raises(PackProblem) as err:
        resolve_config(pack, {"no-such-policy": "advisory"}, Path("cfg.json"))
    assert err.value.issue.render().endswith("cfg.json: no-such-policy: no such policy in the pack")


def test_pack_config_bad_level_and_property(pack: LoadedPack) -> None:
    with pytest.raises(PackProblem) as err:
        resolve_config(pack, {"cmek": "sometimes"}, Path("c.json"))
    assert "'sometimes' is not one of" in str(err.value)
    with pytest.raises(PackProblem) as err:
        resolve_config(pack, {"cmek": {"required": "yes"}}, Path("c.json"))
    assert str(err.value) == 'c.json: cmek.required: "yes" is not of type "boolean"'


def test_pack_config_defaults_and_all(pack: LoadedPack) -> None:
    resolved = resolve_config(pack, {}, Path("c.json"))
    assert resolved["cmek"][1] == {"required": False}  # schema default, as the CLI fills it
    assert resolved["time-series-partitioning"][0].value == "advisory"
    resolved = resolve_config(pack, {"all": "advisory", "cmek": "mandatory"}, Path("c.json"))
    assert resolved["naming"][0].value == "advisory"
    assert resolved["cmek"][0].value == "mandatory"
