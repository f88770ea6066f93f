"""Where a built e-mail goes: an SMTP server (`MAIL_URL`) or, without one, the console.

``MAIL_URL``: ``smtp://[user:password@]host[:port]`` (port 587 with credentials, else 25; STARTTLS
whenever the server offers it, and required before sending credentials) or
``smtps://[user:password@]host[:port]`` (TLS from the first byte, port 465). ``?starttls=off``
turns STARTTLS off for a relay on the same host; ``?timeout=`` sets the socket timeout in seconds
(default 20). User and password are URL-decoded.

A transport returns True when the message was handed to a server, False when it was only kept
(the console), and raises ``DeliveryError`` — temporary for SMTP 4xx replies, refused or dropped
connections and timeouts, permanent for 5xx replies.
"""
from __future__ import annotations

import smtplib
import ssl
import sys
from email.message import EmailMessage
from typing import TextIO
from urllib.parse import parse_qs, unquote, urlsplit

from ..services.outbox import DeliveryError


def _reply(code: int, text: bytes | str) -> str:
    text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"{code} {text}".strip()


class SMTPTransport:
    def __init__(self, url: str):
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("MAIL_URL must look like smtp://user:password@host:587 or smtps://host:465")
        query = parse_qs(parts.query)
        self.implicit_tls = parts.scheme == "smtps"
        self.host = parts.hostname
        self.user = unquote(parts.username or "")
        self.password = unquote(parts.password or "")
        self.port = parts.port or (465 if self.implicit_tls else 587 if self.user else 25)
        self.starttls = (query.get("starttls") or ["auto"])[0] != "off"
        self.timeout = float((query.get("timeout") or ["20"])[0])

    def __call__(self, email: EmailMessage, message: dict) -> bool:
        try:
            self._send(email)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = min(exc.recipients.values(), key=lambda r: r[0])
            raise DeliveryError(_reply(code, text), temporary=400 <= code < 500) from None
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, auth failed, 4xx/5xx greeting
            raise DeliveryError(_reply(exc.smtp_code, exc.smtp_error), temporary=400 <= exc.smtp_code < 500) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise DeliveryError(f"The mail server does not support what is needed: {exc}", temporary=False) from None
        except (smtplib.SMTPException, OSError) as exc:  # disconnected, refused, timed out, TLS failures
            raise DeliveryError(f"Could not reach the mail server {self.host}:{self.port}: {exc or type(exc).__name__}",
                                temporary=True) from None
        return True

    def _send(self, email: EmailMessage) -> None:
        context = ssl.create_default_context()
        if self.implicit_tls:
            server = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with server:
            server.ehlo()
            if not self.implicit_tls and self.starttls and server.has_extn("starttls"):
                server.starttls(context=context)
                server.ehlo()
            elif self.user and not self.implicit_tls:
                raise smtplib.SMTPNotSupportedError("STARTTLS, before a password may be sent")
            if self.user:
                server.login(self.user, self.password)
            server.send_message(email)


class ConsoleTransport:
    """No MAIL_URL: print the message (headers and text part) and keep it in the outbox."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream

    def __call__(self, email: EmailMessage, message: dict) -> bool:
        stream = self.stream or sys.stderr
        body = email.get_body(("plain",))
        text = body.get_content() if body is not None else ""
        stream.write(f"--- e-mail not sent (no MAIL_URL) ---\nTo: {email['To']}\nSubject: {email['Subject']}\n"
                     f"Message-ID: {email['Message-ID']}\n\n{text}\n--- end ---\n")
        stream.flush()
        return False


def transport_for(url: str):
    return SMTPTransport(url) if url else ConsoleTransport()
