"""The rule table of `datamesh diff`: every kind of change, its class and what it means.

Written from a consumer's side: a change is breaking when a reader's query, a
guarantee a reader relies on, or the table the data lives in (a replacement) does
not survive it. README's "Contract evolution" section prints this table
(`datamesh diff --rules`), and a test keeps the two equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

BREAKING = "breaking"
NON_BREAKING = "non-breaking"
GOVERNANCE = "governance"
ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Rule:
    id: str
    category: str  # BREAKING | NON_BREAKING | GOVERNANCE
    meaning: str
    approval: bool = False  # also needs the governance owners' review
    reach: bool = False  # shows who reads it, like a breaking change, whatever its class


_TABLE = (
    # ports
    Rule("port-added", NON_BREAKING, "a new output port"),
    Rule("port-removed", BREAKING, "an output port a consumer still reads is gone"),
    Rule("port-retired", NON_BREAKING, "an output port no consumer reads any more is gone"),
    Rule("port-renamed", BREAKING, "a port changed its name (its resources are replaced)"),
    Rule("port-kind-changed", BREAKING, "table, view or topic changed kind (a replacement)"),
    Rule("physical-name-changed", BREAKING, "the table, view or topic id changed"),
    Rule(
        "dataset-changed",
        BREAKING,
        "the product's dataset moved (its id derives from domain and product id): every "
        "table and view is replaced under another name",
    ),
    Rule("topic-retention-shortened", BREAKING, "a topic keeps messages for less time"),
    Rule(
        "partitioning-changed",
        BREAKING,
        "partition column or granularity changed: BigQuery cannot alter it, the table is replaced",
    ),
    Rule(
        "partition-filter-required",
        BREAKING,
        "require_partition_filter turned on: queries without a partition filter fail",
    ),
    Rule("partition-expiration-shortened", BREAKING, "partitions are deleted sooner"),
    Rule(
        "clustering-changed",
        NON_BREAKING,
        "clustering columns changed (BigQuery updates clustering in place)",
    ),
    Rule("port-settings-changed", NON_BREAKING, "another port setting changed"),
    Rule(
        "tenant-column-changed",
        BREAKING,
        "the column row access policies filter on changed",
        approval=True,
    ),
    Rule("access-granted", GOVERNANCE, "a consumer group was added to a port"),
    Rule(
        "protected-access-granted",
        GOVERNANCE,
        "a consumer group was added to a tenant-scoped port or one serving pii, sensitive "
        "or restricted columns",
        approval=True,
    ),
    Rule("access-revoked", GOVERNANCE, "a consumer group was removed from a port"),
    Rule("declassify-changed", GOVERNANCE, "a column's declassification was narrowed"),
    Rule(
        "declassify-widened",
        GOVERNANCE,
        "a column was declassified, or its declassification reason changed",
        approval=True,
    ),
    Rule(
        "tenant-column-resourced",
        GOVERNANCE,
        "the tenant column derives from other upstream columns (through SQL or declared "
        "lineage): which tenant sees a row changes",
        approval=True,
    ),
    # columns
    Rule("column-added", NON_BREAKING, "a NULLABLE or REPEATED column, or any column of a view"),
    Rule(
        "required-column-added",
        BREAKING,
        "a REQUIRED column added to a table: BigQuery adds only NULLABLE or REPEATED columns",
    ),
    Rule("column-removed", BREAKING, "a column readers may select is gone"),
    Rule("column-renamed", BREAKING, "a column was renamed (removed and added with its type)"),
    Rule("column-type-changed", BREAKING, "a column's type changed, widened or narrowed"),
    Rule("column-mode-tightened", BREAKING, "NULLABLE to REQUIRED, or to or from REPEATED"),
    Rule(
        "column-mode-relaxed",
        NON_BREAKING,
        "REQUIRED to NULLABLE, and no REQUIRED column downstream derives from it",
    ),
    Rule(
        "column-mode-relaxed-into-required",
        BREAKING,
        "REQUIRED to NULLABLE while a REQUIRED column downstream derives from it",
    ),
    Rule("column-classification-changed", GOVERNANCE, "a column's classification was raised"),
    Rule(
        "column-classification-lowered",
        GOVERNANCE,
        "a column's classification was lowered or removed, or moved to one without a policy tag",
        approval=True,
    ),
    Rule("column-order-changed", NON_BREAKING, "columns reordered (writes go by name)"),
    # guarantees
    Rule("quality-rule-added", NON_BREAKING, "a new quality rule: a stronger guarantee"),
    Rule("quality-rule-tightened", NON_BREAKING, "a threshold made stricter"),
    Rule("quality-rule-removed", BREAKING, "a guarantee readers relied on is gone"),
    Rule(
        "quality-rule-loosened",
        BREAKING,
        "a threshold made weaker, or changed in a way that cannot be ranked",
    ),
    Rule("sla-added", NON_BREAKING, "a new SLA or SLO"),
    Rule("sla-tightened", NON_BREAKING, "an SLA or SLO made stricter"),
    Rule("sla-removed", BREAKING, "an SLA or SLO is gone"),
    Rule("sla-loosened", BREAKING, "an SLA or SLO made weaker, or changed beyond ranking"),
    # products
    Rule("product-added", NON_BREAKING, "a new product"),
    Rule("product-removed", NON_BREAKING, "a product is gone (its ports are judged one by one)"),
    Rule("owner-changed", GOVERNANCE, "the owning team or group changed (who may write)"),
    Rule("classification-changed", GOVERNANCE, "the product's classification was raised"),
    Rule(
        "classification-lowered",
        GOVERNANCE,
        "the product's classification was lowered",
        approval=True,
    ),
    Rule("cross-tenant-changed", GOVERNANCE, "the product stopped crossing tenants"),
    Rule(
        "cross-tenant-set",
        GOVERNANCE,
        "the product started crossing tenants (or changed its reason)",
        approval=True,
    ),
    Rule("inputs-changed", NON_BREAKING, "input ports changed"),
    Rule(
        "event-schema-changed",
        BREAKING,
        "the schema publishers must meet changed: a field added as required, removed, "
        "retyped or re-moded (Pub/Sub rejects messages that do not match)",
    ),
    Rule(
        "event-field-added",
        NON_BREAKING,
        "an optional field added to the events a product accepts: publishers' messages stay valid",
    ),
    Rule(
        "event-field-relaxed",
        NON_BREAKING,
        "a required field of the events a product accepts became optional",
    ),
    Rule(
        "transformation-changed",
        NON_BREAKING,
        "SQL or pipeline settings changed; the output contracts are judged on their own",
    ),
    Rule(
        "column-computation-changed",
        NON_BREAKING,
        "the SQL computes an output column another way (its expression, or what it reads) "
        "under the same contract; its readers are listed, transitively",
        reach=True,
    ),
    Rule(
        "rows-kept-changed",
        NON_BREAKING,
        "the SQL keeps other rows (its filters, joins, grouping or limits changed) under "
        "the same contract; every reader of the port is listed, transitively",
        reach=True,
    ),
    Rule("description-changed", NON_BREAKING, "names, descriptions, tags or other metadata"),
    # stacks and the pack
    Rule("stack-config-changed", NON_BREAKING, "a non-production stack's config changed"),
    Rule("production-config-changed", GOVERNANCE, "a production stack's config changed"),
    Rule(
        "stack-placement-changed",
        BREAKING,
        "a stack's project or BigQuery location changed: its datasets are replaced elsewhere",
        approval=True,
    ),
    Rule("policy-pack-changed", GOVERNANCE, "a file of the policy pack or its config changed"),
    Rule("codeowners-changed", GOVERNANCE, "who must approve what changed"),
)
RULES: dict[str, Rule] = {rule.id: rule for rule in _TABLE}

# Versioning problems: why a change may not land as it is.
VERSIONING = {
    "breaking-change-in-place": (
        ERROR,
        "a breaking change to a served major version (>= 1) under the same port",
    ),
    "major-bump-in-place": (
        ERROR,
        "a new major version replaces the old one in place instead of a new port beside it",
    ),
    "major-without-new-name": (
        ERROR,
        "the contract's major version moved but the physical name still names the old one",
    ),
    "removed-while-read": (
        ERROR,
        "a port (or product) is removed while a consumer still reads it",
    ),
    "version-decreased": (ERROR, "the contract version went down"),
    "version-not-bumped": (WARNING, "the contract changed but its version did not"),
    "governance-approval-required": (
        ERROR,
        "a change that lowers protection, not yet approved by the governance owners",
    ),
    "governance-file-unowned": (ERROR, "a governance file that no CODEOWNERS entry owns"),
}


@dataclass(frozen=True)
class Consumer:
    """A port, and the columns of it, that a change reaches through lineage."""

    product: str
    port: str  # an output port; "" for a reader whose outputs do not use the change
    columns: tuple[str, ...]
    stacks: tuple[str, ...]  # stacks that deploy the product
    # how its query uses the change (column_use.HOWS) where it reads the changed port
    # itself, and the ports it reads it through where it does not
    uses: tuple[str, ...] = ()
    through: tuple[str, ...] = ()


@dataclass(frozen=True)
class Change:
    rule: str
    product: str
    port: str = ""
    column: str = ""
    detail: str = ""
    file: Path | None = None
    affected: tuple[Consumer, ...] = field(default=())  # the blast radius, when breaking
    readers_elsewhere: tuple[str, ...] = field(default=())  # registry readers: "stack: product"

    @property
    def category(self) -> str:
        return RULES[self.rule].category

    @property
    def shows_reach(self) -> bool:
        """Its report lists who reads what it changed (the blast radius)."""
        return self.category == BREAKING or RULES[self.rule].reach

    @property
    def subject(self) -> str:
        return ".".join(p for p in (self.product, self.port, self.column) if p)


@dataclass(frozen=True)
class Problem:
    rule: str  # a VERSIONING key
    product: str
    port: str
    message: str
    file: Path | None = None

    @property
    def level(self) -> str:
        return VERSIONING[self.rule][0]
