"""Fixtures shared by every test module."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from helpers import copy_shipped


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A writable copy of the shipped content."""
    return copy_shipped(tmp_path / "content")
