"""`datamesh local` through the CLI, as the local tests call it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tests.helpers import REPO
from tools.cli import app


def run_local(tmp_path: Path, stack: str, *extra: str) -> tuple[int, str, str, Path]:
    """(exit code, stdout, stderr, out folder) of a small run (`--scale 10`) of `stack`."""
    out = tmp_path / f"out-{stack}"
    result = CliRunner().invoke(
        app,
        [
            "local",
            "--project-dir",
            str(REPO),
            "--stack",
            stack,
            "--scale",
            "10",
            "--out",
            str(out),
            *extra,
        ],
    )
    return result.exit_code, result.stdout, result.stderr, out
