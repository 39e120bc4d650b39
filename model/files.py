"""Reading the files users give us, within limits, before anything parses them.

Every file is a regular file (a link is followed only when it stays inside the
folder it was found in), at most `MAX_FILE_BYTES` long, and UTF-8 text. A
problem is a `FileProblem` naming the file, never an OSError traceback.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

from model.errors import InputProblem, SpecIssue

MAX_FILE_BYTES = 1024 * 1024  # 1 MiB: far above any spec, contract, SQL file or config


class FileProblem(InputProblem):
    """A file that cannot be read safely (kind, size, links, encoding)."""


def _problem(path: Path, message: str, field: str = "") -> FileProblem:
    return FileProblem(SpecIssue(path, field, message))


def checked_path(path: Path, root: Path | None = None) -> Path:
    """The file behind `path`: it exists, is a regular file, and (when `root` is
    given) resolves to a place inside `root`."""
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        if path.is_symlink():
            raise _problem(path, "is a link to a file that does not exist") from None
        raise _problem(path, "file not found") from None
    except RuntimeError:  # a symlink loop (Python < 3.13 raises RuntimeError)
        raise _problem(path, "is a link that loops back on itself") from None
    except OSError as exc:
        if "loop" in str(exc).lower() or getattr(exc, "errno", None) == 40:
            raise _problem(path, "is a link that loops back on itself") from None
        raise _problem(path, f"cannot be read: {exc.strerror or exc}") from None
    if root is not None:
        base = root.resolve()
        if resolved != base and base not in resolved.parents:
            raise _problem(path, f"is a link to {resolved}, outside {root}; copy the file instead")
    mode = resolved.stat().st_mode
    if stat.S_ISDIR(mode):
        raise _problem(path, "is a folder, not a file")
    if not stat.S_ISREG(mode):
        raise _problem(path, "is not a regular file (a device, pipe or socket)")
    return resolved


def read_text(path: Path, root: Path | None = None, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a user's file, within the size limit."""
    resolved = checked_path(path, root)
    try:
        with resolved.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise _problem(path, f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise _problem(path, f"is larger than {limit // 1024} KiB, the limit for this file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _problem(path, f"is not UTF-8 text (bad byte at line {line})") from None


def read_json_object(path: Path, root: Path | None = None) -> dict[str, Any]:
    """A JSON file that must hold an object."""
    text = read_text(path, root)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _problem(
            path, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise _problem(path, "is nested too deeply") from None
    if not isinstance(data, dict):
        raise _problem(path, f"expected a JSON object, got {type(data).__name__}")
    return data
