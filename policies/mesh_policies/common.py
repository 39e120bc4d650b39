"""Shared readers of resources: types, labels, principals, mesh membership.

The mesh's conventions (tokens, labels, names, filters) come from
`conventions`, the generated copy of the platform's own module.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from mesh_policies.conventions import (
    DATA_PRODUCT,
    DATA_PRODUCT_INPUT_PORT,
    OUTPUT_PORT_COMPONENTS,
    VERSIONED_NAME,
    email_of,
)

PRODUCT = DATA_PRODUCT
DATASET = "gcp:bigquery/dataset:Dataset"
TABLE = "gcp:bigquery/table:Table"
TABLE_IAM = "gcp:bigquery/iamMember:IamMember"
DATASET_ACCESS = "gcp:bigquery/datasetAccess:DatasetAccess"
ROW_ACCESS = "gcp:bigquery/rowAccessPolicy:RowAccessPolicy"
TRANSFER = "gcp:bigquery/dataTransferConfig:DataTransferConfig"
CONNECTION = "gcp:bigquery/connection:Connection"
TOPIC = "gcp:pubsub/topic:Topic"
SUBSCRIPTION = "gcp:pubsub/subscription:Subscription"
BUCKET = "gcp:storage/bucket:Bucket"
REPOSITORY = "gcp:artifactregistry/repository:Repository"
FLEX_JOB = "gcp:dataflow/flexTemplateJob:FlexTemplateJob"
ACCOUNT = "gcp:serviceaccount/account:Account"
DATAPLEX_PRODUCT = "gcp:dataplex/dataProduct:DataProduct"
DATASCAN = "gcp:dataplex/datascan:Datascan"
PORT_COMPONENTS = OUTPUT_PORT_COMPONENTS
INPUT_PORT_COMPONENT = DATA_PRODUCT_INPUT_PORT

# Resources whose `labels` argument takes GCP labels.
LABELABLE = {
    DATASET,
    TABLE,
    TOPIC,
    SUBSCRIPTION,
    BUCKET,
    REPOSITORY,
    FLEX_JOB,
    DATAPLEX_PRODUCT,
    "gcp:dataplex/dataProductDataAsset:DataProductDataAsset",
    DATASCAN,
}
PORT_RESOURCES = {TABLE, TOPIC, SUBSCRIPTION}

BASIC_ROLES = frozenset({"roles/owner", "roles/editor", "roles/viewer"})
PUBLIC = frozenset({"allUsers", "allAuthenticatedUsers"})
# Google's service agents: addresses in Google-owned projects, made per project number
SERVICE_AGENT = re.compile(
    r"^(service-\d+@(gcp-sa-[a-z-]+|compute-system|gs-project-accounts"
    r"|dataflow-service-producer-prod)|bq-\d+@bigquery-encryption)\.iam\.gserviceaccount\.com$"
)
VERSIONED = VERSIONED_NAME


def dataset_key(props: Mapping[str, Any]) -> tuple[str, str]:
    """(project, dataset) of a dataset, table or dataset-level resource's inputs."""
    return (str(props.get("project", "")), str(props.get("datasetId")))


def table_key(props: Mapping[str, Any]) -> tuple[str, str, str]:
    """(project, dataset, table) of a table or table-level resource's inputs."""
    return (str(props.get("project", "")), str(props.get("datasetId")), str(props.get("tableId")))


def is_iam_grant(type_token: str) -> bool:
    """IAM member, binding and policy resources of any service."""
    last = type_token.rsplit(":", 1)[-1].lower()
    return last.endswith(("iammember", "iambinding", "iampolicy"))


def in_mesh(urn: str) -> bool:
    """The resource belongs to a data product (its URN's type chain says so)."""
    return f"{PRODUCT}$" in urn.split("::")[2]


def labels_of(props: Mapping[str, Any]) -> dict[str, str]:
    value = props.get("labels") or props.get("userLabels") or {}
    return {str(k): str(v) for k, v in dict(value).items()}


def members_of(type_token: str, props: Mapping[str, Any]) -> Iterator[str]:
    """Every principal a resource grants something to, as IAM member strings."""
    if "member" in props and props.get("member"):
        yield str(props["member"])
    for member in props.get("members") or []:
        yield str(member)
    for grantee in props.get("grantees") or []:
        yield str(grantee)
    if type_token in (DATASET_ACCESS,):
        yield from _dataset_access_members(props)
    for entry in props.get("accesses") or []:
        yield from _dataset_access_members(entry)
    policy = props.get("policyData")
    if isinstance(policy, str) and policy:
        try:
            bindings = json.loads(policy).get("bindings", [])
        except (ValueError, AttributeError):
            bindings = []
        for binding in bindings:
            yield from (str(m) for m in binding.get("members", []))


def _dataset_access_members(props: Mapping[str, Any]) -> Iterator[str]:
    if props.get("userByEmail"):
        email = str(props["userByEmail"])
        kind = "serviceAccount" if email.endswith(".gserviceaccount.com") else "user"
        yield f"{kind}:{email}"
    if props.get("groupByEmail"):
        yield f"group:{props['groupByEmail']}"
    if props.get("domain"):
        yield f"domain:{props['domain']}"
    if props.get("iamMember"):
        yield str(props["iamMember"])
    if props.get("specialGroup"):
        yield str(props["specialGroup"])


def authorized_source(props: Mapping[str, Any]) -> str | None:
    """What a dataset access entry authorizes besides a member: a whole dataset (the
    provider's `authorizedDataset`, or `dataset` in a dataset's inline `accesses`) or a
    routine; None for a member or a view."""
    for key in ("authorizedDataset", "dataset"):
        value = props.get(key)
        if value:
            inner = (value.get("dataset") or value) if isinstance(value, Mapping) else {}
            return f"dataset {inner.get('projectId', '?')}.{inner.get('datasetId', '?')}"
    routine = props.get("routine")
    if routine:
        inner = routine if isinstance(routine, Mapping) else {}
        return f"routine {inner.get('datasetId', '?')}.{inner.get('routineId', '?')}"
    return None


def roles_of(props: Mapping[str, Any]) -> Iterator[str]:
    if props.get("role"):
        yield str(props["role"])
    for entry in props.get("accesses") or []:
        if entry.get("role"):
            yield str(entry["role"])
    policy = props.get("policyData")
    if isinstance(policy, str) and policy:
        try:
            yield from (str(b.get("role")) for b in json.loads(policy).get("bindings", []))
        except (ValueError, AttributeError):
            return


def is_service_agent(member: str) -> bool:
    return bool(SERVICE_AGENT.match(email_of(member)))


def schema_columns(schema: Any) -> list[dict[str, Any]]:
    """Top-level columns of a table's JSON schema (empty when absent or unparsable)."""
    if not isinstance(schema, str) or not schema:
        return []
    try:
        parsed = json.loads(schema)
    except ValueError:
        return []
    return parsed if isinstance(parsed, list) else []


def walk_columns(
    columns: Iterable[dict[str, Any]], prefix: str = ""
) -> Iterator[tuple[str, dict[str, Any]]]:
    for column in columns:
        name = f"{prefix}{column.get('name', '?')}"
        yield name, column
        yield from walk_columns(column.get("fields") or [], f"{name}.")
