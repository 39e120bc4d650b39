"""Shared fixtures: the repository's products, copied so tests can break them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import PRODUCTS


@pytest.fixture
def products(tmp_path: Path) -> Path:
    """A private copy of products/ that a test may edit."""
    target = tmp_path / "products"
    shutil.copytree(PRODUCTS, target)
    return target
