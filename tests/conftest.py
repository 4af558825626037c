"""Shared pytest setup: the `slow` marker, run only with GOCONC_SLOW=1.

pyproject.toml belongs to everyone, so the marker is registered here.
"""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "slow: minutes-long robustness cases; run with GOCONC_SLOW=1"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("GOCONC_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set GOCONC_SLOW=1 to run")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
