"""Checks of command-line options every command shares, made before any work is done:
a bad option is `command line: --option: message`, exit 2."""

from __future__ import annotations

import contextlib
from pathlib import Path

from model.errors import COMMAND_LINE, InputProblem, SpecIssue


class OptionProblem(InputProblem):
    """An option the command cannot use."""


def writable_file(path: Path | None, option: str, make_folder: bool = False) -> None:
    """`path` can be written as a file (its folder made first when `make_folder`)."""
    if path is None:
        return
    if make_folder:  # CI writes into out/junit/ and the like
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        raise OptionProblem(
            SpecIssue(COMMAND_LINE, option, f"{path} is a folder; give a file name")
        )
    if not path.parent.is_dir():
        raise OptionProblem(SpecIssue(COMMAND_LINE, option, f"folder {path.parent} does not exist"))


def usable_folder(path: Path, option: str) -> None:
    """`path` is a folder or can become one (it is not a file)."""
    if path.exists() and not path.is_dir():
        raise OptionProblem(SpecIssue(COMMAND_LINE, option, f"{path} is a file"))


def required(value: object, option: str, what: str) -> None:
    if value is None:
        raise OptionProblem(SpecIssue(COMMAND_LINE, option, what))


def one_of(value: str, choices: list[str], option: str) -> None:
    if value not in choices:
        raise OptionProblem(
            SpecIssue(COMMAND_LINE, option, f"{value!r} is not one of {', '.join(choices)}")
        )
