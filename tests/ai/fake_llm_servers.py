"""Fake OpenAI-compatible chat servers for tests: threaded ``http.server`` on 127.0.0.1, a random
port, nothing else on the network.

Each fake answers ``POST /v1/chat/completions`` the way one kind of server does:
- ``ollama``: Ollama's OpenAI-compatible endpoint (json_schema supported since 0.5); errors as
  ``{"error": {"message", "type", "param", "code"}}`` with types invalid_request_error,
  not_found_error, api_error; an unknown model is 404 ``model "x" not found, try pulling it first``.
- ``vllm``: vLLM's server (json_schema through guided decoding); errors as
  ``{"object": "error", "message", "type": "BadRequestError", "param", "code": 400}``;
  a wrong key is 401 ``{"error": "Unauthorized"}``.
- ``no_json_schema``: an older server with OpenAI-shaped errors that knows JSON mode but rejects
  ``response_format`` json_schema with a 400.

Replies are queued (``queue``) and served in order; when the queue is empty, ``default`` is
served. Every request body is kept in ``requests``, its headers in ``headers``.
"""
from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

FLAVOURS = ("ollama", "vllm", "no_json_schema")


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that timed out and left: nothing to report


@dataclass
class Canned:
    """One HTTP answer: `body` a dict/list (sent as JSON) or str/bytes (sent as is)."""

    status: int = 200
    body: Any = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering


class FakeChatServer:
    """A local chat-completions server of one `flavour` (see the module docstring) serving
    `model`; with `api_key`, requests without ``Authorization: Bearer <api_key>`` get a 401."""

    def __init__(self, flavour: str = "ollama", model: str = "llama3.1:8b", api_key: str | None = None):
        if flavour not in FLAVOURS:
            raise ValueError(flavour)
        self.flavour, self.model, self.api_key = flavour, model, api_key
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.default: Canned = self.completion('{"note": "no reply queued"}')
        self._queue: list[Canned] = []
        self._lock = threading.Lock()
        self._release = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name=f"fake-{flavour}", daemon=True
        )

    # -- lifecycle --------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The API root to give the SDK as base_url, with /v1."""
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self) -> FakeChatServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()  # slow answers stop waiting
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    def __enter__(self) -> FakeChatServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- scripting --------------------------------------------------------------------

    def queue(self, *answers: Canned | str) -> None:
        """Serve these next, in order; a str is a completed reply with that content."""
        with self._lock:
            self._queue.extend(a if isinstance(a, Canned) else self.completion(a) for a in answers)

    def completion(
        self,
        content: str | None,
        finish_reason: str | None = "stop",
        *,
        refusal: str | None = None,
        usage: dict[str, Any] | None = None,
        **canned: Any,
    ) -> Canned:
        """A chat.completion body as this flavour writes it."""
        message: dict[str, Any] = {"role": "assistant", "content": content}
        choice: dict[str, Any] = {"index": 0, "message": message, "finish_reason": finish_reason}
        if refusal is not None:
            message["refusal"] = refusal
        body: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_760_000_000,
            "model": self.model,
            "choices": [choice],
            "usage": usage or {"prompt_tokens": 812, "completion_tokens": 143, "total_tokens": 955},
        }
        if self.flavour == "ollama":
            body["system_fingerprint"] = "fp_ollama"
        if self.flavour == "vllm":
            message.update({"tool_calls": [], "reasoning_content": None})
            choice.update({"logprobs": None, "stop_reason": None})
            body["usage"].setdefault("prompt_tokens_details", None)
        return Canned(body=body, **canned)

    def error(self, status: int, message: str, **canned: Any) -> Canned:
        """An error body as this flavour writes it."""
        if self.flavour == "vllm":
            kind = {400: "BadRequestError", 404: "NotFoundError", 429: "TooManyRequests"}.get(status, "InternalServerError")
            body: Any = {"object": "error", "message": message, "type": kind, "param": None, "code": status}
        else:
            kind = {400: "invalid_request_error", 404: "not_found_error"}.get(status, "api_error")
            body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
        return Canned(status=status, body=body, **canned)

    # -- serving ----------------------------------------------------------------------

    def _answer(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> Canned:
        if path.rstrip("/") != "/v1/chat/completions":
            return self.error(404, f"404 page not found: {path}")
        if self.api_key is not None and headers.get("authorization") != f"Bearer {self.api_key}":
            if self.flavour == "vllm":
                return Canned(status=401, body={"error": "Unauthorized"})
            return self.error(401, "invalid api key")
        if body.get("model") != self.model:
            if self.flavour == "vllm":
                return self.error(404, f"The model `{body.get('model')}` does not exist.")
            return self.error(404, f'model "{body.get("model")}" not found, try pulling it first')
        kind = (body.get("response_format") or {}).get("type")
        if self.flavour == "no_json_schema" and kind == "json_schema":
            return self.error(400, "response_format.type must be one of 'text', 'json_object'")
        with self._lock:
            return self._queue.pop(0) if self._queue else self.default

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                raw = self.rfile.read(int(self.headers.get("content-length") or 0))
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                headers = {k.lower(): v for k, v in self.headers.items()}
                with fake._lock:
                    fake.requests.append(body)
                    fake.headers.append(headers)
                answer = fake._answer(self.path, headers, body)
                if answer.delay:
                    fake._release.wait(answer.delay)
                payload = answer.body
                if not isinstance(payload, (str, bytes)):
                    payload = json.dumps(payload)
                data = payload.encode() if isinstance(payload, str) else payload
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:  # quiet
                pass
        return Handler


_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def loopback_only(monkeypatch: Any) -> None:
    """Make any connection or name lookup beyond this machine fail the test at once."""
    import socket

    real_connect, real_connect_ex, real_getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def check(address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and host not in _LOOPBACK and not host.startswith("127."):
            raise AssertionError(f"a test tried to reach {host!r}: only 127.0.0.1 is allowed")

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            check(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            check(address)
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None:
            check((host.decode() if isinstance(host, bytes) else host,))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
