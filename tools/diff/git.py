"""The mesh at a git ref: resolve the ref and unpack its tree into a folder."""

from __future__ import annotations

import subprocess
from pathlib import Path

from model.errors import COMMAND_LINE, InputProblem, SpecIssue


class GitProblem(InputProblem):
    """A git ref or repository the diff cannot read."""


def _git(root: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise GitProblem(SpecIssue(COMMAND_LINE, "git", "git is not installed")) from None


def repo_root(folder: Path) -> Path:
    done = _git(folder, "rev-parse", "--show-toplevel")
    if done.returncode != 0:
        raise GitProblem(
            SpecIssue(
                COMMAND_LINE,
                "--project-dir",
                f"{folder.resolve()} is not inside a git repository",
            )
        )
    return Path(done.stdout.decode().strip())


def resolve(root: Path, ref: str, option: str) -> str:
    """The commit `ref` names, or a GitProblem naming the option."""
    if not ref or ref.startswith("-") or any(c.isspace() or c == "\0" for c in ref):
        raise GitProblem(SpecIssue(COMMAND_LINE, option, f"{ref!r} is not a git ref"))
    done = _git(root, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    if done.returncode != 0:
        raise GitProblem(SpecIssue(COMMAND_LINE, option, f"unknown git ref {ref!r}"))
    return done.stdout.decode().strip()


def unpack(root: Path, commit: str, into: Path) -> None:
    """Write the tree of `commit` into `into`. `git archive | tar -x`: members that would
    leave `into` (absolute or `..` paths) are refused by tar; links are written as links
    and the loaders refuse any that leads out of its folder."""
    into.mkdir(parents=True, exist_ok=True)
    archive = subprocess.Popen(
        ["git", "-C", str(root), "archive", "--format=tar", commit],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    extract = subprocess.run(
        ["tar", "-x", "--no-same-owner", "--no-same-permissions", "-C", str(into)],
        stdin=archive.stdout,
        capture_output=True,
        check=False,
    )
    assert archive.stdout is not None
    assert archive.stderr is not None
    archive.stdout.close()
    failed = archive.wait() != 0
    message = archive.stderr.read().decode(errors="replace").strip()
    if failed or extract.returncode != 0:
        message = message or extract.stderr.decode(errors="replace").strip() or "git archive failed"
        raise GitProblem(SpecIssue(COMMAND_LINE, "--base", message))
