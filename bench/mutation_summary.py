"""The mutation score per module, from mutmut's results in mutants/ (run by `make mutation`).

score = killed / (killed + survived), after setting aside the survivors listed as equivalent in
bench/mutation_equivalent.md (a change no user or caller could observe; each with its reason).
Timeouts count as killed by mutmut's own summary; here they are shown apart and left out of the
score, as are mutants no selected test reaches ("no tests").

    python bench/mutation_summary.py [--survivors] [--only FILE]
    python bench/mutation_summary.py --sample N [--seed S]

A whole run takes hours (14,000+ mutants), so the project's score is estimated from a uniform sample:
`--sample N` prints N mutant names drawn with `random.Random(S).sample` from all generated ones (in
the drawn order, so any first k are a uniform sample too), for `mutmut run`; `--only FILE` counts
just the names in FILE and adds a 95 % Wilson score interval for the proportion killed
(scipy.stats.binomtest(...).proportion_ci(method="wilson"); Wilson 1927, JASA 22:209-212).
`make mutation-sample` does both.
"""
from __future__ import annotations

import json
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from scipy.stats import binomtest

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "bench" / "mutation_equivalent.md"

STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped",
          36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout", None: "not checked"}


def equivalent_names() -> set[str]:
    """Mutant names listed in the equivalents file (each bullet starts with a name in backticks)."""
    if not EQUIVALENT.exists():
        return set()
    return set(re.findall(r"^- `([\w.]+__mutmut_\d+)`", EQUIVALENT.read_text(), re.MULTILINE))


def _read_meta(meta: Path, tries: int = 5) -> dict:
    """A .meta file; a run in progress rewrites them, so a half-written one is read again."""
    for attempt in range(tries):
        try:
            return json.loads(meta.read_text())
        except json.JSONDecodeError:
            if attempt == tries - 1:
                raise
            time.sleep(0.2)
    raise AssertionError("unreachable")


def load(mutants: Path) -> dict[str, dict[str, str]]:
    """{module path: {mutant name: status}} from mutmut's .meta files."""
    out: dict[str, dict[str, str]] = {}
    for meta in sorted(mutants.glob("interviewer/**/*.py.meta")):
        codes = _read_meta(meta)["exit_code_by_key"]
        if codes:
            module = str(meta.relative_to(mutants))[: -len(".meta")]
            out[module] = {name: STATUS.get(code, "suspicious") for name, code in codes.items()}
    return out


def draw(results: dict[str, dict[str, str]], size: int, seed: int) -> list[str]:
    """`size` names drawn uniformly without replacement from every mutant in `results`, in the
    drawn order. ValueError when there are fewer than `size`."""
    names = sorted(n for statuses in results.values() for n in statuses)
    return random.Random(seed).sample(names, size)


def wilson(killed: int, scored: int) -> tuple[float, float]:
    """95 % Wilson score interval (low, high), as fractions, for `killed` of `scored`."""
    ci = binomtest(killed, scored).proportion_ci(confidence_level=0.95, method="wilson")
    return ci.low, ci.high


def _option(argv: list[str], name: str, default: str | None = None) -> str | None:
    return argv[argv.index(name) + 1] if name in argv[:-1] else default


def main(argv: list[str]) -> int:
    mutants = Path.cwd() / "mutants"
    if not mutants.is_dir():
        print("no mutants/ here: run `make mutation` (mutmut run) first", file=sys.stderr)
        return 1
    results = load(mutants)
    if "--sample" in argv:
        for name in draw(results, int(_option(argv, "--sample")), int(_option(argv, "--seed", "1"))):
            print(name)
        return 0
    only = _option(argv, "--only")
    if only:
        wanted = set(Path(only).read_text().split())
        results = {m: {n: s for n, s in st.items() if n in wanted} for m, st in results.items()}
        results = {m: st for m, st in results.items() if st}
    equivalent = equivalent_names()
    rows = []
    total: Counter[str] = Counter()
    survivors: dict[str, list[str]] = defaultdict(list)
    for module, statuses in results.items():
        counts: Counter[str] = Counter()
        for name, status in statuses.items():
            if status == "survived" and name in equivalent:
                status = "equivalent"
            counts[status] += 1
            if status == "survived":
                survivors[module].append(name)
        total.update(counts)
        rows.append((module, counts))
    columns = ["killed", "survived", "equivalent", "timeout", "no tests", "not checked", "suspicious"]
    print(f"{'module':42} " + " ".join(f"{c:>11}" for c in columns) + "   score")
    for module, counts in [*rows, ("TOTAL", total)]:
        scored = counts["killed"] + counts["survived"]
        score = f"{100 * counts['killed'] / scored:6.1f} %" if scored else "      -"
        print(f"{module:42} " + " ".join(f"{counts[c]:>11}" for c in columns) + f"  {score}")
    scored = total["killed"] + total["survived"]
    if only and scored:
        low, high = wilson(total["killed"], scored)
        print(f"\nsample of {sum(total.values())}: {total['killed']} killed of {scored} scored "
              f"({100 * total['killed'] / scored:.1f} %, 95 % Wilson interval {100 * low:.1f}-{100 * high:.1f} %)")
    stale = equivalent - {n for s in results.values() for n in s}
    if stale and not only:
        print(f"\n{len(stale)} names in {EQUIVALENT.name} are no longer mutants (the code changed): "
              + ", ".join(sorted(stale)[:10]))
    if "--survivors" in argv:
        for module, names in survivors.items():
            print(f"\n{module}")
            for name in sorted(names, key=lambda n: (n.rsplit("_", 1)[0], int(n.rsplit("_", 1)[1]))):
                print(f"    {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
