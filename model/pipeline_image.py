"""The tag of a pipeline's image: a digest of its folder's files, so a change of the
pipeline builds and deploys a new image and an unchanged folder changes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

# Caches and build leftovers: not part of what the image is built from
_SKIP_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".venv"})
_SKIP_SUFFIXES = (".pyc", ".pyo")


def content_tag(folder: Path) -> str:
    """`src-` and 16 hex digits of SHA-256 over every file's path and bytes."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if set(rel.parts) & _SKIP_DIRS or path.suffix in _SKIP_SUFFIXES or not path.is_file():
            continue
        digest.update(rel.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return f"src-{digest.hexdigest()[:16]}"
