"""The figures behind services/reliability.py and README "Reliability and adverse impact": the
bootstrap interval's coverage on simulated panels by number of units and raters, and the time of
alpha with its interval.

    .venv/bin/python bench/reliability.py [--runs 1000]
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from interviewer.services import reliability as rel  # noqa: E402


def panel(rng, n_units, raters, true_alpha, missing):
    noise = math.sqrt((1 - true_alpha) / true_alpha)
    data = rng.normal(0, 1, n_units)[:, None] + rng.normal(0, noise, (n_units, raters))
    data[rng.random(data.shape) < missing] = np.nan
    return {u: {r: (None if np.isnan(v) else float(v)) for r, v in enumerate(row)} for u, row in enumerate(data)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(99)
    for raters, missing in ((2, 0.0), (3, 0.15)):
        for n_units in (15, 20, 30, 50, 100):
            hits = 0
            for i in range(args.runs):
                r = rel.reliability(panel(rng, n_units, raters, 0.7, missing), min_units=1, n_resamples=1000, seed=i)
                hits += r.ci_low is not None and r.ci_low <= 0.7 <= r.ci_high
            print(f"{raters} raters, {n_units:3} units: 95 % interval covered the true alpha in {hits / args.runs:.1%}")
    data = panel(rng, 200, 3, 0.7, 0.1)
    started = time.perf_counter()
    result = rel.reliability(data)
    print(f"200 units × 3 raters, {rel.N_RESAMPLES} resamples: {1000 * (time.perf_counter() - started):.0f} ms "
          f"(alpha {result.alpha:.3f}, {result.ci_low:.3f}–{result.ci_high:.3f})")


if __name__ == "__main__":
    main()
