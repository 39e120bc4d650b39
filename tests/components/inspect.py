"""Reading a recorded plan: which product owns a resource, who is granted what."""

from __future__ import annotations

from dataclasses import dataclass

from model import conventions as conv
from tools.plan.recorder import RecordedResource
from tools.plan.runner import ProgramRun
from tools.plan.session import products_by_urn

TABLE = "gcp:bigquery/table:Table"
DATASET = "gcp:bigquery/dataset:Dataset"
TABLE_IAM = "gcp:bigquery/iamMember:IamMember"
DATASET_ACCESS = "gcp:bigquery/datasetAccess:DatasetAccess"
ROW_ACCESS = "gcp:bigquery/rowAccessPolicy:RowAccessPolicy"


def custom_resources_of(run: ProgramRun, product: str) -> list[RecordedResource]:
    owners = products_by_urn(run)
    return [r for r in run.resources if r.custom and owners.get(r.urn) == product]


def product_of_identity(member: str, run: ProgramRun) -> str | None:
    """`serviceAccount:dp-iot-telemetry@...` -> `iot-telemetry` (a product of the run)."""
    products = {r.name for r in run.by_type(conv.DATA_PRODUCT)}
    return conv.product_of_identity(member, products)


@dataclass(frozen=True)
class Grant:
    resource: RecordedResource
    member: str
    role: str
    project: str
    dataset: str
    table: str | None  # None: the whole dataset


def bigquery_grants(run: ProgramRun) -> list[Grant]:
    grants: list[Grant] = []
    for r in run.resources:
        i = r.inputs
        if r.type == TABLE_IAM:
            grants.append(
                Grant(r, i["member"], i["role"], i["project"], i["datasetId"], i["tableId"])
            )
        elif r.type == DATASET_ACCESS:
            if "view" in i:
                v = i["view"]
                member = f"view:{v['projectId']}.{v['datasetId']}.{v['tableId']}"
            elif "userByEmail" in i:
                email = i["userByEmail"]
                kind = "serviceAccount" if email.endswith(".gserviceaccount.com") else "user"
                member = f"{kind}:{email}"
            elif "groupByEmail" in i:
                member = f"group:{i['groupByEmail']}"
            else:
                member = i.get("iamMember") or i.get("specialGroup") or i.get("domain", "?")
            grants.append(
                Grant(r, member, i.get("role", "VIEW"), i["project"], i["datasetId"], None)
            )
        elif r.type == ROW_ACCESS:
            for grantee in i.get("grantees", []):
                grants.append(
                    Grant(
                        r,
                        grantee,
                        f"ROW:{i['filterPredicate']}",
                        i["project"],
                        i["datasetId"],
                        i["tableId"],
                    )
                )
    return grants


def tables(run: ProgramRun) -> dict[tuple[str, str, str], RecordedResource]:
    return {
        (r.inputs["project"], r.inputs["datasetId"], r.inputs["tableId"]): r
        for r in run.by_type(TABLE)
    }


def dataset_owner(run: ProgramRun, project: str, dataset: str) -> str | None:
    for r in run.by_type(DATASET):
        if (r.inputs["project"], r.inputs["datasetId"]) == (project, dataset):
            return str(r.inputs["labels"]["mesh-product"])
    return None
