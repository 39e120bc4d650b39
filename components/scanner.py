"""`datamesh:index:QualityScanner`: what the project's Dataplex service agent needs to
see every row and column it scans. Each product's table grants it a TRUE row access
policy (components/tenancy.py); the policy tags are the stack's, so it reads the
tagged columns through one grant per tag, made here once (two IAM members of the same
binding would remove it for both when one is deleted)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.options import iam
from model import conventions as conv


@dataclass(frozen=True)
class QualityScannerArgs:
    member: pulumi.Input[str]  # serviceAccount:service-<number>@gcp-sa-dataplex...
    tags: Mapping[str, str]  # classification -> policy tag its scanned tables use
    # product -> (its identity, the classifications its own tables carry): `datamesh
    # check` runs a product's checks as its service account, which must read them too
    checkers: Mapping[str, tuple[str, frozenset[str]]] = field(default_factory=dict)


class QualityScanner(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: QualityScannerArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(conv.QUALITY_SCANNER, name, None, opts)
        for classification, tag in sorted(args.tags.items()):
            gcp.datacatalog.PolicyTagIamMember(
                f"{name}-tag-{classification}",
                policy_tag=tag,
                role=conv.FINE_GRAINED_READER,
                member=args.member,
                opts=iam(self),
            )
            for product, (identity, classes) in sorted(args.checkers.items()):
                if classification in classes:
                    gcp.datacatalog.PolicyTagIamMember(
                        f"{name}-tag-{classification}-{product}",
                        policy_tag=tag,
                        role=conv.FINE_GRAINED_READER,
                        member=identity,
                        opts=iam(self),
                    )
        self.register_outputs({})
