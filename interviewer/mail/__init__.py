"""E-mail: the outbox's sender in each app process, and ``flask mail send`` for cron.

Settings (``Config``): ``MAIL_URL`` (empty: messages are printed to the console and kept in the
outbox, state "kept"), ``MAIL_FROM`` (the From address), ``BASE_URL`` (the start of every link in
a message), ``PRODUCT_NAME``, ``MAIL_SENDER``:

    "thread" (default)  a daemon thread per process: woken after each request that may have queued
                        a message, and every MAIL_POLL_SECONDS for retries and stale claims
    "inline"            deliver at the end of the request that queued (tests)
    "manual"            only queue; ``flask mail send`` or a test calls ``send_due``

Whatever the mode, a request only writes to the outbox: SMTP never delays or fails it.
"""
from __future__ import annotations

import os
import threading
from collections import Counter
from datetime import timedelta
from email.headerregistry import Address
from email.utils import parseaddr

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from ..clock import utcnow
from ..db import get_repos
from ..services import interviews as interview_service
from ..services import outbox
from . import messages
from .transports import transport_for

_EXT = "interviewer.mail"
_LOCK = threading.Lock()


def sender_address(app: Flask) -> Address:
    name, addr = parseaddr(app.config.get("MAIL_FROM") or "")
    if "@" not in addr:
        name, addr = app.config.get("PRODUCT_NAME") or "Interviewer", "no-reply@localhost"
    return Address(display_name=name, addr_spec=addr)


def reminder_offsets(app: Flask) -> tuple[timedelta, ...]:
    """MAIL_REMINDER_HOURS ("24,1": hours before the deadline; empty: no reminders)."""
    text = str(app.config.get("MAIL_REMINDER_HOURS", "24,1") or "")
    return tuple(timedelta(hours=float(h)) for h in text.replace(" ", "").split(",") if h)


def send_due(app: Flask, limit: int = outbox.BATCH) -> Counter:
    """Deliver every message due now, `limit` per round, until a round finds none (app context
    of its own: safe on any thread). A Counter of outcomes."""
    repos = get_repos(app)
    transport = app.extensions.get(_EXT, {}).get("transport") or transport_for(app.config.get("MAIL_URL") or "")
    base = app.config.get("BASE_URL") or "http://localhost:5000"

    def render(message: dict):
        with app.test_request_context("/", base_url=base):
            return messages.render(repos, message)

    total: Counter = Counter()
    with app.app_context():
        reminders = interview_service.queue_reminders(repos, utcnow(), reminder_offsets(app))
        if reminders:
            total["reminders queued"] = reminders
        while True:
            done = outbox.deliver_due(repos, utcnow, render, transport, sender_address(app), limit)
            total.update(done)
            if sum(done.values()) < limit or set(done) <= {"taken", "waiting"}:
                return total


class SenderThread:
    """One per process: sleeps until woken or MAIL_POLL_SECONDS pass, then sends what is due."""

    def __init__(self, app: Flask):
        self.app = app
        self.wakeup = threading.Event()
        self.poll = float(app.config.get("MAIL_POLL_SECONDS") or 30)
        self.thread = threading.Thread(target=self._run, name="mail-sender", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:
            self.wakeup.wait(self.poll)
            self.wakeup.clear()
            try:
                send_due(self.app)
            except Exception:  # a store outage or a bug must not kill the thread: log, try again later
                self.app.logger.exception("mail sender: a round failed")


def sender(app: Flask) -> SenderThread:
    """This process's sender thread (a forked worker starts its own on first use)."""
    holder = app.extensions.setdefault(_EXT, {})
    with _LOCK:
        if holder.get("pid") != os.getpid():
            holder["thread"] = SenderThread(app)
            holder["pid"] = os.getpid()
        return holder["thread"]


def wake(app: Flask) -> None:
    """After a request that may have queued a message: send it now (inline) or soon (thread)."""
    mode = app.config.get("MAIL_SENDER") or "thread"
    if mode == "inline":
        send_due(app)
    elif mode == "thread":
        sender(app).wakeup.set()


mail_cli = AppGroup("mail", help="The e-mail outbox.")


@mail_cli.command("send")
def mail_send():
    """Send every message that is due now (for cron; the app's own sender does the same)."""
    done = send_due(current_app._get_current_object())
    click.echo(", ".join(f"{n} {state}" for state, n in sorted(done.items())) or "Nothing was due.")


def init_app(app: Flask) -> None:
    if app.testing and app.config.get("MAIL_SENDER") == "thread":
        # A test app must not leave a thread polling its (deleted) database after the test.
        app.config["MAIL_SENDER"] = "manual"
    app.cli.add_command(mail_cli)

    @app.before_request
    def _start_sender():
        # Reminders and retries are due without any request to wake the sender: each process
        # starts its thread with its first request of any kind (a pid check once it runs).
        if app.config.get("MAIL_SENDER") == "thread":
            sender(app)

    @app.after_request
    def _wake_sender(response):
        from flask import request

        if request.method not in ("GET", "HEAD", "OPTIONS") and response.status_code < 400:
            try:
                wake(app)
            except Exception:  # the message is queued; the next round or `flask mail send` sends it
                app.logger.exception("mail sender: could not be woken")
        return response
