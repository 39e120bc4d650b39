"""The mesh's conventions: how the platform names, labels and filters what it
provisions, and how the policy pack recognises it again.

This module is the one place these facts are written. It is pure (the
standard library and sqlglot, nothing of this repository), because the policy
pack ships alone: `policies/mesh_policies/conventions.py` is a generated copy
of this file (`datamesh conventions` writes it; `make test` fails when stale).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

# ---- component type tokens ---------------------------------------------------------

TOKEN_PREFIX = "datamesh:index:"


def token(component: str) -> str:
    """`DataProduct` -> `datamesh:index:DataProduct`."""
    return f"{TOKEN_PREFIX}{component}"


DATA_PRODUCT = token("DataProduct")
PRODUCT_STORAGE = token("ProductStorage")
PUBSUB_INPUT_PORT = token("PubSubInputPort")
GOOGLE_SHEET_INPUT_PORT = token("GoogleSheetInputPort")
FEDERATED_INPUT_PORT = token("FederatedInputPort")
DATA_PRODUCT_INPUT_PORT = token("DataProductInputPort")
TABLE_OUTPUT_PORT = token("TableOutputPort")
VIEW_OUTPUT_PORT = token("ViewOutputPort")
TOPIC_OUTPUT_PORT = token("TopicOutputPort")
DATAFLOW_TRANSFORMATION = token("DataflowTransformation")
SCHEDULED_QUERY_TRANSFORMATION = token("ScheduledQueryTransformation")
VIEWS_TRANSFORMATION = token("ViewsTransformation")
DISCOVERY = token("Discovery")
CONTROL_PORT = token("ControlPort")
QUALITY_SCANNER = token("QualityScanner")
PROJECT_BASELINE = token("ProjectBaseline")
OUTPUT_PORT_COMPONENTS = frozenset({TABLE_OUTPUT_PORT, VIEW_OUTPUT_PORT, TOPIC_OUTPUT_PORT})

# ---- labels ------------------------------------------------------------------------

LABEL_DOMAIN = "mesh-domain"
LABEL_PRODUCT = "mesh-product"
LABEL_OWNER = "mesh-owner"
LABEL_ENV = "mesh-env"
LABEL_PORT = "mesh-port"
LABEL_PORT_KIND = "mesh-port-kind"
LABEL_CONTRACT = "mesh-contract"
LABEL_CONTRACT_VERSION = "mesh-contract-version"
LABEL_TENANT_COLUMN = "mesh-tenant-column"
MESH_LABELS = (LABEL_DOMAIN, LABEL_PRODUCT, LABEL_OWNER, LABEL_ENV)
PORT_LABELS = (LABEL_PORT, LABEL_PORT_KIND)
PORT_KINDS = ("input", "output", "internal")
ENVIRONMENTS = ("dev", "prod")

# GCP label values: at most 63 characters, lowercase letters, digits, `_` and `-`.
LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")
LABEL_VALUE_RULE = "at most 63 lowercase letters, digits, '_' or '-'"


def label_value(text: str) -> str:
    """Free text made into a valid label value (lowercase, allowed characters, 63 max)."""
    return re.sub(r"[^a-z0-9_-]", "-", text.lower())[:63]


def mesh_labels(
    domain: str,
    product: str,
    owner: str,
    environment: str,
    port: str | None = None,
    kind: str | None = None,
) -> dict[str, str]:
    """The labels of a product's resource; port resources also name their port and kind."""
    labels = {
        LABEL_DOMAIN: label_value(domain),
        LABEL_PRODUCT: label_value(product),
        LABEL_OWNER: label_value(owner),
        LABEL_ENV: label_value(environment),
    }
    if port is not None:
        if kind not in PORT_KINDS:
            raise ValueError(f"port kind {kind!r} is not one of {PORT_KINDS}")
        labels[LABEL_PORT] = label_value(port)
        labels[LABEL_PORT_KIND] = kind
    return labels


# ---- names -------------------------------------------------------------------------

# The stack output a mesh stack exports its registry under: what other stacks read
# through a StackReference, and what `pulumi stack output --json` files hold.
REGISTRY_OUTPUT = "meshRegistry"

# Product ids, port names, domains and teams: they end up in label values,
# service account ids and Dataplex ids.
SLUG = re.compile(r"^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$")
SLUG_RULE = "lowercase letters, digits and hyphens, starting with a letter, at most 63 characters"
PRODUCT_ID_RULE = (
    "a product id is 3-63 lowercase letters, digits or hyphens, starting with a letter "
    "and not ending with a hyphen"
)

# Output port physical names end in the major version of their contract.
VERSIONED_NAME = re.compile(r"^(?P<base>[a-z][a-z0-9_]*)_v(?P<major>[0-9]+)$")
VERSIONED_RULE = "lowercase snake case ending in the contract's major version, e.g. metrics_v1"


def versioned_name(base: str, major: int) -> str:
    return f"{base}_v{major}"


def major_of(physical_name: str) -> int | None:
    """`metrics_v2` -> 2; None when the name carries no version."""
    match = VERSIONED_NAME.match(physical_name)
    return int(match.group("major")) if match else None


def sql_name(slug: str) -> str:
    """Port names (`device-tenants`) as SQL-safe identifiers (`device_tenants`)."""
    return slug.replace("-", "_")


def dataset_id(domain: str, product: str) -> str:
    """A product's dataset: `<domain>_<product>`, hyphens turned into underscores."""
    return sql_name(f"{domain}_{product}")


def product_of_dataset(dataset: str, domains: Mapping[str, str]) -> str | None:
    """The product (of `product -> domain`) whose dataset is `dataset`."""
    return next((p for p, d in sorted(domains.items()) if dataset_id(d, p) == dataset), None)


EXTERNAL_TABLE_PREFIX = "ext_"
DEAD_LETTER_TABLE = "dead_letters"


def external_table_id(port: str) -> str:
    """The external table over a Google Sheet input port."""
    return f"{EXTERNAL_TABLE_PREFIX}{sql_name(port)}"


def input_topic(product: str, port: str) -> str:
    return f"{product}-{port}"


def dead_letter_topic(product: str, port: str) -> str:
    return f"{product}-{port}-dead-letters"


def pipeline_subscription(product: str, port: str) -> str:
    return f"{product}-{port}-pipeline"


def product_of_name(name: str, products: Iterable[str]) -> str | None:
    """The product whose `<product>-` prefix `name` (topic, subscription, resource) carries;
    the longest match wins, so `iot` and `iot-metadata` are told apart."""
    matches = [p for p in products if name == p or name.startswith(f"{p}-")]
    return max(matches, key=len) if matches else None


GCP_ID_MAX = 63  # Dataplex scans, Artifact Registry repositories, Dataplex products


def bounded_id(text: str, limit: int = GCP_ID_MAX) -> str:
    """`text` as an id of at most `limit` characters that ends in a letter or digit:
    unchanged when it fits, else a readable prefix and a hash of the whole text."""
    if len(text) <= limit:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:_SERVICE_ACCOUNT_HASH]
    return f"{text[: limit - len(digest) - 1].rstrip('-')}-{digest}"


def artifact_repository(product: str) -> str:
    """The Artifact Registry repository of a product's pipeline images."""
    return bounded_id(f"{product}-images")


def quality_scan_id(product: str, port: str) -> str:
    """The Dataplex data-quality scan of an output port."""
    return bounded_id(f"{product}-{port}-dq")


SERVICE_ACCOUNT_PREFIX = "dp-"
SERVICE_ACCOUNT_MAX = 30
_SERVICE_ACCOUNT_HASH = 6
SERVICE_ACCOUNT_DOMAIN = ".iam.gserviceaccount.com"


def service_account_id(product: str) -> str:
    """A product's service account id: `dp-<product>`, deterministic and collision-free.

    Ids too long for 30 characters keep a readable prefix and end in a hash of
    the full product id, so two long ids that share a prefix still differ.
    """
    candidate = f"{SERVICE_ACCOUNT_PREFIX}{product}"
    if len(candidate) <= SERVICE_ACCOUNT_MAX:
        return candidate
    digest = hashlib.sha256(product.encode()).hexdigest()[:_SERVICE_ACCOUNT_HASH]
    keep = SERVICE_ACCOUNT_MAX - len(SERVICE_ACCOUNT_PREFIX) - _SERVICE_ACCOUNT_HASH - 1
    return f"{SERVICE_ACCOUNT_PREFIX}{product[:keep].rstrip('-')}-{digest}"


def service_account_email(product: str, project: str) -> str:
    return f"{service_account_id(product)}@{project}{SERVICE_ACCOUNT_DOMAIN}"


def identity_member(product: str, project: str) -> str:
    """The IAM member of a product's identity."""
    return f"serviceAccount:{service_account_email(product, project)}"


def email_of(member: str) -> str:
    """`group:a@b.com` -> `a@b.com`."""
    return member.split(":", 1)[1] if ":" in member else member


def is_identity_of(member: str, product: str) -> bool:
    """Whether an IAM member (or email) is `product`'s service account, in any project."""
    email = email_of(member)
    local, _, domain = email.partition("@")
    return local == service_account_id(product) and domain.endswith(SERVICE_ACCOUNT_DOMAIN)


def product_of_identity(member: str, products: Iterable[str]) -> str | None:
    """The product (among `products`) whose service account `member` is."""
    return next((p for p in sorted(products) if is_identity_of(member, p)), None)


def product_of_account_id(account_id: str, products: Iterable[str]) -> str | None:
    """The product (among `products`) whose service account id is `account_id`."""
    return next((p for p in sorted(products) if service_account_id(p) == account_id), None)


# ---- tenancy -----------------------------------------------------------------------

FULL_ACCESS_POLICY = "mesh_full_access"
# The Dataplex service agent scans every table with quality rules: it reads every row
# (this policy) and every policy-tagged column (fine-grained reader on the tags).
SCANNER_POLICY = "mesh_quality_scanner"
DATAPLEX_AGENT = "gcp-sa-dataplex"
FINE_GRAINED_READER = "roles/datacatalog.categoryFineGrainedReader"
SCANNER = re.compile(r"^serviceAccount:service-\d+@gcp-sa-dataplex\.iam\.gserviceaccount\.com$")


def is_scanner(member: str) -> bool:
    """The Dataplex service agent of a project (it runs the quality scans)."""
    return bool(SCANNER.match(member))


TENANT_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
TENANT_ID_RULE = "a tenant id is 1-63 lowercase letters, digits, '_' or '-'"


def _policy_suffix(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def tenant_policy_id(tenant: str) -> str:
    """The row access policy that shows a tenant its own rows."""
    return f"tenant_{_policy_suffix(tenant)}"


def downstream_policy_id(product: str) -> str:
    """The TRUE row access policy of a downstream product on an upstream table."""
    return f"mesh_reader_{_policy_suffix(product)}"


def tenant_filter(column: str, tenant: str) -> str:
    """The row filter of a tenant. Tenant ids are validated (TENANT_ID), so quoting is safe."""
    return f'{column} = "{tenant}"'


@dataclass(frozen=True)
class TenantFilter:
    column: str
    tenant: str


def _parse_predicate(predicate: str) -> exp.Expr | None:
    try:
        return sqlglot.parse_one(predicate, read="bigquery", into=exp.Condition)
    except (ParseError, TokenError, ValueError):
        return None


@cache
def parse_tenant_filter(predicate: str) -> TenantFilter | None:
    """`tenant_id = "acme"` (either side, any quoting) as parsed SQL; None for anything else."""
    tree = _parse_predicate(predicate)
    while isinstance(tree, exp.Paren):
        tree = tree.this
    if not isinstance(tree, exp.EQ):
        return None
    left, right = tree.this, tree.expression
    if isinstance(left, exp.Literal):
        left, right = right, left
    if not (isinstance(left, exp.Column) and not left.table):
        return None
    if not (isinstance(right, exp.Literal) and right.is_string):
        return None
    return TenantFilter(left.name, right.this)


@cache
def is_true_filter(predicate: str) -> bool:
    """The literal `TRUE` (every row), however it is spelled."""
    tree = _parse_predicate(predicate)
    while isinstance(tree, exp.Paren):
        tree = tree.this
    return isinstance(tree, exp.Boolean) and bool(tree.this)


# ---- SQL ---------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class TableRef:
    """A table a query reads, as written: `catalog.db.name` (parts may be empty)."""

    catalog: str
    db: str
    name: str

    def __str__(self) -> str:
        return ".".join(p for p in (self.catalog, self.db, self.name) if p)


class SqlSyntaxError(ValueError):
    """The SQL does not parse; `line`/`column` are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.line, self.column = line, column
        where = f" at line {line}, column {column}" if line is not None else ""
        super().__init__(f"{message}{where}")


def _plain_words(description: str, highlight: str) -> str:
    """sqlglot's parser messages, in the words of someone who wrote the SQL."""
    if description.startswith("Invalid expression / Unexpected token"):
        return f"unexpected {highlight!r}" if highlight else "unexpected text"
    required = re.match(r"Required keyword: '\w+' missing for <class '[\w.]*?(\w+)'>", description)
    if required:
        return f"incomplete {required.group(1).upper()}: something is missing after it"
    expected = re.match(r"Expected (.+?) but got <Token token_type: TokenType\.(\w+)", description)
    if expected:
        found = "the end of the query" if expected.group(2) == "SENTINEL" else repr(highlight)
        return f"expected {expected.group(1)}, found {found}"
    expecting = re.match(r"Expecting (.+)$", description)
    if expecting:
        return f"expected {expecting.group(1)!r}"
    return re.sub(r"<[^>]*>", "", description).strip()


def parse_query(sql: str) -> list[exp.Expr]:
    """Every statement of a BigQuery SQL text, or SqlSyntaxError."""
    try:
        return [s for s in sqlglot.parse(sql, read="bigquery") if s is not None]
    except ParseError as exc:
        first = exc.errors[0] if exc.errors else {}
        message = _plain_words(
            str(first.get("description") or "invalid SQL"), str(first.get("highlight") or "")
        )
        raise SqlSyntaxError(message, first.get("line"), first.get("col")) from None
    except TokenError:
        raise SqlSyntaxError("an unclosed quote or a character SQL does not allow") from None
    except RecursionError:
        raise SqlSyntaxError("nested too deeply") from None


def tables_read(query: exp.Expr) -> list[TableRef]:
    """The tables a parsed query reads: CTE names and table functions (UNNEST) left out."""
    ctes = {cte.alias_or_name for cte in query.find_all(exp.CTE)}
    out: list[TableRef] = []
    for table in query.find_all(exp.Table):
        if not table.name or (not table.db and table.name in ctes):
            continue
        out.append(TableRef(table.catalog, table.db, table.name))
    return out


EXTERNAL_QUERY = "EXTERNAL_QUERY"


def table_functions(query: exp.Expr) -> list[tuple[str, str | None]]:
    """Functions a query reads rows from (`FROM f(...)`; UNNEST excluded), each with its
    first argument when that is text (the connection of EXTERNAL_QUERY)."""
    out: list[tuple[str, str | None]] = []
    for table in query.find_all(exp.Table):
        func = table.this
        if not isinstance(func, exp.Func):
            continue
        name = (func.name if isinstance(func, exp.Anonymous) else func.sql_name()).upper()
        args = func.expressions if isinstance(func, exp.Anonymous) else []
        first = args[0] if args else None
        text = first.this if isinstance(first, exp.Literal) and first.is_string else None
        out.append((name, text))
    return out


@lru_cache(maxsize=4096)
def _reads_of(sql: str) -> tuple[tuple[TableRef, ...], tuple[tuple[str, str | None], ...]]:
    # Several policies read the same view or scheduled-query SQL; parse each text once.
    statements = parse_query(sql)
    return (
        tuple(ref for s in statements for ref in tables_read(s)),
        tuple(f for s in statements for f in table_functions(s)),
    )


def tables_read_by(sql: str) -> list[TableRef]:
    """The tables every statement of `sql` reads (SqlSyntaxError when it does not parse)."""
    return list(_reads_of(sql)[0])


def functions_read_by(sql: str) -> list[tuple[str, str | None]]:
    """The table functions every statement of `sql` reads rows from (see table_functions)."""
    return list(_reads_of(sql)[1])
