"""The order a project's stacks must be deployed in: a stack that reads another
stack's products (`data-mesh:externalProducts`) comes after it. A cycle cannot be
deployed at all (each stack waits for the other's registry) and is refused."""

from __future__ import annotations

from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from model.errors import InputProblem, SpecIssue
from model.stack_settings import PROJECT
from tools.stack import external_products, load_stack_config, project_stacks, stack_name

EXTERNAL = f"{PROJECT}:externalProducts"


class StackCycle(InputProblem):
    """Stacks that read each other's products."""


@dataclass(frozen=True)
class DeployOrder:
    stacks: tuple[str, ...]  # this project's stacks, each after the ones it reads
    reads: dict[str, dict[str, str]]  # stack -> {product it reads: the stack it reads from}


def deploy_order(project_dir: Path) -> DeployOrder:
    """Every `Pulumi.<stack>.yaml` of the project in an order that deploys."""
    stacks = project_stacks(project_dir)
    reads: dict[str, dict[str, str]] = {}
    graph: dict[str, set[str]] = {}
    for stack in stacks:
        found = {
            pid: stack_name(source)
            for pid, source in external_products(load_stack_config(project_dir, stack)).items()
        }
        reads[stack] = found
        graph[stack] = {s for s in found.values() if s in stacks and s != stack}
    try:
        order = tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise StackCycle(
            SpecIssue(
                project_dir / f"Pulumi.{exc.args[1][0]}.yaml",
                EXTERNAL,
                f"stacks read each other's products in a cycle ({cycle}): none of them can "
                "be deployed first; move a product so that reads go one way",
            )
        ) from None
    return DeployOrder(order, reads)


def order_lines(order: DeployOrder, stack: str) -> list[str]:
    """The deploy order as `datamesh plan` prints it."""
    lines = [f"Deploy order of the project's stacks: {', '.join(order.stacks)}"]
    for pid, source in sorted(order.reads.get(stack, {}).items()):
        where = "" if source in order.stacks else " (a stack outside this project)"
        lines.append(f"  {stack} reads {pid} from {source}{where}: deploy {source} first")
    return lines
