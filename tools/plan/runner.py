"""Run the real `__main__.py` in-process under mocks, as `pulumi preview` would,
and return every resource it registered and the stack's outputs."""

from __future__ import annotations

import asyncio
import json
import os
import runpy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.mocks import set_mocks
from pulumi.runtime.stack import run_pulumi_func

from model.errors import CommandFailed, SpecIssue
from tools.plan.evaluator import StackContext
from tools.plan.mocks import GcpMocks
from tools.plan.process_state import isolated
from tools.plan.recorder import RecordedResource, RecordingMonitor
from tools.stack import (
    SECRET_PLACEHOLDER,
    ConfigProblem,
    StackConfig,
    load_stack_config,
    offline_registries,
    referenced_stacks,
    stack_name,
)


class ProgramError(CommandFailed):
    """The program stopped with a user-facing error (bad spec or config)."""

    def lines(self) -> list[str]:
        here = f"{Path.cwd()}/"  # the program names files by their full path
        return [line.removeprefix(here) for line in str(self).splitlines()]


@dataclass(frozen=True)
class ProgramRun:
    stack: str
    config: StackConfig
    resources: list[RecordedResource]
    outputs: dict[str, Any]
    preview: bool = False  # computed values unknown, as in a preview of a first `up`
    secret_outputs: tuple[str, ...] = ()  # exports that are secret or carry a secret

    def context(self) -> StackContext:
        """What the engine tells a policy pack about this stack."""
        return StackContext(self.config.project, self.stack, self.config.values, dry_run=True)

    def by_type(self, type_token: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_token]

    def named(self, name: str) -> RecordedResource:
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources named {name!r}")
        return found[0]


@dataclass(frozen=True)
class Recording:
    """What `record` returns: the resources in URN order, the stack's exports, and the
    exports that are secret."""

    resources: list[RecordedResource]
    outputs: dict[str, Any]
    secret_outputs: list[str]


def run_program(
    project_dir: Path,
    stack: str,
    *,
    extra_config: Mapping[str, str] | None = None,
    stack_outputs: Callable[[str], Mapping[str, Any]] | None = None,
    before_program: Callable[[], None] | None = None,
    on_record: Callable[[int], None] | None = None,
    preview: bool = False,
) -> ProgramRun:
    """Run `project_dir/__main__.py` for `stack` and record it.

    `preview`: plan as `pulumi preview` does for resources being created: inputs are
    known, every value the cloud computes (emails, ids, self links) is unknown.

    `before_program` runs inside the mocked runtime just before the program (tests
    use it to register stack transformations that simulate a faulty component).

    `stack_outputs(fully_qualified_stack_name)` answers StackReferences (see
    `plan_with_references`, which plans referenced stacks first).
    """
    config = load_stack_config(project_dir, stack)
    values = {**config.values, **(extra_config or {})}
    resolve = stack_outputs or (lambda name: {})
    mocks = GcpMocks(
        default_project=values.get("gcp:project", "project"),
        default_region=values.get("gcp:region", "us-central1"),
        stack_outputs=resolve,
        preview=preview,
    )
    main = project_dir / "__main__.py"
    with isolated():
        os.chdir(project_dir)
        recording = record(
            lambda: _run_main(main, before_program),
            project=config.project,
            stack=stack,
            config=values,
            secret_keys=config.secret_keys,
            mocks=mocks,
            on_record=on_record,
            preview=preview,
        )
    return ProgramRun(
        stack,
        config,
        recording.resources,
        recording.outputs,
        preview,
        tuple(recording.secret_outputs),
    )


def record(
    program: Callable[[], None],
    *,
    project: str,
    stack: str,
    mocks: GcpMocks,
    config: Mapping[str, str] | None = None,
    secret_keys: Sequence[str] = (),
    on_record: Callable[[int], None] | None = None,
    preview: bool = False,
) -> Recording:
    """Run `program` under mocks with a recording monitor: every resource it
    registered (in URN order) and the stack's outputs.

    The runtime is process-global: a fresh loop, settings, config and mocks for
    this run, and everything put back afterwards (tools/plan/process_state.py).
    """
    with isolated():
        loop = asyncio.new_event_loop()
        # Tasks the program left failing are reported once, as the run's error, not
        # dumped by asyncio ("Task exception was never retrieved") when collected.
        loop.set_exception_handler(lambda _loop, _context: None)
        asyncio.set_event_loop(loop)
        try:
            runtime_settings.reset_options(project=project, stack=stack, preview=preview)
            set_all_config(dict(config or {}), list(secret_keys))
            monitor = RecordingMonitor(mocks, on_record)
            set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
            try:
                loop.run_until_complete(run_pulumi_func(program))
            except pulumi.RunError as exc:
                raise ProgramError(str(exc)) from None
            outputs, secret_outputs = _resolve_outputs(loop)
        finally:
            loop.close()
    # Registration order and dependency order follow asyncio scheduling; URN order
    # makes two plans of the same stack identical.
    return Recording(sorted(monitor.recorded, key=lambda r: r.urn), outputs, secret_outputs)


def _run_main(main: Path, before: Callable[[], None] | None) -> None:
    if before is not None:
        before()
    runpy.run_path(str(main), run_name="__main__")


def _resolve_outputs(loop: asyncio.AbstractEventLoop) -> tuple[dict[str, Any], list[str]]:
    """The stack's exports, and which of them are secret (or carry a secret config value)."""
    root = runtime_settings.get_root_resource()
    exported = dict(getattr(root, "outputs", {}) or {}) if root is not None else {}
    if not exported:
        return {}, []
    future = pulumi.Output.from_input(exported).future()
    out = loop.run_until_complete(future) or {}
    result: dict[str, Any] = json.loads(json.dumps(out, default=str))
    secret = [
        key
        for key, value in sorted(exported.items())
        if loop.run_until_complete(pulumi.Output.from_input(value).is_secret())
        or SECRET_PLACEHOLDER in json.dumps(result.get(key), default=str)
    ]
    return result, secret


def plan_with_references(
    project_dir: Path,
    stack: str,
    *,
    extra_config: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
    preview: bool = False,
) -> ProgramRun:
    """Plan the stacks `stack` references first (depth first), then `stack` itself,
    answering its StackReferences with their outputs (what their registries export is
    known at preview: inputs of theirs, not computed values)."""
    runs: dict[str, ProgramRun] = {}

    def visit(name: str, path: tuple[str, ...], named_by: SpecIssue | None) -> ProgramRun:
        if name in path and named_by is not None:
            cycle = " -> ".join([*path, name])
            raise ConfigProblem(
                SpecIssue(named_by.file, named_by.field, f"stack references form a cycle: {cycle}")
            )
        if name not in runs:
            try:
                config = load_stack_config(project_dir, name)
            except ConfigProblem as problem:
                if named_by is None:
                    raise
                raise ConfigProblem(
                    SpecIssue(
                        named_by.file,
                        named_by.field,
                        f"names stack {name!r}: {problem.issue.render(project_dir)}",
                    )
                ) from None
            outputs: dict[str, Mapping[str, Any]] = offline_registries(config, project_dir)
            for ref, key in referenced_stacks(config).items():
                if ref not in outputs:
                    here = SpecIssue(config.source, key, "")
                    outputs[ref] = visit(stack_name(ref), (*path, name), here).outputs
            if progress is not None:
                progress(f"planning {name}")
            runs[name] = run_program(
                project_dir,
                name,
                extra_config=extra_config,
                on_record=_every(1000, name, progress) if progress else None,
                preview=preview,
                stack_outputs=lambda ref, o=outputs: _known(o, ref),  # type: ignore[misc]
            )
        return runs[name]

    return visit(stack, (), None)


def _every(step: int, stack: str, progress: Callable[[str], None]) -> Callable[[int], None]:
    def report(count: int) -> None:
        if count % step == 0:
            progress(f"{stack}: {count:,} resources registered")

    return report


def _known(outputs: Mapping[str, Mapping[str, Any]], name: str) -> Mapping[str, Any]:
    if name not in outputs:
        raise ProgramError(f"stack {name} is referenced but was not planned")
    return outputs[name]
