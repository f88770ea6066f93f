"""bench/mutation_summary.py: the sample draw and the interval the README's mutation score rests on."""
from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "mutation_summary", Path(__file__).resolve().parent.parent / "bench" / "mutation_summary.py")
summary = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(summary)


def _closed_form(k: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


@pytest.mark.parametrize("k, n", [(450, 500), (90, 100), (1, 20), (20, 20)])
def test_wilson_matches_the_closed_form(k, n):
    low, high = summary.wilson(k, n)
    want_low, want_high = _closed_form(k, n)
    assert low == pytest.approx(want_low, abs=1e-9)
    assert high == pytest.approx(want_high, abs=1e-9)


def _mutants(tmp_path: Path, codes: dict[str, dict[str, int | None]]) -> Path:
    for module, by_name in codes.items():
        meta = tmp_path / "mutants" / f"{module}.meta"
        meta.parent.mkdir(parents=True, exist_ok=True)
        meta.write_text(json.dumps({"exit_code_by_key": by_name}))
    return tmp_path


def test_draw_is_uniform_without_replacement_and_repeatable(tmp_path):
    names = {f"interviewer.services.m.x_f__mutmut_{i}": None for i in range(1, 41)}
    results = summary.load(_mutants(tmp_path, {"interviewer/services/m.py": names}) / "mutants")
    first = summary.draw(results, 10, seed=7)
    assert len(set(first)) == 10 and set(first) <= set(names)
    assert summary.draw(results, 10, seed=7) == first
    assert summary.draw(results, 10, seed=8) != first
    with pytest.raises(ValueError):
        summary.draw(results, 41, seed=7)


def test_only_counts_the_listed_names_and_prints_the_interval(tmp_path, monkeypatch, capsys):
    name = "interviewer.services.m.x_f__mutmut_{}".format
    codes = {name(i): 1 for i in range(1, 10)} | {name(10): 0, name(11): 0, name(12): 36}
    root = _mutants(tmp_path, {"interviewer/services/m.py": codes})
    listed = root / "sample.txt"
    listed.write_text("\n".join([name(i) for i in range(1, 9)] + [name(10), name(12)]))
    monkeypatch.chdir(root)
    assert summary.main(["--only", str(listed)]) == 0
    out = capsys.readouterr().out
    low, high = summary.wilson(8, 9)
    assert "sample of 10: 8 killed of 9 scored (88.9 %" in out
    assert f"{100 * low:.1f}-{100 * high:.1f} %" in out
