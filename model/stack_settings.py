"""Stack configuration (`Pulumi.<stack>.yaml`), validated without Pulumi.

`__main__.py` reads the raw values through `pulumi.Config` and hands them here;
the offline plan does the same from the YAML file. Keys are camelCase as
Pulumi users expect (`data-mesh:externalProducts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from pydantic.alias_generators import to_camel

from model import conventions as conv
from model import identifiers as ids
from model.errors import SpecIssue, field_path
from model.locations import bigquery_location_problem, region_problem
from model.mesh import Mesh
from model.messages import describe, rule

PROJECT = "data-mesh"  # the Pulumi project name: config keys are `data-mesh:<key>`
PRODUCTS_DIR = "products"  # where the product specs live unless the stack says otherwise

ProjectId = Annotated[
    str,
    StringConstraints(pattern=rule(ids.PROJECT_ID.pattern, ids.PROJECT_RULE)),
]
Email = Annotated[str, StringConstraints(pattern=rule(ids.GROUP_EMAIL.pattern, ids.EMAIL_RULE))]
ProductId = Annotated[str, StringConstraints(pattern=rule(conv.SLUG.pattern, conv.SLUG_RULE))]
TenantId = Annotated[
    str, StringConstraints(pattern=rule(conv.TENANT_ID.pattern, conv.TENANT_ID_RULE))
]
KmsKey = Annotated[
    str,
    StringConstraints(
        pattern=rule(
            r"^projects/[^/]+/locations/[^/]+/keyRings/[^/]+/cryptoKeys/[^/]+$",
            "a KMS key name, projects/<p>/locations/<l>/keyRings/<r>/cryptoKeys/<k>",
        )
    ),
]
StackName = Annotated[
    str,
    StringConstraints(
        pattern=rule(r"^[\w.-]+(/[\w.-]+){0,2}$", "a stack name, optionally org/project/stack")
    ),
]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


class Tenant(_Model):
    id: TenantId = Field(description="Tenant id = customer id in the CRM")
    group: Email = Field(description="Google group of the tenant's readers")


class ExternalProduct(_Model):
    """A product deployed by another stack: where to read it and whose identity it has."""

    stack: StackName = Field(description="Fully qualified stack name, org/project/stack")
    project: ProjectId = Field(description="GCP project that stack deploys into")


class StackSettings(_Model):
    project: ProjectId
    region: Annotated[
        str,
        StringConstraints(
            pattern=rule(r"^[a-z]+-[a-z]+[0-9]$", "a Google Cloud region such as europe-west1")
        ),
    ]
    location: Annotated[str, StringConstraints(min_length=2)] = Field(
        description="BigQuery location of the datasets (EU, US or a region)"
    )
    environment: Literal["dev", "prod"]
    products: list[ProductId] = Field(min_length=1)
    external_products: dict[ProductId, ExternalProduct] = Field(default_factory=dict)
    teams: dict[ProductId, Email] = Field(default_factory=dict)
    tenants: list[Tenant] = Field(default_factory=list)
    kms_key: KmsKey | None = None
    notification_emails: list[Email] = Field(default_factory=list)
    subnetwork: str | None = None
    pipeline_image_tag: (
        Annotated[
            str,
            StringConstraints(
                pattern=rule(r"^[\w][\w.-]{0,127}$", "an image tag: letters, digits, '_', '.', '-'")
            ),
        ]
        | None
    ) = Field(
        default=None,
        description="Run a prebuilt pipeline image with this tag; by default `pulumi up` "
        "builds each pipeline's image from its folder, tagged by the folder's content",
    )
    policy_tags: dict[str, str] = Field(
        default_factory=dict, description="Contract classification -> Data Catalog policy tag"
    )
    # Read before the settings exist (they are checked against the mesh found there, see
    # products_dir_of); declared so the key is known and must be a string.
    products_dir: str = Field(default=PRODUCTS_DIR, description="Where the product specs live")

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        problem = region_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("location")
    @classmethod
    def _known_location(cls, value: str) -> str:
        problem = bigquery_location_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    def owner_group(self, team: str, declared: str) -> str:
        """The owner group for this stack: the stack's team map wins over the spec."""
        return self.teams.get(team, declared)

    def project_of(self, product_id: str) -> str:
        """The GCP project a product lives in: ours, or its owning stack's."""
        external = self.external_products.get(product_id)
        return external.project if external else self.project


# Which config keys map to which fields (provider keys are not ours).
CONFIG_KEYS = {
    "gcp:project": "project",
    "gcp:region": "region",
}


def products_dir_of(values: Mapping[str, Any]) -> str:
    """`data-mesh:productsDir` of raw config values, relative to the project folder."""
    return str(values.get(f"{PROJECT}:productsDir", PRODUCTS_DIR))


def settings_from_config(
    values: dict[str, Any], source: str, mesh: Mesh
) -> tuple[StackSettings | None, list[SpecIssue]]:
    """Validate raw config values (`{"gcp:project": ..., "data-mesh:products": [...]}`)."""
    path = Path(source)
    raw: dict[str, Any] = {}
    issues: list[SpecIssue] = []
    for key, value in values.items():
        if key in CONFIG_KEYS:
            raw[CONFIG_KEYS[key]] = value
        elif key.startswith(f"{PROJECT}:"):
            name = key.split(":", 1)[1]
            if name in _SECRET_KEYS:
                continue
            raw[name] = value
    try:
        settings = StackSettings.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = list(err["loc"])
            head = loc[0] if loc else ""
            key = next((k for k, v in CONFIG_KEYS.items() if v == head), f"{PROJECT}:{head}")
            rest = field_path(loc[1:])
            field = key + (("." + rest) if rest and not rest.startswith("[") else rest)
            msg = describe(err)
            if err["type"] == "missing":
                msg = "required config key is missing"
            elif err["type"] == "extra_forbidden":
                msg = "unknown config key"
            issues.append(SpecIssue(path, field, msg))
        return None, issues
    issues += _check_against_mesh(path, settings, mesh)
    return (None if issues else settings), issues


# Keys the program does not read itself: the secret (read as a secret Output) and
# the offline plan's stand-ins for other stacks' outputs.
_SECRET_KEYS = frozenset({"federatedCredentials", "offlineRegistries"})


def _check_against_mesh(path: Path, settings: StackSettings, mesh: Mesh) -> list[SpecIssue]:
    issues: list[SpecIssue] = []
    deployed = set(settings.products)
    for i, pid in enumerate(settings.products):
        if pid not in mesh.products:
            issues.append(SpecIssue(path, f"{PROJECT}:products[{i}]", f"unknown product {pid!r}"))
            continue
        if pid in settings.external_products:
            issues.append(
                SpecIssue(path, f"{PROJECT}:externalProducts.{pid}", "is deployed by this stack")
            )
        for edge in mesh.upstream(pid):
            if edge.producer not in deployed and edge.producer not in settings.external_products:
                issues.append(
                    SpecIssue(
                        path,
                        f"{PROJECT}:products[{i}]",
                        f"{pid} reads {edge.producer}, which this stack neither deploys nor "
                        f"lists under {PROJECT}:externalProducts",
                    )
                )
    for pid in settings.external_products:
        if pid not in mesh.products:
            issues.append(
                SpecIssue(path, f"{PROJECT}:externalProducts.{pid}", f"unknown product {pid!r}")
            )
    seen: set[str] = set()
    for i, tenant in enumerate(settings.tenants):
        if tenant.id in seen:
            issues.append(SpecIssue(path, f"{PROJECT}:tenants[{i}].id", "duplicate tenant id"))
        seen.add(tenant.id)
    return issues
