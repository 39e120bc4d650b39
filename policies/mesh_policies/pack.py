"""The pack: every policy, its name, and the default enforcement level."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Policy

from mesh_policies.baseline import baseline_apis, key_grants
from mesh_policies.boundaries import consumers_read_output_ports_only, owner_only_writes
from mesh_policies.iam import (
    iam_replacement_safety,
    no_basic_roles,
    no_public_principals,
    principal_kinds,
)
from mesh_policies.labels import mesh_labels, naming
from mesh_policies.locations import allowed_locations, cmek, production_settings
from mesh_policies.pipelines import bucket_hardening, dataflow_hardening, pubsub_reliability
from mesh_policies.ports import (
    output_port_contract,
    output_port_protection,
    single_dataset_grant_mechanism,
    time_series_partitioning,
)
from mesh_policies.privilege import (
    dataset_authorizations,
    no_authoritative_iam,
    no_impersonation,
    project_iam,
    service_account_grantees,
)
from mesh_policies.scans import quality_scans_see_every_row
from mesh_policies.sql_reads import sql_reads_declared_ports
from mesh_policies.tenancy import (
    declassified_columns,
    pii_policy_tags,
    retention_vs_contract,
    tenant_isolation,
)
from mesh_policies.transfers import scheduled_query_hardening

PACK_NAME = "data-mesh-governance"
DEFAULT_LEVEL = EnforcementLevel.MANDATORY

POLICIES: list[Policy] = [
    mesh_labels,
    no_public_principals,
    no_basic_roles,
    principal_kinds,
    allowed_locations,
    cmek,
    output_port_protection,
    output_port_contract,
    consumers_read_output_ports_only,
    owner_only_writes,
    sql_reads_declared_ports,
    tenant_isolation,
    dataflow_hardening,
    pubsub_reliability,
    scheduled_query_hardening,
    iam_replacement_safety,
    time_series_partitioning,
    pii_policy_tags,
    retention_vs_contract,
    naming,
    single_dataset_grant_mechanism,
    bucket_hardening,
    declassified_columns,
    project_iam,
    no_authoritative_iam,
    no_impersonation,
    service_account_grantees,
    dataset_authorizations,
    production_settings,
    quality_scans_see_every_row,
    baseline_apis,
    key_grants,
]
