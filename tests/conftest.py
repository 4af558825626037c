"""Shared pytest setup: the `slow` marker (run only with GOCONC_SLOW=1) and a private cache.

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


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the test suite's result cache out of the user's ~/.cache/goconc."""
    os.environ["GOCONC_CACHE_DIR"] = str(tmp_path_factory.mktemp("goconc-cache"))
