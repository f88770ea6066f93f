"""The optional sentence-embedding blend (interviewer/ai/embeddings.py).

The first group runs everywhere: without the extra (or without LOCAL_EMBEDDINGS=1) the local
provider scores exactly as the lexical scorer. The second group needs
requirements-embeddings.txt and skips cleanly when it is not installed.
"""
from __future__ import annotations

import pytest

from interviewer.ai import embeddings
from interviewer.ai.local import LocalProvider

QUESTION = "What is the difference between a process and a thread?"
REFERENCE = (
    "A process is an independent program in execution with its own memory space. "
    "Threads are units of execution inside a process that share its memory and resources."
)
GOOD = "A process has its own memory space, while threads run inside a process and share its memory."
PARAPHRASE = "Each running program gets a private address space; the lightweight tasks within it all use that same space."
OFF_TOPIC = "I enjoy hiking in the mountains on weekends with my dog."
PEERS = [
    GOOD,
    "Threads share memory inside one process; processes are isolated from each other.",
    "A process is a program running with its own memory, threads are parts of it sharing memory.",
    "Processes do not share memory but threads of the same process do.",
    "A thread is a lightweight process that shares the address space of its parent process.",
    OFF_TOPIC,
]

needs_extra = pytest.mark.skipif(not embeddings.available(), reason="embeddings extra not installed "
                                 "(pip install -r requirements-embeddings.txt)")


def _scores(provider, answers):
    return [e.score for e in provider.evaluate_batch([(QUESTION, REFERENCE, a) for a in answers])]


def test_off_by_default_scores_like_the_lexical_scorer(monkeypatch):
    monkeypatch.delenv(embeddings.ENV, raising=False)
    assert _scores(LocalProvider(), PEERS) == _scores(LocalProvider(embeddings=False), PEERS)


def test_env_without_extra_keeps_lexical_scores(monkeypatch):
    monkeypatch.setenv(embeddings.ENV, "1")
    monkeypatch.setattr(embeddings, "_encoder", None)
    monkeypatch.setattr(embeddings, "model_dir", lambda: None)
    assert _scores(LocalProvider(), PEERS) == _scores(LocalProvider(embeddings=False), PEERS)
    with pytest.raises(RuntimeError, match="requirements-embeddings.txt"):
        LocalProvider(embeddings=True).evaluate(QUESTION, REFERENCE, GOOD)


def test_env_values(monkeypatch):
    for value, on in [("1", True), ("true", True), ("0", False), ("", False), ("no", False)]:
        monkeypatch.setenv(embeddings.ENV, value)
        assert embeddings.enabled_by_env() is on


def test_blend_maps_are_anchored():
    # the reference itself still gets full marks; an unrelated answer stays low
    assert embeddings.single_score(10.0, 1.0) == pytest.approx(10.0)
    assert embeddings.single_score(3.8, 0.0) < 3.0
    assert 0.0 <= embeddings.batch_score(0.0, 0.0, 0.0, 1.0) <= embeddings.batch_score(8.0, 0.8, 0.8, 0.3) <= 10.0


@needs_extra
def test_encoder_embeds_meaning():
    enc = embeddings.get_encoder(required=True)
    v = enc.encode(["A stack is a last-in first-out data structure.", "Stacks are LIFO.",
                    "The weather is nice today.", ""])
    assert v.shape == (4, 384)
    assert abs(float((v[0] ** 2).sum()) - 1.0) < 1e-4
    assert float(v[0] @ v[1]) > 0.4 > 0.1 > float(v[0] @ v[2])
    # batching and padding do not change a text's vector
    alone = enc.encode(["Stacks are LIFO."])
    assert float(alone[0] @ v[1]) > 0.9999


@needs_extra
def test_single_answer_blend_orders_and_keeps_caps():
    p = LocalProvider(embeddings=True)
    good, para, off, ref = (p.evaluate(QUESTION, REFERENCE, a).score for a in (GOOD, PARAPHRASE, OFF_TOPIC, REFERENCE))
    assert ref >= 9.5
    assert good > off and para > off
    # the paraphrase shares few words with the reference: embeddings lift it above the lexical score
    assert para > LocalProvider(embeddings=False).evaluate(QUESTION, REFERENCE, PARAPHRASE).score
    # copying the question and empty answers keep the lexical result
    for answer in (QUESTION, "", "   "):
        assert p.evaluate(QUESTION, REFERENCE, answer).score == LocalProvider(embeddings=False).evaluate(
            QUESTION, REFERENCE, answer).score


@needs_extra
def test_batch_blend_uses_peers(monkeypatch):
    monkeypatch.setenv(embeddings.ENV, "1")
    scores = _scores(LocalProvider(), PEERS)
    assert scores != _scores(LocalProvider(embeddings=False), PEERS)
    assert min(scores[:5]) > scores[5]
    assert all(0.0 <= s <= 10.0 for s in scores)
