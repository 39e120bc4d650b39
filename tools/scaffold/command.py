"""`datamesh new product`: check every choice, write the product's files, check the
result validates, and (with --stack) add it to the stack's products. Nothing is left
half-written: a product that would not validate is removed again."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.errors import SpecError
from model.kinds import INPUT_KINDS, OUTPUT_KINDS, TRANSFORMATION_KINDS, kind_name
from model.kinds.scaffold import InputScaffold, NewProduct, ScaffoldRefused
from model.mesh import load_mesh
from tools.scaffold import choices
from tools.scaffold.files import (
    FIXTURE_ROWS,
    SCHEMA_LINE,
    contract,
    dump,
    fixture,
    unit_test,
    values,
)
from tools.scaffold.stack_file import add_product
from tools.stack import Stack, load_stack

KINDS = {kind_name(k): k for k in (*INPUT_KINDS, *TRANSFORMATION_KINDS, *OUTPUT_KINDS)}


@dataclass
class NewReport:
    product: str
    folder: Path
    files: list[str] = field(default_factory=list)
    stack: str = ""
    next_steps: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class NewOptions:
    id: str
    domain: str
    inputs: list[str]
    transformation: str | None
    outputs: list[str]
    owner: str | None = None
    tenant_column: str | None = None
    stack: str | None = None


def run_new(project_dir: Path, products_dir: Path | None, o: NewOptions) -> NewReport:
    stack = load_stack(project_dir, o.stack, products_dir) if o.stack else None
    folder = products_dir or (project_dir / "products")
    mesh = stack.mesh if stack else load_mesh(folder)
    pid = choices.product_id(o.id, mesh)
    domain = choices.slug(o.domain, "--domain", 30)
    if o.tenant_column is not None:
        choices.slug(o.tenant_column.replace("_", "-"), "--tenant-column")
    inputs = [choices.input_choice(v, mesh) for v in o.inputs or ["google-sheet:sheet"]]
    t_kind = choices.transformation_choice(o.transformation, inputs)
    default_out = "view" if t_kind == "views" else "table"
    taken = {i.name for i in inputs}
    stem = pid.rsplit("-", 1)[-1]
    stem = stem if stem not in taken else f"{stem}-out"
    outputs = [
        choices.output_choice(v, stem if i == 0 else f"{stem}-{i + 1}")
        for i, v in enumerate(o.outputs or [default_out])
    ]
    choices.unique_names(inputs, outputs)
    if stack is not None:
        _deployable(stack, [i.upstream[0] for i in inputs if i.upstream])
    new = NewProduct(
        pid,
        domain,
        stack.settings.project if stack else "my-project",
        stack.settings.region if stack else "europe-west1",
        o.tenant_column,
        {i.name: choices.upstream(mesh, i.name, *i.upstream) for i in inputs if i.upstream},
    )
    files = _files(new, o.owner or domain, inputs, t_kind, outputs, stack)
    target = folder / pid
    if target.exists():
        raise choices.refuse("ID", f"{target} exists; datamesh new never overwrites")
    report = NewReport(pid, target, sorted(files), o.stack or "")
    _write(target, files)
    _check(folder, target)
    if stack is not None:
        add_product(stack, pid)
    report.next_steps = _next_steps(pid, inputs, o.stack, stack)
    return report


def _deployable(stack: Stack, upstream: list[str]) -> None:
    for product in upstream:
        if (
            product not in stack.settings.products
            and product not in stack.settings.external_products
        ):
            raise choices.refuse(
                "--stack",
                f"{stack.name} neither deploys {product} nor lists it under "
                "data-mesh:externalProducts; the new product could not read it there",
            )


def _files(
    new: NewProduct,
    team: str,
    inputs: list[choices.PortChoice],
    t_kind: str,
    outputs: list[choices.PortChoice],
    stack: Stack | None,
) -> dict[str, str]:
    try:
        scaffolds: dict[str, InputScaffold] = {
            i.name: KINDS[i.kind].scaffold(i.name, new)  # type: ignore[attr-defined]
            for i in inputs
        }
        t = KINDS[t_kind].scaffold(new, scaffolds, [(o.name, o.kind) for o in outputs])  # type: ignore[attr-defined]
    except ScaffoldRefused as exc:
        raise choices.refuse(exc.option, str(exc)) from None
    tenants = [x.id for x in stack.settings.tenants] if stack else []
    files = dict(t.files)
    out_specs = []
    for o in outputs:
        made = t.outputs[o.name]
        path = f"contracts/{o.name}.odcs.yaml"
        physical = f"{o.name.replace('-', '_')}_v1"
        purpose = f"The {o.name} rows of {new.id}."
        files[path] = contract(
            new.domain,
            new.id,
            o.name,
            physical,
            made.columns,
            made.classifications,
            purpose,
            o.kind,
        )
        out_specs.append(KINDS[o.kind].scaffold(o.name, path, made.tenant_column))  # type: ignore[attr-defined]
    for name, s in scaffolds.items():
        if s.event_contract:
            files[s.event_contract] = contract(
                new.domain,
                new.id,
                f"{name}-events",
                name.replace("-", "_"),
                s.columns,
                {},
                f"The payload of a {name} message.",
            )
        if s.fixture:
            rows = values(s.columns, FIXTURE_ROWS, tenants, name, s.tenant_column)
            files[f"local/{name}.{s.fixture}"] = fixture(s.fixture, s.columns, rows)
    events = t.spec["kind"] == "dataflow-flex-template"
    files["tests/first.yaml"] = unit_test(scaffolds, t.outputs, t.reads, tenants, events)
    files["product.yaml"] = SCHEMA_LINE + dump(
        _product(new, team, [s.spec for s in scaffolds.values()], t.spec, out_specs)
    )
    return files


def _product(
    new: NewProduct,
    team: str,
    inputs: list[dict[str, Any]],
    transformation: dict[str, Any],
    outputs: list[dict[str, Any]],
) -> dict[str, Any]:
    consumer = bool(new.upstream)
    return {
        "id": new.id,
        "name": new.id.replace("-", " ").capitalize(),
        "description": f"{new.id} of the {new.domain} domain: say what it serves and to whom.",
        "domain": new.domain,
        "owner": {
            "team": team,
            "group": f"{team}-team@example.com",
            "contact": f"{team}-oncall@example.com",
        },
        "alignment": "consumer" if consumer else "source",
        "classification": "internal",
        "tags": [new.domain],
        "slos": {"freshness_minutes": 1500, "availability_percent": 99.0},
        "input_ports": inputs,
        "transformation": transformation,
        "output_ports": outputs,
    }


def _write(target: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = target / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _check(folder: Path, target: Path) -> None:
    """The new product validates with the mesh, or nothing of it stays."""
    try:
        load_mesh(folder)
    except SpecError:
        shutil.rmtree(target)
        raise


def _next_steps(
    pid: str, inputs: list[choices.PortChoice], stack_name: str | None, stack: Stack | None
) -> list[str]:
    steps = [
        step
        for i in inputs
        for step in KINDS[i.kind].setup_steps(i.name, pid, stack_name)  # type: ignore[attr-defined]
    ]
    run = f" --stack {stack_name}" if stack_name else " --stack <a stack that deploys it>"
    if stack is None:
        steps.append(f"add {pid} to data-mesh:products of the stacks that deploy it")
    steps += [
        f"datamesh test --product {pid}",
        f"datamesh local{run}",
        f"datamesh plan{run}",
    ]
    return steps


def render_new(report: NewReport) -> list[str]:
    lines = [f"wrote {report.folder} ({len(report.files)} files):"]
    lines += [f"  {f}" for f in report.files]
    if report.stack:
        lines.append(f"added {report.product} to data-mesh:products of Pulumi.{report.stack}.yaml")
    lines.append("next:")
    lines += [f"  {s}" for s in report.next_steps]
    return lines
