"""A real SMTP server for the tests (aiosmtpd, in this process, on a free local port); the `smtp`
fixture of tests/conftest.py starts one per test."""
from __future__ import annotations

import socket
import threading
from contextlib import contextmanager
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Recorder:
    """Accepts mail and keeps it; `rcpt_reply` / `data_reply` make it refuse instead (e.g. "451 try
    later", "550 no such user") while set."""

    def __init__(self):
        self.messages = []
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802 (aiosmtpd's hook name)
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if self.data_reply:
            return self.data_reply
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                                  message_from_bytes(envelope.original_content, policy=policy.default)))
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_smtp():
    """A running server: `.url` for MAIL_URL, `.messages` [(mail_from, rcpt_tos, EmailMessage)]."""
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=free_port())
    controller.start()
    recorder.url = f"smtp://127.0.0.1:{controller.port}?starttls=off&timeout=5"
    try:
        yield recorder
    finally:
        controller.stop()
