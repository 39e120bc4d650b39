"""Load a CrossGuard policy pack in-process, as `pulumi preview --policy-pack` does:
its folder first on `sys.path`, its real `__main__.py` executed, with the
`PolicyPack` it constructs captured instead of served (the real one starts a
gRPC server and blocks). Everything this changes is put back afterwards."""

from __future__ import annotations

import os
import runpy
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import pulumi_policy
from pulumi_policy.policy import EnforcementLevel, Policy

from model.errors import InvalidInput, SpecIssue
from model.yamlfile import YamlProblem, read_yaml_mapping
from tools.plan.process_state import isolated

# The evaluator drives private helpers of pulumi-policy's analyzer servicer;
# these are the versions its tests cover (tests/policies/test_evaluator_fidelity.py).
SUPPORTED_POLICY_SDK = ("1.21.",)


class PackProblem(InvalidInput):
    """The pack or its config cannot be used; every problem found, first one first."""

    def __init__(self, issue: SpecIssue, *more: SpecIssue) -> None:
        self.issue = issue
        super().__init__([issue, *more])


@dataclass(frozen=True)
class LoadedPack:
    name: str
    version: str
    policies: list[Policy]
    enforcement_level: EnforcementLevel
    initial_config: dict[str, Any] | None


def require_supported_sdk() -> None:
    version = metadata.version("pulumi-policy")
    if not version.startswith(SUPPORTED_POLICY_SDK):
        raise PackProblem(
            SpecIssue(
                Path("pyproject.toml"),
                "pulumi-policy",
                f"version {version} is installed; the offline evaluator is tested with "
                f"{', '.join(v + 'x' for v in SUPPORTED_POLICY_SDK)} only "
                "(reinstall the project: pip install -e .)",
            )
        )


def load_pack(folder: Path, environment: Mapping[str, str] | None = None) -> LoadedPack:
    """The pack in `folder`, its module run with `environment` set (what the engine
    starts an analyzer with: `PULUMI_CONFIG` makes stack config readable while the pack
    loads)."""
    require_supported_sdk()
    meta_path = folder / "PulumiPolicy.yaml"
    if not (folder / "__main__.py").is_file() or not meta_path.is_file():
        raise PackProblem(
            SpecIssue(folder, "", "not a policy pack (needs __main__.py and PulumiPolicy.yaml)")
        )
    try:
        meta = read_yaml_mapping(meta_path, root=folder)
    except YamlProblem as problem:
        raise PackProblem(problem.issue) from None
    captured: dict[str, Any] = {}

    def capture(
        name: str,
        policies: list[Policy],
        enforcement_level: Any = None,
        initial_config: Any = None,
        **_: Any,
    ) -> None:
        captured.update(
            name=name, policies=policies, level=enforcement_level, initial=initial_config
        )

    with isolated(unload_from=(folder,)):
        os.environ.update(environment or {})
        sys.path.insert(0, str(folder))
        pulumi_policy.PolicyPack = capture  # type: ignore[assignment,misc]
        try:
            runpy.run_path(str(folder / "__main__.py"), run_name="__main__")
        except Exception as exc:  # a broken pack is the user's input, reported plainly
            raise PackProblem(
                SpecIssue(
                    folder / "__main__.py", "", f"cannot load the pack: {type(exc).__name__}: {exc}"
                )
            ) from None
    if not captured:
        raise PackProblem(SpecIssue(folder / "__main__.py", "", "does not construct a PolicyPack"))
    return LoadedPack(
        name=captured["name"],
        version=str(meta.get("version", "0.0.1")),
        policies=list(captured["policies"]),
        enforcement_level=captured["level"] or EnforcementLevel.ADVISORY,
        initial_config=captured["initial"],
    )
