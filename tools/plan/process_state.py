"""What running a Pulumi program or a policy pack in-process changes, saved and
put back: the planner leaves the process as it found it.

Saved and restored: the working directory, the environment, `sys.path`, the current event loop,
Pulumi's runtime settings (project, stack, monitor, mocks, dry run), its config
and secret keys, the root resource, and `pulumi_policy.PolicyPack`. Modules
imported from a folder the run put on `sys.path` (the pack's own modules) are
unloaded; library modules stay imported, as any import would leave them.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi_policy
from pulumi._utils import ContextProperty
from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings as runtime_settings


def _settings_fields() -> list[str]:
    """Pulumi's runtime settings are class-level context properties (one ContextVar each)."""
    cls = type(runtime_settings.SETTINGS)
    return sorted(
        name
        for klass in cls.__mro__
        for name, value in vars(klass).items()
        if isinstance(value, ContextProperty)
    )


def _current_loop() -> asyncio.AbstractEventLoop | None:
    """The loop set on this thread, without creating one (get_event_loop would)."""
    local = getattr(asyncio.get_event_loop_policy(), "_local", None)
    loop: asyncio.AbstractEventLoop | None = getattr(local, "_loop", None)
    return loop


@dataclass(frozen=True)
class ProcessState:
    cwd: str
    environ: dict[str, str]
    path: tuple[str, ...]
    loop: asyncio.AbstractEventLoop | None
    settings: dict[str, Any]
    config: dict[str, Any]
    secret_keys: frozenset[str]
    root: Any
    policy_pack: Any
    modules: frozenset[str]

    @classmethod
    def capture(cls) -> ProcessState:
        return cls(
            cwd=os.getcwd(),
            environ=dict(os.environ),
            path=tuple(sys.path),
            loop=_current_loop(),
            settings={f: getattr(runtime_settings.SETTINGS, f) for f in _settings_fields()},
            config=dict(runtime_config.CONFIG.get()),
            secret_keys=frozenset(runtime_config._SECRET_KEYS.get()),
            root=runtime_settings.ROOT.get(),
            policy_pack=pulumi_policy.PolicyPack,
            modules=frozenset(sys.modules),
        )

    def restore(self, unload_from: tuple[Path, ...] = ()) -> None:
        os.chdir(self.cwd)
        if dict(os.environ) != self.environ:
            os.environ.clear()
            os.environ.update(self.environ)
        sys.path[:] = self.path
        asyncio.set_event_loop(self.loop)
        for key, value in self.settings.items():
            setattr(runtime_settings.SETTINGS, key, value)
        runtime_config.CONFIG.set(dict(self.config))
        runtime_config._SECRET_KEYS.set(set(self.secret_keys))
        runtime_settings.ROOT.set(self.root)
        pulumi_policy.PolicyPack = self.policy_pack  # type: ignore[misc]
        folders = tuple(str(f.resolve()) for f in unload_from)
        for name in set(sys.modules) - self.modules:
            origin = getattr(sys.modules.get(name), "__file__", None) or ""
            if folders and origin.startswith(folders):
                del sys.modules[name]


@contextmanager
def isolated(unload_from: tuple[Path, ...] = ()) -> Iterator[ProcessState]:
    """Run the body, then put the process back as it was."""
    state = ProcessState.capture()
    try:
        yield state
    finally:
        state.restore(unload_from)
