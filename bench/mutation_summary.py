"""The mutation score per module, from mutmut's results in mutants/ (run by `make mutation`).

score = killed / (killed + survived), after setting aside the survivors listed as equivalent in
bench/mutation_equivalent.md (a change no user or caller could observe; each with its reason).
Timeouts count as killed by mutmut's own summary; here they are shown apart and left out of the
score, as are mutants no selected test reaches ("no tests").

    python bench/mutation_summary.py [--survivors]
"""
from __future__ import annotations

import json
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

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


def main(argv: list[str]) -> int:
    mutants = Path.cwd() / "mutants"
    if not mutants.is_dir():
        print("no mutants/ here: run `make mutation` (mutmut run) first", file=sys.stderr)
        return 1
    results = load(mutants)
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
    stale = equivalent - {n for s in results.values() for n in s}
    if stale:
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
