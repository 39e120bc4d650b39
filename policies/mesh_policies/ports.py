"""Output ports: protected, described by their contract, shaped for their use."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from mesh_policies.common import (
    DATASET,
    SUBSCRIPTION,
    TABLE,
    TOPIC,
    in_mesh,
    labels_of,
    schema_columns,
    walk_columns,
)
from mesh_policies.production import floor_property, is_production

_STATEFUL = {DATASET, TABLE, TOPIC, SUBSCRIPTION}


def _protection(args: ResourceValidationArgs, report: ReportViolation) -> None:
    required = args.get_config().get("requireProtection", False)
    if not (
        required
        or (is_production() and floor_property("output-port-protection", "requireProtection"))
    ):
        return
    if args.resource_type not in _STATEFUL or not in_mesh(args.urn):
        return
    p = args.props
    if args.resource_type == TABLE and p.get("externalDataConfiguration"):
        return  # holds no data
    if not args.opts.protect:
        report(
            f"{args.name}: protect it (ResourceOptions(protect=True)) so no update can delete it."
        )
    if args.resource_type == TABLE:
        if p.get("deletionProtection") is False:
            report(f"{args.name}: deletionProtection is off; a replacement would drop the data.")
        if args.opts.delete_before_replace:
            report(
                f"{args.name} is set up to be replaced delete-first; a schema change must "
                "become a new major port version (a new table), not a replacement."
            )
    if args.resource_type == DATASET and p.get("deleteContentsOnDestroy") is True:
        report(f"{args.name}: deleteContentsOnDestroy would delete every table with the dataset.")


output_port_protection = ResourceValidationPolicy(
    name="output-port-protection",
    description="In production, datasets, tables, topics and subscriptions are protected and "
    "have deletion protection; tables are never set up to be replaced on schema change.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={"requireProtection": {"type": "boolean", "default": False}}
    ),
    validate=_protection,
)


def _contract(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in (TABLE, TOPIC):
        return
    labels = labels_of(args.props)
    if labels.get("mesh-port-kind") != "output":
        return
    missing = [k for k in ("mesh-contract", "mesh-contract-version") if not labels.get(k)]
    if missing:
        report(f"{args.name}: an output port names its contract; add {', '.join(missing)}.")
    if args.resource_type != TABLE:
        return
    if not str(args.props.get("description") or "").strip():
        report(f"{args.name}: add the contract's description to the table.")
    if args.props.get("view"):
        return  # views take their columns from the query
    undocumented = [
        name
        for name, column in walk_columns(schema_columns(args.props.get("schema")))
        if not str(column.get("description") or "").strip()
    ]
    if undocumented:
        report(
            f"{args.name}: describe every column (from the contract): {', '.join(undocumented)}."
        )


output_port_contract = ResourceValidationPolicy(
    name="output-port-contract",
    description="Every output port carries its contract id and version, a description, and a "
    "description on every column, so consumers can find and trust it.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_contract,
)


def _time_series(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != TABLE or labels_of(args.props).get("mesh-port-kind") != "output":
        return
    p = args.props
    columns = schema_columns(p.get("schema"))
    # Event time: a REQUIRED TIMESTAMP named *_ts (the platform's convention for event time).
    time_columns = [
        c["name"]
        for c in columns
        if c.get("type") == "TIMESTAMP"
        and c.get("mode") == "REQUIRED"
        and str(c.get("name")).endswith("_ts")
    ]
    partitioning = p.get("timePartitioning")
    if not time_columns and not partitioning:
        return
    if not partitioning:
        report(f"{args.name} is a time series ({time_columns[0]}); partition it by that column.")
        return
    if not p.get("clusterings"):
        report(f"{args.name}: cluster it (e.g. by tenant and entity) to cut scan costs.")
    if partitioning.get("type") in ("DAY", "HOUR") and not p.get("requirePartitionFilter"):
        report(
            f"{args.name}: fine-grained partitions; set requirePartitionFilter so queries "
            "cannot scan the whole history by accident."
        )


time_series_partitioning = ResourceValidationPolicy(
    name="time-series-partitioning",
    description="Time-series output tables (an event-time *_ts column, or partitioned) are "
    "partitioned and clustered, and daily or hourly ones require a partition filter.",
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=_time_series,
)

_DATASET_IAM = (
    "gcp:bigquery/datasetIamMember:DatasetIamMember",
    "gcp:bigquery/datasetIamBinding:DatasetIamBinding",
    "gcp:bigquery/datasetIamPolicy:DatasetIamPolicy",
)


def _one_mechanism(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type in _DATASET_IAM:
        report(
            f"{args.name}: dataset IAM resources rewrite the dataset's access list and drop "
            "authorized views; use gcp.bigquery.DatasetAccess."
        )
    if args.resource_type == DATASET and in_mesh(args.urn) and args.props.get("accesses"):
        report(
            f"{args.name}: inline `accesses` conflict with DatasetAccess resources; grant "
            "with DatasetAccess only."
        )


single_dataset_grant_mechanism = ResourceValidationPolicy(
    name="single-dataset-grant-mechanism",
    description="Dataset-level access goes through DatasetAccess only; dataset IAM members, "
    "bindings, policies or inline accesses silently remove authorized views.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_one_mechanism,
)
