"""Classification has a second witness: the product model. A platform change that stops
a port component reporting its classified columns, and drops their policy tags, leaves
the pack nothing to see; the plan's own check still finds the untagged column."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pulumi

from tests.helpers import REPO
from tests.policies.conftest import check, plan_stack
from tools.plan.pack_loader import LoadedPack
from tools.plan.witness import TAG_CHECK, untagged_columns
from tools.stack import load_stack


def _forgets_classification(args: pulumi.ResourceTransformationArgs) -> Any:
    props = dict(args.props)
    if args.type_ == "datamesh:index:TableOutputPort":
        props["classifiedColumns"] = {}  # the component no longer reports it
        props["requiredClassifications"] = {}
    elif args.type_ == "gcp:bigquery/table:Table" and args.name == "customers-out-customers-table":
        props["schema"] = pulumi.Output.from_input(props["schema"]).apply(
            lambda s: json.dumps(
                [{k: v for k, v in c.items() if k != "policyTags"} for c in json.loads(s)]
            )
        )
    else:
        return None
    return pulumi.ResourceTransformationResult(props, args.opts)


def test_a_dropped_policy_tag_is_found_without_the_components_word(
    pack: LoadedPack, crm_outputs: Mapping[str, Any]
) -> None:
    stack = load_stack(REPO, "crm-prod")
    clean = plan_stack("crm-prod", crm_outputs)
    assert untagged_columns(stack, clean) == []
    run = plan_stack("crm-prod", crm_outputs, transform=_forgets_classification)
    assert not [v for v in check(pack, run) if v.policy == "pii-policy-tags"]  # pack blind
    found = untagged_columns(stack, run)
    assert [v.policy for v in found] == [TAG_CHECK]
    assert "customers.customers: column contact_email is pii" in found[0].message
    assert found[0].enforcement_level == "mandatory"
