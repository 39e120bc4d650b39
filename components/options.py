"""Resource options decided in one place, with the reason beside each rule."""

from __future__ import annotations

import pulumi


def child(parent: pulumi.Resource, **extra: object) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **extra)  # type: ignore[arg-type]


def stateful(parent: pulumi.Resource, protect: bool, **extra: object) -> pulumi.ResourceOptions:
    """Resources that hold data (datasets, tables, topics, subscriptions): protected in
    production, so a replacement or a delete needs a deliberate unprotect first."""
    return pulumi.ResourceOptions(parent=parent, protect=protect, **extra)  # type: ignore[arg-type]


def iam(parent: pulumi.Resource, **extra: object) -> pulumi.ResourceOptions:
    """IAM grants are replaced delete-first: create-before-delete of the same
    role and member ends with the grant removed (pulumi/pulumi-gcp#50)."""
    return pulumi.ResourceOptions(parent=parent, delete_before_replace=True, **extra)  # type: ignore[arg-type]
