"""The command line's choices, checked before anything is written: names, kinds, the
upstream ports a product reads, and what the stack deploys. Each refusal is
`command line: --option: message`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from model import conventions as conv
from model.errors import COMMAND_LINE, InputProblem, SpecIssue
from model.kinds import INPUT_KINDS, OUTPUT_KINDS, TRANSFORMATION_KINDS, InputKind, kind_name
from model.kinds.scaffold import Upstream
from model.mesh import Mesh
from model.product import RESERVED_PRODUCT_IDS
from model.spec_types import SourceColumn

PRODUCT = "product:"  # --input product:<id>.<port>
ID = re.compile(r"^[a-z][a-z0-9-]{1,61}[a-z0-9]$")


class ChoiceProblem(InputProblem):
    """A choice of `datamesh new` that makes no product."""


def refuse(option: str, message: str) -> ChoiceProblem:
    return ChoiceProblem(SpecIssue(COMMAND_LINE, option, message))


def kind_class(kind: str) -> type[InputKind]:
    return next(k for k in INPUT_KINDS if kind_name(k) == kind)


def input_kinds() -> list[str]:
    """The kinds named on the command line; another product's port is `product:...`."""
    return [kind_name(k) for k in INPUT_KINDS if k.local_rows != "upstream"]


def product_kind() -> str:
    return next(kind_name(k) for k in INPUT_KINDS if k.local_rows == "upstream")


@dataclass(frozen=True)
class PortChoice:
    kind: str
    name: str
    upstream: tuple[str, str] | None = None  # (product, port) of a product: input


def product_id(value: str, mesh: Mesh) -> str:
    if not ID.match(value) or not conv.SLUG.match(value) or value in RESERVED_PRODUCT_IDS:
        raise refuse("ID", f"{value!r} is not a product id ({conv.SLUG_RULE}, 3 to 63 chars)")
    if value in mesh.products:
        raise refuse("ID", f"product {value!r} exists already")
    return value


def slug(value: str, option: str, longest: int = 63) -> str:
    if not conv.SLUG.match(value) or len(value) > longest:
        raise refuse(option, f"{value!r} is not a name ({conv.SLUG_RULE})")
    return value


def input_choice(value: str, mesh: Mesh) -> PortChoice:
    if value.startswith(PRODUCT):
        target = value.removeprefix(PRODUCT)
        product, _, rest = target.partition(".")
        port, _, name = rest.partition(":")
        if product not in mesh.products:
            raise refuse("--input", f"unknown product {product!r} in {value!r}")
        ports = [p.name for p in mesh[product].spec.output_ports if p.serves_rows]
        if port not in ports:
            known = ", ".join(ports) or "none"
            raise refuse("--input", f"{product} has no table or view port {port!r} ({known})")
        return PortChoice(product_kind(), slug(name or port, "--input"), (product, port))
    kind, _, name = value.partition(":")
    if kind not in input_kinds():
        kinds = ", ".join([*input_kinds(), "product:<id>.<port>"])
        raise refuse("--input", f"{kind!r} is not an input kind ({kinds})")
    return PortChoice(kind, slug(name or kind, "--input"))


def output_choice(value: str, default_name: str) -> PortChoice:
    kind, _, name = value.partition(":")
    kinds = [kind_name(k) for k in OUTPUT_KINDS]
    if kind not in kinds:
        raise refuse("--output", f"{kind!r} is not an output kind ({', '.join(kinds)})")
    return PortChoice(kind, slug(name or default_name, "--output"))


def transformation_choice(value: str | None, inputs: list[PortChoice]) -> str:
    """The chosen kind, or the one the inputs call for: a pipeline for events, views over
    other products' ports, scheduled queries over sources."""
    kinds = [kind_name(k) for k in TRANSFORMATION_KINDS]
    if value is None:
        if any(kind_class(i.kind).local_rows == "events" for i in inputs):
            return "dataflow-flex-template"  # messages are read by a pipeline
        return "views" if inputs and all(i.upstream for i in inputs) else "scheduled-query"
    if value not in kinds:
        raise refuse(
            "--transformation", f"{value!r} is not a transformation kind ({', '.join(kinds)})"
        )
    return value


def unique_names(inputs: list[PortChoice], outputs: list[PortChoice]) -> None:
    seen: set[str] = set()
    for option, choice in [*(("--input", i) for i in inputs), *(("--output", o) for o in outputs)]:
        if choice.name in seen:
            raise refuse(option, f"port name {choice.name!r} is used twice; give NAME (KIND:NAME)")
        seen.add(choice.name)


def upstream(mesh: Mesh, name: str, product: str, port: str) -> Upstream:
    """The columns of another product's port, as the new product reads them (records and
    repeated fields left out: a new product starts from the plain columns)."""
    spec = mesh[product].spec.output_port(port)
    fields = mesh[product].contracts[port].fields
    plain = [f for f in fields if f.mode != "REPEATED" and f.type in SOURCE_TYPES]
    columns = tuple(
        SourceColumn(
            name=f.name,
            type=f.type,
            description=f.description,
            required=f.mode == "REQUIRED",
        )
        for f in plain
    )
    classes = {f.name: f.classification for f in plain if f.classification}
    return Upstream(product, port, columns, spec.tenant_column if spec else None, classes)


SOURCE_TYPES = frozenset(
    {"STRING", "INT64", "FLOAT64", "NUMERIC", "BOOL", "DATE", "DATETIME", "TIMESTAMP"}
)
