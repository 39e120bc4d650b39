"""The mesh: every product of a folder, resolved into one lineage graph."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from model import conventions as conv
from model.bundle import Edge, ProductBundle
from model.checks import check_product
from model.errors import DANGLING_PORT, TEXT_PATH, SpecError, SpecIssue, at, field_path
from model.files import FileProblem, read_text
from model.governance import check_governance
from model.lineage import PortLineage, mesh_lineage
from model.messages import describe
from model.partition_filters import check_partition_filters
from model.product import (
    RESERVED_PRODUCT_IDS,
    UNION_TAGS,
    OutputPort,
    Product,
)
from model.yamlfile import YamlProblem, parse_yaml_mapping, read_yaml_mapping

PRODUCT_FILE = "product.yaml"
SCHEMA_FILE = "product.schema.json"
SCHEMA_LINE_PREFIX = "# yaml-language-server: $schema="


@dataclass(frozen=True)
class Mesh:
    root: Path
    products: Mapping[str, ProductBundle]
    order: tuple[str, ...]  # topological: producers before consumers
    edges: tuple[Edge, ...]

    @cached_property
    def lineage(self) -> dict[tuple[str, str], PortLineage]:
        """Column-level lineage of every output port (model/lineage.py), computed once."""
        return mesh_lineage(self.products)

    def __getitem__(self, product_id: str) -> ProductBundle:
        return self.products[product_id]

    def ordered(self) -> list[ProductBundle]:
        return [self.products[pid] for pid in self.order]

    def upstream(self, product_id: str) -> list[Edge]:
        return [e for e in self.edges if e.consumer == product_id]

    def downstream(self, product_id: str) -> list[Edge]:
        return [e for e in self.edges if e.producer == product_id]

    def output_port(self, product_id: str, port: str) -> OutputPort:
        found = self.products[product_id].spec.output_port(port)
        if found is None:
            raise KeyError(f"{product_id}.{port}")
        return found

    def closure(self, product_ids: Iterable[str]) -> list[str]:
        """The given products and everything they read from, in topological order."""
        wanted: set[str] = set()
        stack = list(product_ids)
        while stack:
            pid = stack.pop()
            if pid in wanted:
                continue
            wanted.add(pid)
            stack += [e.producer for e in self.upstream(pid)]
        return [pid for pid in self.order if pid in wanted]


def load_mesh(products_dir: Path) -> Mesh:
    """Load `products_dir/*/product.yaml` into a Mesh, or raise SpecError with every problem."""
    if products_dir.is_file():
        raise SpecError([SpecIssue(products_dir, "", "is a file; give the products folder")])
    if not products_dir.is_dir():
        raise SpecError([SpecIssue(products_dir, "", "products folder does not exist")])
    # Not glob: it silently skips links that are broken or loop, which must be reported.
    files = sorted(
        folder / PRODUCT_FILE
        for folder in products_dir.iterdir()
        if folder.is_dir()
        and ((folder / PRODUCT_FILE).exists() or (folder / PRODUCT_FILE).is_symlink())
    )
    if not files:
        raise SpecError([SpecIssue(products_dir, "", f"no */{PRODUCT_FILE} found")])

    issues: list[SpecIssue] = []
    bundles: list[ProductBundle] = []
    broken: set[str] = set()  # ids of products that did not load, to avoid knock-on errors
    for path in files:
        bundle, found = load_product(path)
        issues += found
        if bundle is not None:
            bundles.append(bundle)
        else:  # its readers must not also report it as unknown
            broken.update({_declared_id(path), path.parent.name} - {""})

    by_id, found = _index(bundles)
    issues += found
    edges, found = _resolve_inputs(by_id, broken)
    issues += found
    if issues:
        raise SpecError(issues)
    order, cycle_issues = _topological_order(by_id, edges)
    if cycle_issues:
        raise SpecError(cycle_issues)
    mesh = Mesh(products_dir, by_id, order, tuple(sorted(edges)))
    governance = check_governance(mesh.products, mesh.lineage)
    governance += check_partition_filters(mesh.products)
    if governance:
        raise SpecError(governance)
    return mesh


def load_product(path: Path) -> tuple[ProductBundle | None, list[SpecIssue]]:
    try:
        text = read_text(path, root=path.parent.parent)
    except FileProblem as problem:
        return None, [problem.issue]
    product, found = _product_of_text(text)
    issues = at(path, found)
    if product is None:
        return None, issues
    bundle, checked = check_product(path, product)
    return (None if issues else bundle), issues + checked


@lru_cache(maxsize=8192)
def _product_of_text(text: str) -> tuple[Product | None, tuple[SpecIssue, ...]]:
    """The spec of a product.yaml text and its problems: a pure function of the text, so
    cached (model/errors.py: TEXT_PATH)."""
    path = TEXT_PATH
    try:
        data = parse_yaml_mapping(path, text)
    except YamlProblem as problem:
        return None, (problem.issue,)
    issues = _schema_line_issues(path, text)
    try:
        product = Product.model_validate(data)
    except ValidationError as exc:
        issues += [_from_pydantic(path, err) for err in exc.errors()]
        return None, tuple(issues)
    if product.id in RESERVED_PRODUCT_IDS:
        issues.append(SpecIssue(path, "id", f"{product.id!r} is reserved"))
    if conv.label_value(product.domain) != product.domain:
        issues.append(SpecIssue(path, "domain", "must be a valid label value"))
    return product, tuple(issues)


def _schema_line_issues(path: Path, text: str) -> list[SpecIssue]:
    first = text.split("\n", 1)[0].strip()
    if not (first.startswith(SCHEMA_LINE_PREFIX) and first.endswith(SCHEMA_FILE)):
        return [
            SpecIssue(
                path,
                "",
                f"the first line must be `{SCHEMA_LINE_PREFIX}../{SCHEMA_FILE}` "
                "so editors validate the file",
            )
        ]
    return []


# The `kind` values of each tagged union, for "needs a `kind`" messages.
_UNION_KINDS = {
    "kind": sorted(UNION_TAGS),
}


def _from_pydantic(path: Path, err: Any) -> SpecIssue:
    loc = [p for p in err["loc"] if not (isinstance(p, str) and p in UNION_TAGS)]
    if loc and loc[-1] == "id" and len(loc) == 1 and err["type"].startswith("string_"):
        return SpecIssue(path, "id", f"{err.get('input')!r} is not valid: {conv.PRODUCT_ID_RULE}")
    return SpecIssue(path, field_path(loc), describe(err, _UNION_KINDS))


def _index(bundles: list[ProductBundle]) -> tuple[dict[str, ProductBundle], list[SpecIssue]]:
    issues: list[SpecIssue] = []
    by_id: dict[str, ProductBundle] = {}
    seen: dict[tuple[str, str], ProductBundle] = {}
    for b in bundles:
        for what, value in (
            ("id", b.id),
            ("dataset id", b.spec.dataset_id),
            ("service account id", b.spec.service_account_id),
        ):
            other = seen.setdefault((what, value), b)
            if other is not b:
                issues.append(
                    SpecIssue(b.path, "id", f"{what} {value!r} is also used by {other.path}")
                )
                break  # the derived ids of a duplicate id clash too; say it once
        by_id.setdefault(b.id, b)
    return by_id, issues


def _declared_id(path: Path) -> str:
    try:
        value = read_yaml_mapping(path, root=path.parent.parent).get("id")
    except YamlProblem:
        return ""
    return value if isinstance(value, str) else ""


def _resolve_inputs(
    by_id: Mapping[str, ProductBundle], broken: set[str]
) -> tuple[list[Edge], list[SpecIssue]]:
    issues: list[SpecIssue] = []
    edges: list[Edge] = []
    for b in by_id.values():
        for i, port in enumerate(b.spec.input_ports):
            up = port.upstream()
            if up is None:
                continue
            where = f"input_ports[{i}]"
            if up.product == b.id:
                issues.append(
                    SpecIssue(b.path, f"{where}.product", f"{b.id} cannot read its own output port")
                )
                continue
            upstream = by_id.get(up.product)
            if upstream is None and up.product in broken:
                continue  # its own problems are reported already
            if upstream is None:
                issues.append(
                    SpecIssue(
                        b.path,
                        f"{where}.product",
                        f"unknown product {up.product!r}",
                        DANGLING_PORT,
                    )
                )
                continue
            if upstream.spec.output_port(up.port) is None:
                known = ", ".join(p.name for p in upstream.spec.output_ports)
                issues.append(
                    SpecIssue(
                        b.path,
                        f"{where}.port",
                        f"{up.product} has no output port {up.port!r} (it has: {known})",
                        DANGLING_PORT,
                    )
                )
                continue
            edges.append(Edge(up.product, up.port, b.id, port.name))
    return edges, issues


def _topological_order(
    by_id: Mapping[str, ProductBundle], edges: list[Edge]
) -> tuple[tuple[str, ...], list[SpecIssue]]:
    """Kahn's algorithm with sorted ties, so the order is the same on every machine."""
    preds: dict[str, set[str]] = {pid: set() for pid in by_id}
    succs: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        preds[e.consumer].add(e.producer)
        succs[e.producer].add(e.consumer)
    ready = sorted(pid for pid, p in preds.items() if not p)
    order: list[str] = []
    remaining = {pid: set(p) for pid, p in preds.items()}
    while ready:
        pid = ready.pop(0)
        order.append(pid)
        for nxt in sorted(succs[pid]):
            remaining[nxt].discard(pid)
            if not remaining[nxt] and nxt not in order and nxt not in ready:
                ready.append(nxt)
        ready.sort()
    if len(order) == len(by_id):
        return tuple(order), []
    cycle = _find_cycle({pid: p for pid, p in remaining.items() if pid not in order})
    first = by_id[cycle[0]]
    port_index = next(
        i
        for i, p in enumerate(first.spec.input_ports)
        if (up := p.upstream()) is not None and up.product == cycle[1 % len(cycle)]
    )
    return (), [
        SpecIssue(
            first.path,
            f"input_ports[{port_index}].product",
            "products form a cycle: " + " -> ".join([*cycle, cycle[0]]),
        )
    ]


def _find_cycle(preds: Mapping[str, set[str]]) -> list[str]:
    """Walk predecessor links from the smallest id until a product repeats."""
    path: list[str] = []
    node = min(preds)
    while node not in path:
        path.append(node)
        node = min(p for p in preds[node] if p in preds)
    cycle = path[path.index(node) :]
    # Report in reading direction (consumer reads producer), starting from the smallest id.
    start = cycle.index(min(cycle))
    return cycle[start:] + cycle[:start]
