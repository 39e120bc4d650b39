"""SQL of views and scheduled queries reads only what the product declared."""

from __future__ import annotations

from collections import defaultdict

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from mesh_policies.common import (
    CONNECTION,
    INPUT_PORT_COMPONENT,
    TABLE,
    TABLE_IAM,
    TRANSFER,
    labels_of,
    table_key,
)
from mesh_policies.conventions import (
    EXTERNAL_QUERY,
    FEDERATED_INPUT_PORT,
    LABEL_PRODUCT,
    SqlSyntaxError,
    functions_read_by,
    tables_read_by,
)
from mesh_policies.stack_index import StackIndex


def _sql_reads(args: StackValidationArgs, report: ReportViolation) -> None:
    index = StackIndex.of(args.resources)
    declared: dict[str, set[tuple[str, str, str]]] = defaultdict(set)
    for r in args.resources:
        if r.resource_type == TABLE_IAM and index.ancestor(r, INPUT_PORT_COMPONENT):
            product = index.product_of(r)
            if product is not None:
                p = r.props
                declared[product].add(table_key(p))
    connections: dict[str, set[str]] = defaultdict(set)  # product -> project.location.id
    for r in args.resources:
        if r.resource_type == CONNECTION and index.ancestor(r, FEDERATED_INPUT_PORT):
            product = index.product_of(r)
            p = r.props
            if product is not None:
                connections[product].add(
                    f"{p.get('project', '')}.{p.get('location', '')}.{p.get('connectionId', '')}"
                )
    for r in args.resources:
        sql = None
        if r.resource_type == TABLE and r.props.get("view"):
            sql = (r.props.get("view") or {}).get("query")
        elif r.resource_type == TRANSFER and r.props.get("dataSourceId") == "scheduled_query":
            sql = (r.props.get("params") or {}).get("query")
        if not sql:
            continue
        product = index.product_of(r) or labels_of(r.props).get(LABEL_PRODUCT)
        try:
            tables = tables_read_by(str(sql))
            functions = functions_read_by(str(sql))
        except SqlSyntaxError as exc:
            report(
                f"{r.name}: its SQL does not parse as BigQuery SQL ({exc}); fix the query.", r.urn
            )
            continue
        for name, first in functions:
            if name == EXTERNAL_QUERY and first in connections.get(product or "", set()):
                continue
            report(
                f"{r.name} reads rows from {name}"
                + (f"({first!r})" if first else "")
                + f", which is not a federated input port of {product}; declare the source as "
                "a port (federated queries only through their connection).",
                r.urn,
            )
        for project, dataset, table in ((t.catalog, t.db, t.name) for t in tables):
            owner = index.dataset_owner(project, dataset)
            if owner is not None and owner == product:
                continue
            if (project, dataset, table) in declared.get(product or "", set()):
                continue
            report(
                f"{r.name} reads {project}.{dataset}.{table}, which is neither {product}'s "
                "own table nor an output port it declares as an input port.",
                r.urn,
            )


sql_reads_declared_ports = StackValidationPolicy(
    name="sql-reads-declared-ports",
    description="Every view and scheduled query reads only its own product's tables or upstream "
    "output ports the product declared as input ports; unparseable SQL is a violation.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_sql_reads,
)
