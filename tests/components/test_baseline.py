"""The project baseline is planned with the stack: every API its resources use, the
service agents granted its key, and every resource waiting for what it needs, so a
first `pulumi up` on an empty project works in one pass. Pipeline images are built
from their folders, tagged by content."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.baseline import apis_of
from model.baseline import KEY_ROLE
from tests.helpers import REPO, project_copy
from tools.plan.recorder import RecordedResource
from tools.plan.runner import ProgramRun, run_program

SERVICE = "gcp:projects/service:Service"
KEY_GRANT = "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember"
IMAGE = "docker-build:index:Image"
SPEC = "gcp:storage/bucketObject:BucketObject"


def _closure(run: ProgramRun, resource: RecordedResource) -> set[str]:
    """Every URN a resource waits for, through dependencies and parents' dependencies."""
    by_urn = {r.urn: r for r in run.resources}
    seen: set[str] = set()
    todo = [resource.urn]
    while todo:
        r = by_urn.get(todo.pop())
        if r is None:
            continue
        for urn in r.dependencies:
            if urn not in seen:
                seen.add(urn)
                todo.append(urn)
    return seen


def _services(run: ProgramRun) -> dict[str, RecordedResource]:
    return {r.inputs["service"]: r for r in run.by_type(SERVICE)}


@pytest.mark.parametrize("stack", ["iot-prod", "iot-dev", "crm-prod"])
def test_no_resource_is_created_before_its_api(runs: dict[str, ProgramRun], stack: str) -> None:
    run = runs[stack]
    services = _services(run)
    checked = 0
    for r in run.resources:
        for api in apis_of(r.type):
            assert api in services, f"{r.type} needs {api}, which the stack does not enable"
            assert services[api].urn in _closure(run, r), f"{r.name} does not wait for {api}"
            checked += 1
    assert checked > 20


def test_apis_are_what_the_products_use(runs: dict[str, ProgramRun]) -> None:
    iot, crm = _services(runs["iot-prod"]), _services(runs["crm-prod"])
    assert "dataflow.googleapis.com" in iot
    assert "compute.googleapis.com" in iot
    assert "bigqueryconnection.googleapis.com" not in iot  # no federated input in iot
    assert "bigqueryconnection.googleapis.com" in crm
    assert "dataflow.googleapis.com" not in crm
    assert "pubsub.googleapis.com" not in crm
    for run in runs.values():
        used = {api for r in run.resources for api in apis_of(r.type)}
        assert set(_services(run)) == used  # nothing enabled that nothing uses
        for service in run.by_type(SERVICE):
            assert service.inputs["disableOnDestroy"] is False
            assert service.inputs["disableDependentServices"] is False


def test_service_agents_get_the_key_before_they_use_it(runs: dict[str, ProgramRun]) -> None:
    run = runs["iot-prod"]
    key = run.config.values["data-mesh:kmsKey"]
    grants = {r.name: r for r in run.by_type(KEY_GRANT)}
    assert set(grants) == {
        f"baseline-{api}-agent-key"
        for api in ("bigquery", "pubsub", "storage", "artifactregistry", "dataflow", "compute")
    }
    for grant in grants.values():
        assert grant.inputs["cryptoKeyId"] == key
        assert grant.inputs["role"] == KEY_ROLE
    waits = {
        "gcp:bigquery/dataset:Dataset": "bigquery",
        "gcp:pubsub/topic:Topic": "pubsub",
        "gcp:storage/bucket:Bucket": "storage",
        "gcp:artifactregistry/repository:Repository": "artifactregistry",
        "gcp:dataflow/flexTemplateJob:FlexTemplateJob": "compute",
    }
    for type_token, api in waits.items():
        for r in run.by_type(type_token):
            assert grants[f"baseline-{api}-agent-key"].urn in _closure(run, r), r.name
    assert not runs["iot-dev"].by_type(KEY_GRANT)  # no key, no grants


def _iot_prod(project: Path) -> ProgramRun:
    crm = run_program(REPO, "crm-prod").outputs
    return run_program(project, "iot-prod", stack_outputs=lambda _: crm)


def test_a_pipeline_change_is_a_new_image_and_template(tmp_path: Path) -> None:
    project = project_copy(tmp_path / "repo")
    before, again = _iot_prod(project), _iot_prod(project)
    assert [(r.urn, r.inputs) for r in before.resources] == [
        (r.urn, r.inputs) for r in again.resources
    ]  # an unchanged folder changes nothing
    (project / "products/iot-telemetry/pipeline/main.py").write_text(
        (project / "products/iot-telemetry/pipeline/main.py").read_text() + "\n# changed\n"
    )
    after = _iot_prod(project)
    (old_image,), (new_image,) = before.by_type(IMAGE), after.by_type(IMAGE)
    assert old_image.urn == new_image.urn
    assert old_image.inputs["tags"] != new_image.inputs["tags"]
    old_spec = next(r for r in before.by_type(SPEC) if "template-spec" in r.name)
    new_spec = next(r for r in after.by_type(SPEC) if "template-spec" in r.name)
    assert old_spec.inputs["name"] != new_spec.inputs["name"]
    image = json.loads(new_spec.inputs["content"])["image"]
    assert image.startswith(new_image.inputs["tags"][0] + "@sha256:")  # runs by digest
    job = "gcp:dataflow/flexTemplateJob:FlexTemplateJob"
    (old_job,), (new_job,) = before.by_type(job), after.by_type(job)
    assert old_job.inputs["containerSpecGcsPath"] != new_job.inputs["containerSpecGcsPath"]
