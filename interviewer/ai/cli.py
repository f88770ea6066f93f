"""`flask --app wsgi ai ...`: AI operations from the command line.

    flask --app wsgi ai score-file answers.jsonl --out scored.jsonl [--provider local|gemini|openai]

Exit codes: 0 every line scored, 1 some line failed (malformed or the provider failed on it),
2 bad usage (missing file, unusable provider configuration). Progress goes to stderr, so the
scored lines can be piped from stdout (`--out -`).
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from . import close_provider, describe_provider, get_provider
from .scoring import score_file
from .types import AIError

ai_cli = AppGroup("ai", help="AI evaluation tools.")

PROGRESS_EVERY = 50


@ai_cli.command("score-file")
@click.argument("input_path", metavar="INPUT.jsonl", type=click.Path(dir_okay=False))
@click.option("--out", "out_path", required=True, metavar="OUTPUT.jsonl", type=click.Path(dir_okay=False),
              help="Where to write the scored lines (JSON Lines; '-' for stdout).")
@click.option("--provider", type=click.Choice(["local", "gemini", "openai"]), default=None,
              help="Override AI_PROVIDER for this run (default: the app's configuration).")
@click.pass_context
def score_file_command(ctx: click.Context, input_path: str, out_path: str, provider: str | None):
    """Score every answer in INPUT.jsonl (question, reference_answer, answer per line)."""

    def usage_error(message: str):
        click.echo(f"Error: {message}", err=True)
        ctx.exit(2)

    config = dict(current_app.config)
    if provider:
        config["AI_PROVIDER"] = provider
    try:
        chosen = get_provider(config)
    except AIError as exc:
        usage_error(exc.message)
    try:
        in_stream = open(input_path, encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError as exc:
        close_provider(chosen)
        usage_error(f"cannot read {input_path}: {exc.strerror or exc}.")
    try:
        out_stream = click.open_file(out_path, "w", encoding="utf-8")
    except OSError as exc:
        in_stream.close()
        close_provider(chosen)
        usage_error(f"cannot write {out_path}: {exc.strerror or exc}.")

    click.echo(f"Scoring {input_path} with {describe_provider(config)}…", err=True)
    seen = {"lines": 0}

    def progress(line_no: int, ok: bool, message: str) -> None:
        seen["lines"] += 1
        if not ok:
            click.echo(f"line {line_no}: {message}", err=True)
        elif seen["lines"] % PROGRESS_EVERY == 0:
            click.echo(f"… {seen['lines']} lines done", err=True)

    try:
        with in_stream, out_stream:
            summary = score_file(in_stream, out_stream, chosen, progress)
    except UnicodeDecodeError:
        usage_error(f"{input_path} is not UTF-8 text.")
    finally:
        close_provider(chosen)
    click.echo(f"{summary} ({summary.per_second:.1f} answers/s).", err=True)
    ctx.exit(1 if summary.failed else 0)
