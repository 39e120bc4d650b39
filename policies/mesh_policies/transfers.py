"""Scheduled queries run as the product, where its data lives, and say when they fail."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from mesh_policies.common import TRANSFER
from mesh_policies.stack_index import StackIndex


def _transfers(args: StackValidationArgs, report: ReportViolation) -> None:
    index = StackIndex.build(list(args.resources))
    for r in args.resources:
        p = r.props
        if r.resource_type != TRANSFER or p.get("dataSourceId") != "scheduled_query":
            continue
        if not p.get("serviceAccountName"):
            report(
                f"{r.name} runs with the deployer's credentials; set serviceAccountName to "
                "the product's service account.",
                r.urn,
            )
        location = str(p.get("location") or "US")  # the provider's default
        dataset = index.datasets.get(
            (str(p.get("project", "")), str(p.get("destinationDatasetId")))
        )
        if dataset is not None:
            wanted = str(dataset.props.get("location") or "US")
            if wanted.lower() != location.lower():
                report(
                    f"{r.name} runs in {location} but writes a dataset in {wanted}; set "
                    f"location={wanted}.",
                    r.urn,
                )
        failure_mail = (p.get("emailPreferences") or {}).get("enableFailureEmail")
        if not failure_mail and not p.get("notificationPubsubTopic"):
            report(
                f"{r.name}: enable failure notification (emailPreferences or "
                "notificationPubsubTopic).",
                r.urn,
            )


scheduled_query_hardening = StackValidationPolicy(
    name="scheduled-query-hardening",
    description="Transfer configs run as a service account, in the destination dataset's "
    "location, with failure notification.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_transfers,
)
