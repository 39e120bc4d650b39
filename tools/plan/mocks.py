"""Mocks that answer like Google Cloud would: the computed outputs other
resources and the registry read (ids, emails, self links, fully qualified
names), and stack references answered from other stacks' registries."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.output import UNKNOWN, Unknown
from pulumi.runtime import rpc

from model.baseline import KEY_USERS

STACK_REFERENCE = "pulumi:pulumi:StackReference"
GET_PROJECT = "gcp:organizations/getProject:getProject"


def project_number(project: str) -> str:
    """A stable, realistic-looking project number for a project id."""
    return str(int(hashlib.sha256(project.encode()).hexdigest(), 16) % 10**12).rjust(12, "1")


def unwrap_secrets(value: Any) -> Any:
    """Deserialized properties with secret wrappers replaced by their values, and unknown
    values as the engine's unknown sentinel (what an analyzer receives for them)."""
    if isinstance(value, Unknown):
        return rpc.UNKNOWN
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_secret_sig:
            return unwrap_secrets(value.get("value"))
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class GcpMocks(pulumi.runtime.Mocks):
    def __init__(
        self,
        default_project: str,
        default_region: str,
        stack_outputs: Callable[[str], Mapping[str, Any]],
        preview: bool = False,
    ) -> None:
        """`stack_outputs(name)` returns the outputs of a referenced stack. With `preview`,
        resources answer as in a real preview of their creation: the inputs (and the
        provider's defaults) are known, every value the cloud computes is unknown."""
        self.default_project = default_project
        self.default_region = default_region
        self.stack_outputs = stack_outputs
        self.preview = preview

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        if args.token == GET_PROJECT:
            project = args.args.get("projectId") or self.default_project
            return {"projectId": project, "number": project_number(project), "name": project}
        if args.token in _INVOKES:
            return _INVOKES[args.token](args.args.get("project") or self.default_project)
        return {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        # Secret inputs arrive wrapped; compute outputs from their values.
        inputs: dict[str, Any] = unwrap_secrets(dict(args.inputs))
        if args.typ == STACK_REFERENCE:
            name = inputs.get("name", args.name)
            return name, {"name": name, "outputs": dict(self.stack_outputs(name))}
        project = inputs.get("project") or self.default_project
        handler = _COMPUTED.get(args.typ)
        rid, extra = (
            handler(args.name, inputs, project, self.default_region)
            if handler
            else (f"{args.name}-id", {})
        )
        if self.preview:
            return "", {"project": project, **inputs, **_unknown_unless_input(extra, inputs)}
        return rid, {"project": project, **inputs, **extra}


def _unknown_unless_input(computed: dict[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Computed outputs as a preview sees them: an echoed input stays, the rest is unknown."""
    out: dict[str, Any] = {}
    for key, value in computed.items():
        given = inputs.get(key)
        if isinstance(value, dict) and isinstance(given, dict):
            out[key] = {**given, **_unknown_unless_input(value, given)}
        else:
            out[key] = value if given == value else UNKNOWN
    return out


Computed = Callable[[str, dict[str, Any], str, str], tuple[str, dict[str, Any]]]


def _account(name: str, i: dict[str, Any], project: str, _: str) -> tuple[str, dict[str, Any]]:
    email = f"{i['accountId']}@{project}.iam.gserviceaccount.com"
    rid = f"projects/{project}/serviceAccounts/{email}"
    return rid, {
        "email": email,
        "name": rid,
        "member": f"serviceAccount:{email}",
        "uniqueId": project_number(email),
    }


def _dataset(name: str, i: dict[str, Any], project: str, _: str) -> tuple[str, dict[str, Any]]:
    rid = f"projects/{project}/datasets/{i['datasetId']}"
    return rid, {"selfLink": f"https://bigquery.googleapis.com/bigquery/v2/{rid}"}


def _table(name: str, i: dict[str, Any], project: str, _: str) -> tuple[str, dict[str, Any]]:
    rid = f"projects/{project}/datasets/{i['datasetId']}/tables/{i['tableId']}"
    return rid, {
        "selfLink": f"https://bigquery.googleapis.com/bigquery/v2/{rid}",
        "type": "VIEW" if i.get("view") else "TABLE",
    }


def _named(kind: str) -> Computed:
    def handler(name: str, i: dict[str, Any], project: str, _: str) -> tuple[str, dict[str, Any]]:
        rid = f"projects/{project}/{kind}/{i.get('name', name)}"
        return rid, {"name": i.get("name", name)}

    return handler


def _bucket(name: str, i: dict[str, Any], project: str, _: str) -> tuple[str, dict[str, Any]]:
    bucket = i.get("name", name)
    return bucket, {
        "url": f"gs://{bucket}",
        "selfLink": f"https://www.googleapis.com/storage/v1/b/{bucket}",
    }


def _connection(name: str, i: dict[str, Any], project: str, region: str) -> tuple[str, Any]:
    location = i.get("location", region)
    rid = f"projects/{project}/locations/{location}/connections/{i['connectionId']}"
    cloud_sql = dict(i.get("cloudSql") or {})
    cloud_sql["serviceAccountId"] = (
        f"service-{project_number(project)}@gcp-sa-bigqueryconnection.iam.gserviceaccount.com"
    )
    return rid, {"name": rid, "cloudSql": cloud_sql}


def _transfer(name: str, i: dict[str, Any], project: str, region: str) -> tuple[str, Any]:
    rid = (
        f"projects/{project_number(project)}/locations/{i.get('location', region)}"
        f"/transferConfigs/{_short_hash(name)}"
    )
    return rid, {"name": rid}


def _project_scoped(kind: str) -> Computed:
    def handler(name: str, i: dict[str, Any], project: str, _: str) -> tuple[str, dict[str, Any]]:
        rid = f"projects/{project}/{kind}/{_short_hash(name)}"
        return rid, {"name": rid}

    return handler


def _metric(name: str, i: dict[str, Any], project: str, _: str) -> tuple[str, dict[str, Any]]:
    return i["name"], {"name": i["name"]}


def _flex_job(name: str, i: dict[str, Any], project: str, region: str) -> tuple[str, Any]:
    job = f"2026-01-01_00_00_00-{int(_short_hash(name), 16) % 10**18}"
    return job, {"jobId": job, "state": "JOB_STATE_RUNNING", "region": i.get("region", region)}


def _object(name: str, i: dict[str, Any], project: str, _: str) -> tuple[str, dict[str, Any]]:
    return f"{i['bucket']}-{i['name']}", {
        "selfLink": f"gs://{i['bucket']}/{i['name']}",
        "mediaLink": f"gs://{i['bucket']}/{i['name']}",
    }


def _dataplex(kind: str, id_key: str) -> Computed:
    def handler(name: str, i: dict[str, Any], project: str, region: str) -> tuple[str, Any]:
        rid = f"projects/{project}/locations/{i.get('location', region)}/{kind}/{i[id_key]}"
        return rid, {"name": rid}

    return handler


def _service_identity(name: str, i: dict[str, Any], project: str, _: str) -> tuple[str, Any]:
    """A service agent as Service Usage's generateServiceIdentity answers it."""
    api = str(i.get("service", ""))
    user = next((u for u in KEY_USERS if u.api == api), None)
    email = (
        user.address(project_number(project))
        if user is not None
        else f"service-{project_number(project)}@gcp-sa-{api.split('.')[0]}.iam.gserviceaccount.com"
    )
    return f"projects/{project}/services/{api}", {
        "email": email,
        "member": f"serviceAccount:{email}",
    }


def _agent(api: str, field: str) -> Callable[[str], dict[str, Any]]:
    """A lookup of a service agent (storage's, BigQuery's encryption account)."""
    user = next(u for u in KEY_USERS if u.api == api)

    def answer(project: str) -> dict[str, Any]:
        email = user.address(project_number(project))
        return {"project": project, field: email, "member": f"serviceAccount:{email}"}

    return answer


def _client_config(project: str) -> dict[str, Any]:
    """The deploying identity's credentials as the provider reads them (a placeholder
    token: nothing offline talks to a registry)."""
    return {"project": project, "accessToken": "offline-plan-token", "id": project}


def _image(name: str, i: dict[str, Any], project: str, _: str) -> tuple[str, Any]:
    """An image pushed by docker-build: `ref` is its tag pinned to the pushed digest."""
    tag = str((i.get("tags") or [name])[0])
    digest = "sha256:" + hashlib.sha256(f"{tag}|{i.get('context')}".encode()).hexdigest()
    return digest, {"digest": digest, "ref": f"{tag}@{digest}"}


_INVOKES: dict[str, Callable[[str], dict[str, Any]]] = {
    "gcp:organizations/getClientConfig:getClientConfig": _client_config,
    "gcp:storage/getProjectServiceAccount:getProjectServiceAccount": _agent(
        "storage.googleapis.com", "emailAddress"
    ),
    "gcp:bigquery/getDefaultServiceAccount:getDefaultServiceAccount": _agent(
        "bigquery.googleapis.com", "email"
    ),
}


_COMPUTED: dict[str, Computed] = {
    "gcp:projects/serviceIdentity:ServiceIdentity": _service_identity,
    "docker-build:index:Image": _image,
    "gcp:serviceaccount/account:Account": _account,
    "gcp:bigquery/dataset:Dataset": _dataset,
    "gcp:bigquery/table:Table": _table,
    "gcp:pubsub/topic:Topic": _named("topics"),
    "gcp:pubsub/subscription:Subscription": _named("subscriptions"),
    "gcp:pubsub/schema:Schema": _named("schemas"),
    "gcp:storage/bucket:Bucket": _bucket,
    "gcp:storage/bucketObject:BucketObject": _object,
    "gcp:bigquery/connection:Connection": _connection,
    "gcp:bigquery/dataTransferConfig:DataTransferConfig": _transfer,
    "gcp:monitoring/notificationChannel:NotificationChannel": _project_scoped(
        "notificationChannels"
    ),
    "gcp:monitoring/alertPolicy:AlertPolicy": _project_scoped("alertPolicies"),
    "gcp:logging/metric:Metric": _metric,
    "gcp:dataflow/flexTemplateJob:FlexTemplateJob": _flex_job,
    "gcp:dataplex/dataProduct:DataProduct": _dataplex("dataProducts", "dataProductId"),
    "gcp:dataplex/datascan:Datascan": _dataplex("dataScans", "dataScanId"),
}
