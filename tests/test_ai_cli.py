"""`flask ai score-file`: scored JSON Lines out, progress and bad lines on stderr, exit codes 0/1/2."""
from __future__ import annotations

import json

import pytest

GOOD = {"question": "What does a database index do?", "reference_answer": "It speeds up lookups at a write cost.",
        "answer": "It makes lookups faster but writes slower."}


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def write_lines(path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_scores_every_line_and_exits_0(runner, tmp_path):
    lines = [json.dumps(GOOD), "", json.dumps({**GOOD, "answer": "No idea.", "id": 7})]
    src = write_lines(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    result = runner.invoke(args=["ai", "score-file", str(src), "--out", str(out), "--provider", "local"])
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 2 and rows[1]["id"] == 7
    assert all(0 <= row["score"] <= 10 and row["feedback"] and row["criteria"] for row in rows)
    assert "2 scored, 0 failed" in result.stderr and "local (offline, static sentence vectors)" in result.stderr
    assert result.stdout == ""


def test_malformed_lines_are_reported_skipped_and_exit_1(runner, tmp_path):
    src = write_lines(tmp_path / "in.jsonl", [
        json.dumps(GOOD), "{not json", json.dumps([1, 2]), json.dumps({"question": "q", "answer": "a"}),
        json.dumps({**GOOD, "answer": 5}), json.dumps(GOOD),
    ])
    out = tmp_path / "out.jsonl"
    result = runner.invoke(args=["ai", "score-file", str(src), "--out", str(out)])
    assert result.exit_code == 1
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2
    for line_no in (2, 3, 4, 5):
        assert f"line {line_no}:" in result.stderr
    assert "missing field 'reference_answer'" in result.stderr and "2 scored, 4 failed" in result.stderr


def test_output_to_stdout(runner, tmp_path):
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(GOOD)])
    result = runner.invoke(args=["ai", "score-file", str(src), "--out", "-"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["question"] == GOOD["question"]


@pytest.mark.parametrize(("args", "message"), [
    (["ai", "score-file", "missing.jsonl", "--out", "x.jsonl"], "cannot read missing.jsonl"),
    (["ai", "score-file", "{src}"], "Missing option '--out'"),
    (["ai", "score-file", "{src}", "--out", "{tmp}/x.jsonl", "--provider", "ollama"], "Invalid value for '--provider'"),
    (["ai", "score-file", "{src}", "--out", "{tmp}/x.jsonl", "--provider", "openai"], "OPENAI_MODEL is not set"),
    (["ai", "score-file", "{src}", "--out", "{tmp}/no/such/dir/x.jsonl"], "cannot write"),
    (["ai", "score-file", "{src}", "--out", "{tmp}/x.jsonl", "--provider", "gemini"], "GEMINI_API_KEY is not set"),
])
def test_bad_usage_exits_2_with_a_clear_message(runner, tmp_path, args, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(GOOD)])
    args = [a.format(src=src, tmp=tmp_path) for a in args]
    result = runner.invoke(args=args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_non_utf8_input_is_bad_usage(runner, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"question": "\xff\xfe"}\n')
    result = runner.invoke(args=["ai", "score-file", str(src), "--out", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 2 and "not UTF-8" in result.stderr


def test_provider_failures_count_as_failed_lines(runner, tmp_path, monkeypatch):
    from interviewer.ai import cli as ai_cli
    from interviewer.ai.types import AIQuotaError

    class Exhausted:
        name, model = "fake", "fake"

        def evaluate(self, question, reference, answer):
            raise AIQuotaError("quota exhausted")

    monkeypatch.setattr(ai_cli, "get_provider", lambda config: Exhausted())
    src = write_lines(tmp_path / "in.jsonl", [json.dumps(GOOD)])
    result = runner.invoke(args=["ai", "score-file", str(src), "--out", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 1 and "line 1: quota: quota exhausted" in result.stderr
