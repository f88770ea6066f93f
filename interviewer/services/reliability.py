"""How far raters agree: inter-rater reliability with a bootstrap confidence interval, each rater
against the others, the AI against the humans, and the same by calendar month (drift).

Pure functions over plain data; no database, no Flask. numpy and scipy (~90 MiB of memory once
imported) are imported inside the functions that need them, so a process that never computes a
reliability figure never loads them.

**Input.** ``ratings``: ``{unit: {rater: score}}`` — a unit is what is rated (an answer, or an
interview per competency), a rater anyone who scores it (an HR user, "ai"). Scores are real numbers
on one interval scale (the app's 0–10); a rater who did not rate a unit is simply absent, or None.
A score that is not a finite real number raises ``ValueError``.

**Inter-rater reliability** is Krippendorff's alpha for interval data (Krippendorff, K. (2011),
"Computing Krippendorff's Alpha-Reliability", Annenberg School for Communication, University of
Pennsylvania; §C and §E). It takes any number of raters and missing ratings, which real panels
have; only units with at least two ratings ("pairable") count. alpha = 1 − D_o / D_e: 1 is perfect
agreement, 0 agreement no better than chance, below 0 systematic disagreement. For interval data
with rater noise independent of the true score it estimates var(true) / (var(true) + var(noise)),
the same quantity as ICC(2,1) of Shrout & Fleiss (1979) when raters have no bias.

It is computed by the closed form of the paper's coincidence-matrix formula for δ² = (c − k)²
(``_interval_alpha``, over per-unit sums), not by the ``krippendorff`` package: the package builds
a values × values coincidence matrix per unit, and with scores that take many distinct values (AI
proposals, averages) it measured 6.1 s and 1.4 GiB for 200 answers × 3 raters and 95 s and 20 GiB
for 500 — unfit for a web process. The package stays the reference: the tests check the closed
form against it (and against the paper's worked example computed by hand) to 1e-12.

**Confidence interval**: the bias-corrected and accelerated (BCa) bootstrap (Efron & Tibshirani
(1993), "An Introduction to the Bootstrap", ch. 14; the percentile interval, ch. 13, above
``BCA_MAX_UNITS`` units) by ``scipy.stats.bootstrap``: units are resampled with replacement (a unit
keeps all its ratings), ``N_RESAMPLES`` times with a fixed seed, so the same data always give the
same interval; resamples are computed in array batches of bounded memory.

**Minimums.** A figure needs ``MIN_UNITS`` units (each rated by at least ``MIN_RATERS`` raters);
below that the result carries ``reason`` ("not enough data …") and no number. Why 30: on simulated
panels (true score + independent rater noise, true alpha 0.7, 1,000 panels each, bench/reliability.py)
the 95 % interval covered the true value in 89–91 % of panels at 15–20 units, 92–93 % at 30 and at
50, and 94–95 % at 100 (2 and 3 raters): below 30 the interval is too optimistic to report.
"""
from __future__ import annotations

import hashlib
import math
import statistics
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

MIN_UNITS = 30  # units rated by ≥ MIN_RATERS raters; see the module doc for the measured reason
MIN_RATERS = 2
N_RESAMPLES = 2000
CONFIDENCE = 0.95
SEED = 14  # fixed: the same ratings always give the same interval
MONTHS_SHOWN = 12  # by_month: the latest months with data; older ones are not computed
CACHE_SIZE = 16  # memo: reports kept per process
# BCa needs the jackknife: U statistics over U − 1 units each, O(U²). Above this many units the
# plain percentile interval is used (on simulated panels the two covered alike from 50 units on,
# and BCa's corrections vanish as U grows), so a large deployment's page stays fast.
BCA_MAX_UNITS = 2000
BATCH_CELLS = 2_000_000  # resampled units held in memory at once (one float64 each): ~16 MB
METHOD = "Krippendorff's alpha (interval), 95 % BCa bootstrap over units"

T = TypeVar("T")
Ratings = Mapping[Hashable, Mapping[Hashable, float | None]]


@dataclass(frozen=True)
class Reliability:
    """Inter-rater reliability of one set of ratings. ``alpha`` is None (and ``reason`` says why)
    when there is not enough data or no variation; ``ci_low``/``ci_high`` are None when the interval
    is undefined (every resample gave the same value)."""

    label: str
    n_units: int  # units with at least two ratings
    n_raters: int  # raters with at least one of those ratings
    n_ratings: int  # ratings on those units
    alpha: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    reason: str = ""

    @property
    def enough(self) -> bool:
        return self.alpha is not None


@dataclass(frozen=True)
class RaterAgreement:
    """One rater against a consensus (the mean of the other raters on the same unit): Pearson's r
    and the mean absolute difference in scale points over the ``n`` units both rated; None with a
    ``reason`` below the minimum or without variation. ``reliability`` is alpha with its interval
    between the rater and the consensus (only for the AI against the humans)."""

    rater: str
    n: int
    r: float | None
    mad: float | None
    reason: str = ""
    reliability: Reliability | None = None


@dataclass(frozen=True)
class MonthlyReliability:
    """The figures of one calendar month (UTC), ``month`` as "YYYY-MM"."""

    month: str
    reliability: Reliability
    ai: RaterAgreement | None = None


@dataclass(frozen=True)
class ReliabilityReport:
    """``overall``: every unit pooled; ``parts``: the same per part (a competency), largest first;
    ``raters``: each rater against the others; ``ai``: the AI against the human consensus (and
    ``ai_parts`` the same per part);
    ``months``: by calendar month, the last ``MONTHS_SHOWN`` with data, oldest first."""

    overall: Reliability
    raters: list[RaterAgreement] = field(default_factory=list)
    ai: RaterAgreement | None = None
    months: list[MonthlyReliability] = field(default_factory=list)
    parts: list[Reliability] = field(default_factory=list)
    ai_parts: dict[str, RaterAgreement] = field(default_factory=dict)  # part label → the AI on that part
    min_units: int = MIN_UNITS
    method: str = METHOD
    months_shown: int = MONTHS_SHOWN


def _score(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"a score must be a number, not {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"a score must be finite, not {value!r}")
    return float(value)


def _clean(ratings: Ratings) -> dict[Hashable, dict[Hashable, float]]:
    """``ratings`` without absent scores; ValueError for one that is not a finite number."""
    out: dict[Hashable, dict[Hashable, float]] = {}
    for unit, by_rater in ratings.items():
        row = {rater: s for rater, v in by_rater.items() if (s := _score(v)) is not None}
        if row:
            out[unit] = row
    return out


def _pairable(clean: dict[Hashable, dict[Hashable, float]]) -> dict[Hashable, dict[Hashable, float]]:
    return {u: row for u, row in clean.items() if len(row) >= MIN_RATERS}


def not_enough(n: int, minimum: int, what: str = "units rated by at least two raters") -> str:
    return f"not enough data: {n} {what}; at least {minimum} are needed"


def alpha_interval(ratings: Ratings) -> float | None:
    """Krippendorff's alpha, interval metric; None when it is undefined (no pairable values, or
    every value the same)."""
    import numpy as np

    units = _pairable(_clean(ratings))
    if not units:
        return None
    m, s1, s2, w = _unit_sums(units)
    alpha = float(_interval_alpha(np.ones((1, len(m))), m, s1, s2, w)[0])
    return None if math.isnan(alpha) else alpha


def _unit_sums(units: dict[Hashable, dict[Hashable, float]]):
    """Per pairable unit: m (ratings), Σx, Σx² and m·SS/(m − 1), as numpy arrays."""
    import numpy as np

    m = np.array([len(row) for row in units.values()], dtype=float)
    s1 = np.array([math.fsum(row.values()) for row in units.values()])
    s2 = np.array([math.fsum(v * v for v in row.values()) for row in units.values()])
    with np.errstate(invalid="ignore", divide="ignore"):
        ss = np.maximum(s2 - s1 * s1 / m, 0.0)
    return m, s1, s2, m * ss / (m - 1)


def _interval_alpha(counts, m, s1, s2, w):
    """alpha for each row of ``counts`` (how many times each unit is drawn, shape (..., U)).

    Krippendorff (2011) with δ²(c, k) = (c − k)²: within a unit the ordered pairs give
    Σ(x_i − x_j)² = 2·m·SS, so D_o = (2/n)·Σ_u m_u·SS_u/(m_u − 1) and D_e = 2·SS_total/(n − 1), where n
    is the number of pairable values; alpha = 1 − (n − 1)·Σ w_u / (n·SS_total). NaN where every value
    is the same (D_e = 0)."""
    import numpy as np

    n = counts @ m
    with np.errstate(invalid="ignore", divide="ignore"):
        total_ss = counts @ s2 - (counts @ s1) ** 2 / n
        out = 1.0 - (n - 1.0) * (counts @ w) / (n * total_ss)
    return np.where(total_ss > 1e-12 * np.maximum(counts @ s2, 1.0), out, np.nan)


def _bootstrap_ci(units, n_resamples: int, confidence: float, seed: int) -> tuple[float | None, float | None]:
    import numpy as np
    from scipy import stats

    m, s1, s2, w = _unit_sums(units)
    size = len(m)

    def statistic(idx, axis=-1):
        idx = np.asarray(idx)
        flat = idx.reshape(-1, idx.shape[-1])
        rows = np.repeat(np.arange(flat.shape[0]), flat.shape[1])
        counts = np.bincount(rows * size + flat.ravel(), minlength=flat.shape[0] * size)
        counts = counts.reshape(flat.shape[0], size).astype(float)
        return _interval_alpha(counts, m, s1, s2, w).reshape(idx.shape[:-1])

    # A resample with no variation has no alpha (NaN), and perfect agreement gives every resample the
    # same value: scipy then warns and the interval is NaN, reported as "undefined" rather than raised.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = stats.bootstrap((np.arange(size),), statistic, vectorized=True, n_resamples=n_resamples,
                                 batch=max(1, BATCH_CELLS // size), confidence_level=confidence,
                                 method="BCa" if size <= BCA_MAX_UNITS else "percentile",
                                 rng=np.random.default_rng(seed))
    low, high = (float(v) for v in result.confidence_interval)
    if not (math.isfinite(low) and math.isfinite(high)):
        return None, None
    return low, high


def reliability(ratings: Ratings, label: str = "", *, min_units: int = MIN_UNITS, n_resamples: int = N_RESAMPLES,
                confidence: float = CONFIDENCE, seed: int = SEED) -> Reliability:
    """Krippendorff's alpha (interval) of ``ratings`` with its BCa bootstrap interval (units
    resampled ``n_resamples`` times, seed ``seed``). Not enough data — fewer than ``min_units``
    units with two or more ratings — gives ``alpha=None`` and the reason."""
    units = _pairable(_clean(ratings))
    raters = {r for row in units.values() for r in row}
    counts = dict(label=label, n_units=len(units), n_raters=len(raters), n_ratings=sum(len(r) for r in units.values()))
    if len(units) < min_units:
        return Reliability(alpha=None, reason=not_enough(len(units), min_units), **counts)
    alpha = alpha_interval(units)
    if alpha is None:
        return Reliability(alpha=None, reason="no variation: every rating is the same", **counts)
    low, high = _bootstrap_ci(units, n_resamples, confidence, seed)
    return Reliability(alpha=alpha, ci_low=low, ci_high=high, **counts)


def _correlation(xs: list[float], ys: list[float]) -> float | None:
    try:
        return max(-1.0, min(1.0, statistics.correlation(xs, ys)))
    except statistics.StatisticsError:  # fewer than two points, or one side constant
        return None


def compare(rater: str, pairs: list[tuple[float, float]], min_units: int = MIN_UNITS) -> RaterAgreement:
    """Agreement of (rater, consensus) score pairs: Pearson's r and mean absolute difference."""
    n = len(pairs)
    if n < min_units:
        return RaterAgreement(rater=rater, n=n, r=None, mad=None, reason=not_enough(n, min_units, "units rated by both"))
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    r = _correlation(xs, ys)
    mad = math.fsum(abs(x - y) for x, y in pairs) / n
    return RaterAgreement(rater=rater, n=n, r=r, mad=mad, reason="" if r is not None else "no variation in one of the two")


def rater_vs_others(ratings: Ratings, min_units: int = MIN_UNITS) -> list[RaterAgreement]:
    """Each rater against the mean of the other raters, over the units the rater and at least one
    other rater scored; sorted by rater."""
    clean = _clean(ratings)
    raters = sorted({r for row in clean.values() for r in row}, key=str)
    out = []
    for rater in raters:
        pairs = []
        for row in clean.values():
            others = [v for r, v in row.items() if r != rater]
            if rater in row and others:
                pairs.append((row[rater], math.fsum(others) / len(others)))
        out.append(compare(str(rater), pairs, min_units))
    return out


def ai_vs_humans(humans: Ratings, ai: Mapping[Hashable, float | None], *, min_units: int = MIN_UNITS,
                 n_resamples: int = N_RESAMPLES, seed: int = SEED) -> RaterAgreement:
    """The AI's score of each unit against the humans' consensus (their mean) on it: r, mean
    absolute difference and n, and alpha with its interval between the two as raters."""
    clean = _clean(humans)
    pairs, both = [], {}
    for unit, value in ai.items():
        score = _score(value)
        if score is None or unit not in clean:
            continue
        consensus = math.fsum(clean[unit].values()) / len(clean[unit])
        pairs.append((score, consensus))
        both[unit] = {"ai": score, "humans": consensus}
    result = compare("ai", pairs, min_units)
    rel = reliability(both, "AI and human consensus", min_units=min_units, n_resamples=n_resamples, seed=seed)
    return RaterAgreement(rater=result.rater, n=result.n, r=result.r, mad=result.mad, reason=result.reason,
                          reliability=rel)


def month_of(when: datetime) -> str:
    """"YYYY-MM" of `when` in UTC (a naive datetime is taken as UTC, as the store keeps them)."""
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return f"{when.year:04d}-{when.month:02d}"


def by_month(ratings: Ratings, when: Mapping[Hashable, datetime | None], ai: Mapping[Hashable, float | None] | None = None,
             *, min_units: int = MIN_UNITS, n_resamples: int = N_RESAMPLES, seed: int = SEED) -> list[MonthlyReliability]:
    """The reliability (and the AI against the humans, given ``ai``) of each of the last
    ``MONTHS_SHOWN`` calendar months with data, UTC, oldest first; a unit belongs to the month of
    ``when[unit]`` (units without one are left out)."""
    months: dict[str, dict[Hashable, Mapping]] = {}
    for unit, row in ratings.items():
        at = when.get(unit)
        if at is not None:
            months.setdefault(month_of(at), {})[unit] = row
    out = []
    for month in sorted(months)[-MONTHS_SHOWN:]:
        units = months[month]
        rel = reliability(units, month, min_units=min_units, n_resamples=n_resamples, seed=seed)
        agreement = None
        if ai is not None:
            agreement = ai_vs_humans(units, {u: ai.get(u) for u in units}, min_units=min_units,
                                     n_resamples=n_resamples, seed=seed)
        out.append(MonthlyReliability(month=month, reliability=rel, ai=agreement))
    return out


_memo: OrderedDict[bytes, Any] = OrderedDict()
_memo_lock = threading.Lock()
_inflight: dict[bytes, threading.Lock] = {}


def clear_memo() -> None:
    """Forget every kept result (benchmarks time the computation itself with it)."""
    with _memo_lock:
        _memo.clear()


def memo(kind: str, token: Any, compute: Callable[[], T]) -> T:
    """``compute()``, or the result it gave before in this process for an equal ``token``.

    The figures are a pure function of the scores (the bootstrap's seed is fixed), so a report
    computed once stays right until a score changes. ``token`` (any value with a deterministic
    ``repr``) names the data ``compute`` reads: callers pass a cheap version of it that changes with
    every score (``evaluations.scores_version``), so a hit reads nothing else. It is reduced to a
    128-bit BLAKE2b digest; the last ``CACHE_SIZE`` results are kept. Callers asking for the same
    token at once wait for one computation instead of each running their own."""
    key = hashlib.blake2b(repr((kind, token)).encode(), digest_size=16).digest()
    with _memo_lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]
        flight = _inflight.setdefault(key, threading.Lock())
    with flight:
        with _memo_lock:
            if key in _memo:
                return _memo[key]
        try:
            value = compute()
            with _memo_lock:
                _memo[key] = value
                while len(_memo) > CACHE_SIZE:
                    _memo.popitem(last=False)
        finally:
            with _memo_lock:
                _inflight.pop(key, None)
    return value
