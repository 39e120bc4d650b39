"""A second witness of classification: the pack learns a column is PII from what the
port component reports about itself; the plan also checks, from the product model, that
every column the contract or its lineage classifies into a tagged classification carries
that policy tag in the planned table schema. A component that stops reporting or
attaching a tag cannot serve personal data untagged with a clean plan."""

from __future__ import annotations

import json
from typing import Any

from model.governance import port_facts, rank
from tools.plan.evaluator import Violation
from tools.plan.runner import ProgramRun
from tools.stack import Stack

TAG_CHECK = "classified-columns-tagged"
UNMAPPED_CHECK = "classifications-mapped"
# production.json: classifications governance lets columns carry without a policy tag
UNTAGGED = "untaggedClassifications"
TABLE = "gcp:bigquery/table:Table"


def _planned_tags(schema: Any) -> dict[str, set[str]]:
    try:
        columns = json.loads(schema) if isinstance(schema, str) else []
    except ValueError:
        columns = []
    return {
        str(c.get("name")): set((c.get("policyTags") or {}).get("names") or [])
        for c in columns
        if isinstance(c, dict)
    }


def untagged_columns(
    stack: Stack, run: ProgramRun, allowed_untagged: frozenset[str] = frozenset()
) -> list[Violation]:
    """Columns classified into a tagged classification without their tag; and columns
    classified above `internal` into a classification the stack maps to no tag and
    governance does not allow untagged (`allowed_untagged`)."""
    mesh, settings = stack.mesh, stack.settings
    tables = {
        (str(r.inputs.get("datasetId")), str(r.inputs.get("tableId"))): r
        for r in run.resources
        if r.type == TABLE and not r.inputs.get("view")
    }
    out = []
    for pid in settings.products:
        bundle = mesh[pid]
        for port in bundle.spec.output_ports:
            table = tables.get((bundle.spec.dataset_id, port.physical_name))
            if not port.stores_rows or table is None:
                continue
            facts = port_facts(bundle, port.name, mesh.products, mesh.lineage)
            classes = {f.name: f.classification for f in bundle.contracts[port.name].fields}
            classes |= dict(facts.required_classifications)
            planned = _planned_tags(table.inputs.get("schema"))
            for column, classification in sorted(classes.items()):
                if (
                    classification
                    and rank(classification) > rank("internal")
                    and classification not in settings.policy_tags
                    and classification not in allowed_untagged
                ):
                    out.append(
                        Violation(
                            UNMAPPED_CHECK,
                            "mandatory",
                            table.urn,
                            f"{pid}.{port.name}: column {column} is {classification}, which "
                            "the stack maps to no policy tag (data-mesh:policyTags) and "
                            f"governance does not allow untagged ({UNTAGGED} in "
                            "policies/production.json): its readers would see it unmasked",
                        )
                    )
                tag = settings.policy_tags.get(classification or "")
                if tag and tag not in planned.get(column, set()):
                    out.append(
                        Violation(
                            TAG_CHECK,
                            "mandatory",
                            table.urn,
                            f"{pid}.{port.name}: column {column} is {classification} (its "
                            f"contract or lineage says so) but the planned table gives it no "
                            f"policy tag {tag}; its readers would see it unmasked",
                        )
                    )
    return out
