"""Each rule declares the precision and tier its measurement on real code supports.

The measurement is the ecosystem check's recorded run (benchmarks/ecosystem/last-run.jsonl)
against the committed verdicts: see docs/precision.md. A rule with too few judged findings
to measure keeps what its testdata supports.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from goconc.engine.registry import all_rules

ECOSYSTEM = Path(__file__).resolve().parent.parent / "benchmarks" / "ecosystem" / "ecosystem.py"
MEASURABLE = 5  # judged true+false findings below which a rule's precision is not measured


def _ecosystem() -> ModuleType:
    spec = importlib.util.spec_from_file_location("ecosystem", ECOSYSTEM)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ecosystem"] = module
    spec.loader.exec_module(module)
    return module


eco = _ecosystem()
MEASURED = eco.measure(eco.load_last_run().values(), eco.load_verdicts())


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.meta.code)
def test_declared_precision_is_the_measured_one(rule: type) -> None:
    meta = rule.meta  # type: ignore[attr-defined]
    count = MEASURED.get(meta.code)
    if count is None or count["true"] + count["false"] < MEASURABLE:
        pytest.skip(f"{meta.code}: fewer than {MEASURABLE} judged findings on real code")
    assert meta.precision == eco.precision_class(count["true"], count["false"]), dict(count)


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.meta.code)
def test_default_rules_meet_the_bar(rule: type) -> None:
    meta = rule.meta  # type: ignore[attr-defined]
    count = MEASURED.get(meta.code)
    if meta.preview or count is None:
        return
    judged = count["true"] + count["false"] + count["noise"]
    if count["true"] + count["false"] >= MEASURABLE:
        assert count["true"] / (count["true"] + count["false"]) >= eco.PRECISION_TARGET, dict(count)
    if judged >= MEASURABLE:
        assert count["noise"] / judged <= eco.NOISE_LIMIT, dict(count)


def test_precision_classes() -> None:
    assert eco.precision_class(19, 1) == "very-high"
    assert eco.precision_class(18, 2) == "high"
    assert eco.precision_class(17, 3) == "medium"
    assert eco.precision_class(3, 1) == "medium"
    assert eco.precision_class(2, 1) == "low"
