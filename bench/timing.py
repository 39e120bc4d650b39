"""Time a piece of Python in a fresh child process (cold imports and caches, like a user's
run), from the folder it works in."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path


def timed_python(code: str, cwd: Path, ok: tuple[int, ...] = (0,)) -> float:
    """Seconds the child took; stops the benchmark with its output if it exits otherwise."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode not in ok:
        raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
    return elapsed
