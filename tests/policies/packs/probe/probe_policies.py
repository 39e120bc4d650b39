"""Policies that turn what they see into violation messages."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

DATASET = "gcp:bigquery/dataset:Dataset"

# Read while the pack loads, before any Analyze call: the engine starts the analyzer
# with PULUMI_CONFIG (so Config works), but the SDK's settings are configured only when
# a request arrives (pulumi_policy/policy.py, _configure_runtime_settings), so the stack
# name is still the SDK's placeholder here.
AT_LOAD = f"region={pulumi.Config('gcp').get('region')} stack={pulumi.get_stack()}"


def _context(args: StackValidationArgs, report: ReportViolation) -> None:
    types = sorted(
        {r.resource_type for r in args.resources if r.resource_type.startswith("pulumi:")}
    )
    top = sorted(
        {
            r.parent.resource_type
            for r in args.resources
            if r.parent is not None and r.parent.parent is None
        }
    )
    region = pulumi.Config("gcp").get("region")
    report(
        f"project={pulumi.get_project()} stack={pulumi.get_stack()} region={region} "
        f"types={','.join(types)} top-parents={','.join(top)}"
    )


def _provider(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == DATASET:
        provider = args.provider
        report(
            f"provider={provider.resource_type if provider else None} "
            f"project={provider.props.get('project') if provider else None}"
        )


def _add_label(args: ResourceValidationArgs) -> Any:
    if args.resource_type == DATASET:
        labels = dict(args.props.get("labels") or {})
        labels["remediated"] = "yes"
        return {**args.props, "labels": labels}
    return None


def _add_chained(args: ResourceValidationArgs) -> Any:
    """Runs after add-label (pack order): sees its result when remediations chain."""
    if args.resource_type == DATASET:
        labels = dict(args.props.get("labels") or {})
        labels["chained"] = "yes" if labels.get("remediated") == "yes" else "no"
        return {**args.props, "labels": labels}
    return None


def _label_check(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if (
        args.resource_type == DATASET
        and (args.props.get("labels") or {}).get("remediated") != "yes"
    ):
        report("dataset not remediated")


def _needs_threshold(args: ResourceValidationArgs, report: ReportViolation) -> None:
    return None


def _at_load(args: StackValidationArgs, report: ReportViolation) -> None:
    report(f"at load: {AT_LOAD}; now: stack={pulumi.get_stack()}")


def _registrations(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not args.resource_type.startswith(("gcp:", "pulumi:providers:")):
        report(f"analyzed {args.resource_type}")


def _remediate_crash(args: ResourceValidationArgs) -> Any:
    raise ZeroDivisionError("division by zero")


def _crash(args: StackValidationArgs, report: ReportViolation) -> None:
    raise ZeroDivisionError("division by zero")


POLICIES = [
    StackValidationPolicy(
        name="at-load", description="What the pack saw loading.", validate=_at_load
    ),
    StackValidationPolicy(
        name="stack-context", description="What the stack looks like.", validate=_context
    ),
    ResourceValidationPolicy(
        name="provider-seen", description="The resource's provider.", validate=_provider
    ),
    ResourceValidationPolicy(
        name="add-label",
        description="Labels datasets.",
        remediate=_add_label,
        enforcement_level=EnforcementLevel.DISABLED,
    ),
    ResourceValidationPolicy(
        name="add-chained",
        description="Labels datasets after add-label.",
        remediate=_add_chained,
        enforcement_level=EnforcementLevel.DISABLED,
    ),
    ResourceValidationPolicy(
        name="label-check", description="Datasets are labelled.", validate=_label_check
    ),
    ResourceValidationPolicy(
        name="needs-threshold",
        description="Takes a required property.",
        validate=_needs_threshold,
        enforcement_level=EnforcementLevel.DISABLED,
        config_schema=PolicyConfigSchema(
            properties={
                "threshold": {"type": "integer"},
                "mode": {"type": "string", "enum": ["a"]},
            },
            required=["threshold"],
        ),
    ),
    ResourceValidationPolicy(
        name="registrations",
        description="Every registration the engine analyzes.",
        validate=_registrations,
        enforcement_level=EnforcementLevel.DISABLED,
    ),
    ResourceValidationPolicy(
        name="remediation-crasher",
        description="A remediation that raises.",
        remediate=_remediate_crash,
        enforcement_level=EnforcementLevel.DISABLED,
    ),
    StackValidationPolicy(
        name="crasher",
        description="Raises.",
        validate=_crash,
        enforcement_level=EnforcementLevel.DISABLED,
    ),
]
