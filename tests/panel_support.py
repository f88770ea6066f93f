"""Helpers shared by the panel tests: a completed interview with given answers, and rating items."""
from __future__ import annotations

from interviewer.services import interviews as svc
from interviewer.services import panels


def completed(repos, people, schedule, now, answers):
    """hr_a's interview of cand_a (from `people`), one question per answer, answered and handed in."""
    interview = schedule(people["hr_a"], people["cand_a"], n=len(answers))
    for q, text in zip(interview.questions, answers, strict=True):
        svc.save_answer(repos, people["cand_a"], interview.id, q.id, text, now, seq=1)
    return svc.submit(repos, people["cand_a"], interview.id, now)


def items(interview, values, evidence=None):
    """Rating items for every pair of `interview`: `values` one per pair, evidence optional."""
    pairs = panels.pairs(interview)
    evidence = evidence or [""] * len(pairs)
    return [{"question_id": p.question_id, "competency_id": p.competency_id, "rating": v, "evidence": e}
            for p, v, e in zip(pairs, values, evidence, strict=True)]
