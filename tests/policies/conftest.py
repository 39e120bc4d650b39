"""Plans with the real policy pack, for the governance tests."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest

from tests.helpers import REPO
from tools.plan.evaluator import Violation, evaluate
from tools.plan.pack_config import read_pack_config, resolve_config
from tools.plan.pack_loader import LoadedPack, load_pack
from tools.plan.runner import ProgramRun, plan_with_references, run_program

PACK_DIR = REPO / "policies"
Transform = Callable[
    [pulumi.ResourceTransformationArgs], pulumi.ResourceTransformationResult | None
]


@pytest.fixture(scope="session")
def pack() -> LoadedPack:
    return load_pack(PACK_DIR)


@pytest.fixture(scope="session")
def crm_outputs() -> Mapping[str, Any]:
    return plan_with_references(REPO, "crm-prod").outputs


def check(
    pack: LoadedPack,
    run: ProgramRun,
    config: str | dict[str, Any] = "prod",
) -> list[Violation]:
    raw = (
        read_pack_config(PACK_DIR / "config" / f"{config}.json")
        if isinstance(config, str)
        else config
    )
    return evaluate(
        pack, resolve_config(pack, raw, PACK_DIR), run.resources, run.context()
    ).violations


def plan_stack(
    stack: str,
    crm_outputs: Mapping[str, Any],
    *,
    products_dir: Path | None = None,
    extra_config: dict[str, str] | None = None,
    transform: Transform | None = None,
    preview: bool = False,
    extra: Callable[[], None] | None = None,
) -> ProgramRun:
    """Plan `stack`; `transform` stands in for a faulty component, `extra` for resources
    a careless or hostile change adds beside the mesh."""
    extra_values = dict(extra_config or {})
    if products_dir is not None:
        extra_values["data-mesh:productsDir"] = str(products_dir)

    def before() -> None:
        if transform is not None:
            pulumi.runtime.register_stack_transformation(transform)
        if extra is not None:
            extra()

    return run_program(
        REPO,
        stack,
        extra_config=extra_values,
        stack_outputs=lambda name: crm_outputs,
        before_program=before,
        preview=preview,
    )


def alter(
    type_suffix: str,
    name_suffix: str,
    opts: pulumi.ResourceOptions | None = None,
    **props: Any,
) -> Transform:
    """A faulty component: change the props (snake_case) or options of matching resources."""

    def transform(
        args: pulumi.ResourceTransformationArgs,
    ) -> pulumi.ResourceTransformationResult | None:
        if not (args.type_.endswith(type_suffix) and args.name.endswith(name_suffix)):
            return None
        changed = {**args.props, **props}
        merged = pulumi.ResourceOptions.merge(args.opts, opts) if opts else args.opts
        return pulumi.ResourceTransformationResult(changed, merged)

    return transform
