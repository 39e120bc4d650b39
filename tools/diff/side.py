"""One side of a diff: the mesh of a folder (a git ref unpacked, or the working tree),
its stacks, the readers its stacks' registry files name, and its governance files."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model.conventions import REGISTRY_OUTPUT
from model.errors import DANGLING_PORT, MAJOR_NAME_MISMATCH, InputProblem, SpecError, SpecIssue
from model.mesh import Mesh, load_mesh
from model.stack_settings import PROJECT
from tools.production import FloorProblem, is_production, production_declaration
from tools.stack import (
    load_stack_config,
    offline_registries,
    project_stacks,
    stack_name,
    stack_settings,
)

VERSIONING_CODES = frozenset({DANGLING_PORT, MAJOR_NAME_MISMATCH})
CODEOWNERS_PLACES = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
_SKIP = {"__pycache__", "venv", ".venv", "node_modules"}
_OWNER = re.compile(r"@[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?")


@dataclass
class Side:
    label: str  # "" for the working tree, "<ref>:" for a git ref (prefixes paths shown)
    root: Path
    mesh: Mesh | None = None  # None when only versioning problems stopped it loading
    versioning_issues: list[SpecIssue] = field(default_factory=list)
    stacks: dict[str, tuple[str, ...]] = field(default_factory=dict)  # stack -> its products
    production: set[str] = field(default_factory=set)  # production stacks
    readers: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    # stack -> the products of the registries its config lists: "stack: product" -> ports
    # they read ((product, port)); a stack's move or removal breaks these reads
    stack_readers: dict[str, dict[str, set[tuple[str, str]]]] = field(default_factory=dict)
    placement: dict[str, tuple[str, str]] = field(default_factory=dict)  # (project, location)
    # stack -> {product it reads from another stack: that stack's name, as configured}
    external: dict[str, dict[str, str]] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)  # governance files: path -> text
    # who approves changes that lower protection (production.json: governance.owners)
    governance_owners: tuple[str, ...] = ()

    @property
    def deployers(self) -> dict[str, tuple[str, ...]]:
        """product -> the stacks that deploy it."""
        out: dict[str, list[str]] = defaultdict(list)
        for stack, products in self.stacks.items():
            for pid in products:
                out[pid].append(stack)
        return {pid: tuple(stacks) for pid, stacks in out.items()}

    def readers_of_stack(self, stack: str, products: set[str]) -> list[str]:
        """Who reads `products` from `stack`: products of other stacks of this repository
        (`data-mesh:externalProducts`) and of registries the stack's config lists."""
        out: set[str] = set()
        for reader, reads in self.external.items():
            for pid, source in reads.items():
                if self.mesh is None or pid not in products or stack_name(source) != stack:
                    continue
                consumers = {e.consumer for e in self.mesh.downstream(pid)}
                out |= {f"{reader}: {c}" for c in self.stacks.get(reader, ()) if c in consumers}
        for who, ports in self.stack_readers.get(stack, {}).items():
            if any(pid in products for pid, _ in ports):
                out.add(who)
        return sorted(out)

    def show(self, path: Path | None) -> str:
        """A path as the user knows it: relative to the repository, with the ref."""
        found = locate(path, self)
        return found[0].label + found[1] if found else str(path or "")


def locate(path: Path | None, *sides: Side) -> tuple[Side, str] | None:
    """The side whose tree holds `path`, and the path inside the repository."""
    for side in sides:
        if path is not None and path.is_relative_to(side.root):
            return side, path.relative_to(side.root).as_posix()
    return None


class SideProblem(SpecError):
    """Invalid input on one side: its problems, with the paths as the user knows them
    (`main:products/x/product.yaml`, not the temporary folder the ref was unpacked in)."""

    def __init__(self, side: Side, issues: list[SpecIssue]) -> None:
        super().__init__(
            SpecIssue(Path(side.show(i.file)), i.field, i.message, i.code) for i in issues
        )


def load_side(
    label: str, root: Path, products_rel: Path, pack_rel: Path, project_rel: Path = Path()
) -> Side:
    """One side; `*_rel` are paths inside the repository (the Pulumi project may be in a
    subfolder of it)."""
    side = Side(label, root)
    products = root / products_rel
    if label and not products.exists():  # the ref predates the mesh
        side.mesh = Mesh(products, {}, (), ())
    else:
        try:
            side.mesh = load_mesh(products)
        except SpecError as exc:
            if not all(i.code in VERSIONING_CODES for i in exc.issues):
                raise SideProblem(side, exc.issues) from None
            side.versioning_issues = exc.issues
    _stacks(side, pack_rel, root / project_rel)
    side.files = _governance_files(root, pack_rel, project_rel)
    return side


def _stacks(side: Side, pack_rel: Path, project: Path) -> None:
    try:
        declared = production_declaration(side.root / pack_rel)
    except FloorProblem as problem:
        raise SideProblem(side, problem.issues) from None
    if declared is not None:
        side.governance_owners = _governance_owners(side, *declared)
    readers: dict[tuple[str, str], list[str]] = defaultdict(list)
    for stack in project_stacks(project):
        try:
            config = load_stack_config(project, stack)
            settings = stack_settings(config, side.mesh) if side.mesh is not None else None
            products = (
                settings.products
                if settings is not None
                else _listed_products(config.values.get(f"{PROJECT}:products", "[]"))
            )
            if settings is not None:
                side.placement[stack] = (settings.project, settings.location)
                side.external[stack] = {
                    pid: ext.stack for pid, ext in settings.external_products.items()
                }
            registries = offline_registries(config, project)
        except InputProblem as problem:
            raise SideProblem(side, [problem.issue]) from None
        except SpecError as exc:
            raise SideProblem(side, exc.issues) from None
        side.stacks[stack] = tuple(products)
        if declared is not None and is_production(config, declared[1]):
            side.production.add(stack)
        mine = side.stack_readers.setdefault(stack, defaultdict(set))
        for other, outputs in registries.items():
            for product, entry in (outputs.get(REGISTRY_OUTPUT) or {}).items():
                for read in (entry.get("inputPorts") or {}).values():
                    who = f"{other}: {product}"
                    mine[who].add((read["product"], read["port"]))
                    if who not in readers[(read["product"], read["port"])]:
                        readers[(read["product"], read["port"])].append(who)
    side.readers = {key: tuple(sorted(v)) for key, v in readers.items()}


def _governance_owners(side: Side, path: Path, declared: dict[str, Any]) -> tuple[str, ...]:
    """`governance.owners`: GitHub teams or users as CODEOWNERS names them."""
    section = declared.get("governance", {})
    owners = section.get("owners", []) if isinstance(section, dict) else None
    if not isinstance(owners, list) or not all(
        isinstance(o, str) and _OWNER.fullmatch(o) for o in owners
    ):
        issue = SpecIssue(path, "governance.owners", "must list owners like @org/team or @user")
        raise SideProblem(side, [issue])
    return tuple(owners)


def _listed_products(raw: str) -> list[str]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return []
    return [p for p in value if isinstance(p, str)] if isinstance(value, list) else []


def _governance_files(root: Path, pack_rel: Path, project_rel: Path) -> dict[str, str]:
    """The policy pack's files and CODEOWNERS, by path relative to the repository."""
    out: dict[str, str] = {}
    pack = root / pack_rel
    if pack.is_dir():
        for path in sorted(pack.rglob("*")):
            parts = set(path.relative_to(root).parts)
            if path.is_file() and not path.is_symlink() and not parts & _SKIP:
                out[path.relative_to(root).as_posix()] = path.read_bytes().decode(errors="replace")
    for place in CODEOWNERS_PLACES:
        path = root / place
        if path.is_file() and not path.is_symlink():
            out[place] = path.read_text(errors="replace")
    for path in sorted((root / project_rel).glob("Pulumi.*.yaml")):
        if path.is_file() and not path.is_symlink():
            out[path.relative_to(root).as_posix()] = path.read_text(errors="replace")
    return out
