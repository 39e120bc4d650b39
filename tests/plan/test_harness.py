"""The offline harness itself: config as the engine hands it, mocks that answer
like Google Cloud, and clear errors for bad specs and config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import REPO, edit_yaml
from tools.plan.mocks import GcpMocks, project_number
from tools.plan.runner import ProgramError, plan_with_references, run_program
from tools.stack import SECRET_PLACEHOLDER, load_stack_config


def test_stack_config_is_namespaced_structured_and_secret_aware() -> None:
    config = load_stack_config(REPO, "crm-prod")
    assert config.project == "data-mesh"
    assert config.values["gcp:project"] == "example-crm-prod"
    assert json.loads(config.values["data-mesh:products"]) == ["customers"]
    creds = json.loads(config.values["data-mesh:federatedCredentials"])
    assert creds == {
        "customers/crm-db": {"username": "bq_federated_reader", "password": SECRET_PLACEHOLDER}
    }
    assert config.secret_keys == ("data-mesh:federatedCredentials",)


def test_project_level_config_defaults_apply(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(
        "name: data-mesh\nruntime: python\nconfig:\n"
        "  data-mesh:environment: {default: dev}\n  gcp:region: europe-west1\n"
    )
    (tmp_path / "Pulumi.s.yaml").write_text("config:\n  data-mesh:environment: prod\n")
    config = load_stack_config(tmp_path, "s")
    assert config.values["data-mesh:environment"] == "prod"  # the stack wins
    assert config.values["gcp:region"] == "europe-west1"


def test_mocks_compute_what_google_would() -> None:
    mocks = GcpMocks("proj-a", "europe-west1", lambda name: {"x": 1})
    import pulumi

    def new(typ: str, inputs: dict) -> tuple:  # type: ignore[type-arg]
        return mocks.new_resource(
            pulumi.runtime.MockResourceArgs(
                typ=typ, name="n", inputs=inputs, provider="", resource_id=""
            )
        )

    rid, state = new("gcp:serviceaccount/account:Account", {"accountId": "dp-x"})
    assert state["email"] == "dp-x@proj-a.iam.gserviceaccount.com"
    assert rid == "projects/proj-a/serviceAccounts/dp-x@proj-a.iam.gserviceaccount.com"
    rid, state = new("gcp:pubsub/subscription:Subscription", {"name": "s", "project": "p2"})
    assert rid == "projects/p2/subscriptions/s"
    _, state = new("pulumi:pulumi:StackReference", {"name": "org/p/s"})
    assert state["outputs"] == {"x": 1}
    got = mocks.call(
        pulumi.runtime.MockCallArgs(
            token="gcp:organizations/getProject:getProject",
            args={"projectId": "proj-a"},
            provider="",
        )
    )
    assert got == {"projectId": "proj-a", "number": project_number("proj-a"), "name": "proj-a"}
    assert len(project_number("proj-a")) == 12


def test_unknown_product_in_config_names_file_and_key() -> None:
    with pytest.raises(ProgramError) as err:
        run_program(REPO, "crm-prod", extra_config={"data-mesh:products": '["nope"]'})
    assert "Pulumi.crm-prod.yaml: data-mesh:products[0]: unknown product 'nope'" in str(err.value)


def test_unknown_and_missing_config_keys() -> None:
    with pytest.raises(ProgramError) as err:
        run_program(REPO, "crm-prod", extra_config={"data-mesh:colour": "blue", "gcp:project": ""})
    message = str(err.value)
    assert "data-mesh:colour: unknown config key" in message
    assert "gcp:project:" in message


def test_a_product_reading_an_unplanned_stack_is_rejected() -> None:
    with pytest.raises(ProgramError) as err:
        run_program(REPO, "iot-prod", extra_config={"data-mesh:externalProducts": "{}"})
    assert "iot-analytics reads customers, which this stack neither deploys" in str(err.value)


def test_broken_spec_stops_the_program_with_file_and_field(products: Path) -> None:
    edit_yaml(products / "customers/product.yaml", lambda d: d.update(colour="blue"))
    with pytest.raises(ProgramError) as err:
        run_program(REPO, "crm-prod", extra_config={"data-mesh:productsDir": str(products)})
    assert "customers/product.yaml: colour: unknown key" in str(err.value)


def test_missing_federated_credentials_say_how_to_set_them() -> None:
    with pytest.raises(ProgramError) as err:
        run_program(REPO, "crm-prod", extra_config={"data-mesh:federatedCredentials": "{}"})
    assert "pulumi config set --secret --path" in str(err.value)


def test_referenced_stacks_are_planned_first() -> None:
    run = plan_with_references(REPO, "iot-dev")
    refs = run.by_type("pulumi:pulumi:StackReference")
    assert [r.outputs["outputs"]["meshRegistry"]["customers"]["project"] for r in refs] == [
        "example-crm-prod"
    ]


def test_referenced_stack_outputs_can_come_from_a_registry_file(tmp_path: Path) -> None:
    import shutil

    for name in ("Pulumi.yaml", "Pulumi.iot-dev.yaml", "__main__.py"):
        shutil.copy(REPO / name, tmp_path / name)
    registry = plan_with_references(REPO, "crm-prod").outputs
    registry["meshRegistry"]["customers"]["outputPorts"]["customers"]["project"] = "from-file"
    (tmp_path / "crm.json").write_text(json.dumps(registry))
    stack_file = tmp_path / "Pulumi.iot-dev.yaml"
    stack_file.write_text(
        stack_file.read_text()
        + (
            "  data-mesh:productsDir: " + str(REPO / "products") + "\n"
            "  data-mesh:offlineRegistries:\n    example-org/data-mesh/crm-prod: crm.json\n"
        )
    )
    run = plan_with_references(tmp_path, "iot-dev")  # crm-prod is not planned: no such file
    reader = run.named("iot-analytics-in-customers-reader")
    assert reader.inputs["project"] == "from-file"


def test_unreadable_registry_file_is_a_config_problem(tmp_path: Path) -> None:
    import shutil

    from tools.stack import ConfigProblem

    for name in ("Pulumi.yaml", "Pulumi.iot-dev.yaml", "__main__.py"):
        shutil.copy(REPO / name, tmp_path / name)
    stack_file = tmp_path / "Pulumi.iot-dev.yaml"
    stack_file.write_text(
        stack_file.read_text()
        + ("  data-mesh:offlineRegistries:\n    example-org/data-mesh/crm-prod: nope.json\n")
    )
    with pytest.raises(ConfigProblem) as err:
        plan_with_references(tmp_path, "iot-dev")
    assert (
        "Pulumi.iot-dev.yaml: data-mesh:offlineRegistries.example-org/data-mesh/crm-prod: "
        "nope.json: file not found" in str(err.value)
    )
