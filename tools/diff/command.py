"""`datamesh diff`: compare the mesh at a git ref with the working tree (or another
ref); classify every change, enforce versioning, show each breaking change's blast
radius and the governance changes with their approvers."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from model.errors import COMMAND_LINE, DANGLING_PORT, MAJOR_NAME_MISMATCH, SpecIssue
from model.evolution import Change, Problem, diff_meshes
from model.evolution.rules import GOVERNANCE, RULES
from model.mesh import load_product
from tools.diff.git import GitProblem, repo_root, resolve, unpack
from tools.diff.governance import Approval, approval_problems, approvals, governance_changes
from tools.diff.side import Side, SideProblem, load_side, locate

WORKING_TREE = "working tree"


@dataclass
class DiffReport:
    base: str
    head: str
    base_side: Side
    head_side: Side
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    approvals: list[Approval] = field(default_factory=list)
    stopped: bool = False  # head did not load: only its versioning errors are known

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    def show(self, path: Path | None) -> str:
        """A file as the user knows it (`main:products/...` for the base's)."""
        found = locate(path, self.head_side, self.base_side)
        return found[0].label + found[1] if found else str(path or "")

    def repo_path(self, path: Path | None) -> str:
        """A file's path in the repository, whichever side holds it."""
        found = locate(path, self.head_side, self.base_side)
        return found[1] if found else str(path or "")


def _relative(folder: Path, root: Path, option: str) -> Path:
    try:
        return folder.resolve().relative_to(root)
    except ValueError:
        raise GitProblem(
            SpecIssue(COMMAND_LINE, option, f"{folder} is not inside the repository {root}")
        ) from None


def run_diff(
    project_dir: Path,
    base_ref: str,
    head_ref: str | None,
    products_dir: Path | None,
    pack_dir: Path | None,
    progress: Callable[[str], None] = lambda _: None,
    approved_by: tuple[str, ...] = (),
) -> DiffReport:
    """Raises GitProblem or SideProblem on invalid input. The folders default to
    `products` and `policies` at the project folder; `approved_by`: the governance owners
    who approved the pull request (its workflow reads the reviews)."""
    root = repo_root(project_dir)
    products_rel = _relative(products_dir or project_dir / "products", root, "--products-dir")
    pack_rel = _relative(pack_dir or project_dir / "policies", root, "--policy-pack")
    project_rel = _relative(project_dir, root, "--project-dir")
    base_commit = resolve(root, base_ref, "--base")
    head_commit = resolve(root, head_ref, "--head") if head_ref is not None else None
    with tempfile.TemporaryDirectory(prefix="datamesh-diff-") as scratch:
        progress(f"reading {base_ref}")
        base_root = Path(scratch) / "base"
        unpack(root, base_commit, base_root)
        base = load_side(f"{base_ref}:", base_root, products_rel, pack_rel, project_rel)
        if base.mesh is None:
            raise SideProblem(base, base.versioning_issues)
        if head_commit is not None and head_ref is not None:
            head_root = Path(scratch) / "head"
            unpack(root, head_commit, head_root)
            head = load_side(f"{head_ref}:", head_root, products_rel, pack_rel, project_rel)
        else:
            head = load_side("", root, products_rel, pack_rel, project_rel)
        progress("comparing")
        report = DiffReport(base_ref, head_ref or WORKING_TREE, base, head)
        if head.mesh is None:
            report.stopped = True
            report.problems = _versioning_from_load(base, head)
        else:
            deployers = {**base.deployers, **head.deployers}
            evolution = diff_meshes(base.mesh, head.mesh, deployers, head.readers)
            report.changes = evolution.changes
            report.problems = evolution.problems + _undeployed_while_read(base, head, project_rel)
            moved, problems = _stacks_moved(base, head, project_rel)
            report.changes += moved
            report.problems += problems
        report.changes += governance_changes(base, head)
        needs_review = [
            c for c in report.changes if c.category == GOVERNANCE or RULES[c.rule].approval
        ]
        report.approvals = approvals(base, head, needs_review, approved_by)
        declared = bool(base.governance_owners or head.governance_owners)
        report.problems += approval_problems(report.approvals, declared)
        return report


def _versioning_from_load(base: Side, head: Side) -> list[Problem]:
    """Head did not load because of a removed port still read, or a major version under
    the old physical name: those are versioning errors. Anything else is invalid input."""
    assert base.mesh is not None
    out: list[Problem] = []
    invalid: list[SpecIssue] = []
    for issue in head.versioning_issues:
        if issue.code == MAJOR_NAME_MISMATCH:
            product = issue.file.parent.name
            out.append(Problem("major-without-new-name", product, "", issue.message, issue.file))
            continue
        read = _read_port(issue) if issue.code == DANGLING_PORT else None
        if read is None or read[1] not in _ports_of(base, read[0]):
            invalid.append(issue)
            continue
        consumer = issue.file.parent.name
        out.append(
            Problem(
                "removed-while-read",
                read[0],
                read[1],
                f"{read[0]}.{read[1]} is removed but {consumer} still reads it "
                f"({head.show(issue.file)}: {issue.field}); keep serving it until every "
                "consumer has moved to its successor",
                issue.file,
            )
        )
    if invalid:
        raise SideProblem(head, invalid)
    return out


def _undeployed_while_read(base: Side, head: Side, project_rel: Path) -> list[Problem]:
    """A stack stops deploying a product that another stack still reads from it
    (`data-mesh:externalProducts`): those reads break when the stack is updated."""
    out: list[Problem] = []
    for stack, products in base.stacks.items():
        dropped = set(products) - set(head.stacks.get(stack, ()))
        for pid in sorted(dropped):
            # readers in this repository as the head has them (they may have moved), and
            # in the registries the stack lists as the base has them (the head may be gone)
            in_mesh = [
                r for r in head.readers_of_stack(stack, {pid}) if r.split(": ")[0] in head.stacks
            ]
            registry = [
                r
                for r in base.readers_of_stack(stack, {pid})
                if r.split(": ")[0] not in base.stacks
            ]
            readers = sorted({*in_mesh, *registry})
            if readers:
                how = "removed" if stack not in head.stacks else f"stops deploying {pid}"
                out.append(
                    Problem(
                        "removed-while-read",
                        pid,
                        "",
                        f"stack {stack} {how}: {', '.join(readers)} still read {pid} from it "
                        "(data-mesh:externalProducts, or the registries the stack lists)",
                        head.root / project_rel / f"Pulumi.{stack}.yaml",
                    )
                )
    return out


def _stacks_moved(base: Side, head: Side, project_rel: Path) -> tuple[list[Change], list[Problem]]:
    """A stack whose project or BigQuery location changes replaces every dataset it
    deploys somewhere else: the readers of all its products lose their tables."""
    changes: list[Change] = []
    problems: list[Problem] = []
    for stack, before in sorted(base.placement.items()):
        after = head.placement.get(stack)
        if after is None or after == before:
            continue
        file = head.root / project_rel / f"Pulumi.{stack}.yaml"
        products = sorted(head.stacks.get(stack, ()))
        detail = (
            f"stack {stack}: project {before[0]} -> {after[0]}, location {before[1]} -> "
            f"{after[1]}; products {', '.join(products)}"
        )
        readers = tuple(head.readers_of_stack(stack, set(products)))
        change = Change("stack-placement-changed", "", "", "", detail, file)
        changes.append(replace(change, readers_elsewhere=readers))
        problems.append(
            Problem(
                "breaking-change-in-place",
                "",
                "",
                f"{detail}: their datasets are replaced in the new place and every reader "
                "loses its tables; deploy a new stack there and move readers over first",
                file,
            )
        )
    return changes, problems


def _ports_of(side: Side, product: str) -> set[str]:
    assert side.mesh is not None
    bundle = side.mesh.products.get(product)
    return {p.name for p in bundle.spec.output_ports} if bundle else set()


def _read_port(issue: SpecIssue) -> tuple[str, str] | None:
    """The (product, port) an `input_ports[i]` problem is about."""
    bundle, _ = load_product(issue.file)
    if bundle is None or not issue.field.startswith("input_ports["):
        return None
    index = int(issue.field[len("input_ports[") :].split("]")[0])
    port = bundle.spec.input_ports[index]
    product, name = getattr(port, "product", None), getattr(port, "port", None)
    return (product, name) if isinstance(product, str) and isinstance(name, str) else None
