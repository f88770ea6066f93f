"""OpenAI-compatible provider: any server speaking ``/v1/chat/completions`` through the
official ``openai`` SDK — self-hosted Ollama, vLLM, llama.cpp server, LM Studio, or a hosted
service.

Only this module knows about the SDK. Prompts, fencing, the output schema, JSON recovery, the
scale checks and the retry of unusable replies are shared with Gemini (``llm.py``).

Structured output (``response_format``):
- ``json_schema``: the reply is constrained to our JSON Schema (OpenAI structured outputs,
  vLLM guided decoding, llama.cpp grammars, Ollama ≥ 0.5 ``format``).
- ``json_object``: JSON mode; the schema goes into the system prompt only.
- ``auto`` (default): json_schema first; when the server rejects it with 400 (or 422), the same
  request is sent once in JSON mode and, if that works, JSON mode is used from then on by this
  provider instance. The first success with json_schema settles it too.

Notes on the SDK (openai 3.x, verified in the installed source):
- ``timeout`` is in seconds (an httpx2 timeout per connect / read / write).
- ``max_retries`` retries 408, 409, 429, 5xx, timeouts and connection errors with exponential
  backoff (0.5 s doubling to 8 s, minus up to 25 % jitter), and honours ``Retry-After`` /
  ``retry-after-ms`` up to 120 s (longer: no retry).
- It reads ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL`` from the environment when they are not
  given, so both are always passed explicitly.
- A 200 reply that is not ``application/json`` comes back as a plain ``str``.
"""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel

from .llm import ContentFilterError, LLMProvider, Reply, json_schema
from .types import (
    AIConfigError,
    AIError,
    AIQuotaError,
    AISchemaError,
    AIServerError,
    AITimeoutError,
)

DEFAULT_BASE_URL = "https://api.openai.com/v1"
# Local servers ignore the key but the SDK wants one; llama.cpp's docs use this placeholder.
PLACEHOLDER_API_KEY = "sk-no-key-required"
RESPONSE_FORMATS = ("auto", "json_schema", "json_object")
# JSON mode has no schema to follow, and small local models think too: keep room for both.
DEFAULT_MAX_OUTPUT_TOKENS = 4096
_FORMAT_REJECTED_STATUS = (400, 422)


def host_of(base_url: str) -> str:
    """The host (and port) of `base_url`, for labels: "127.0.0.1:11434", "api.openai.com"."""
    return urlsplit(base_url).netloc or base_url


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    message = body.get("message") if isinstance(body, dict) else None
    if not isinstance(message, str) or not message.strip():
        message = body if isinstance(body, str) and len(body) < 300 and "<" not in body else ""
    return " ".join(str(message or "").split())[:300]


def map_error(exc: BaseException, *, label: str, model: str) -> AIError:
    """Turn an openai SDK / transport exception into a domain AIError; `label` names the server
    in the message ("llama3.1:8b (127.0.0.1:11434)"), `model` is the configured model name."""
    import openai

    if isinstance(exc, AIError):
        return exc
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        detail = _server_message(exc)
        tail = f" Server says: {detail}" if detail else ""
        if status == 429:
            wait = exc.response.headers.get("retry-after")
            asks = f" It asks to wait {wait} s." if wait else ""
            return AIQuotaError(f"{label}: rate limit or quota exceeded (429).{asks}{tail}")
        if status >= 500:
            return AIServerError(f"{label}: server error ({status}).{tail}")
        if status == 408:
            return AITimeoutError(f"{label} timed out on its side (408).{tail}")
        if status in (401, 403):
            return AIError(f"{label} rejected the API key ({status}): check OPENAI_API_KEY.{tail}")
        if status == 404:
            return AIError(
                f"{label}: model or endpoint not found (404): check OPENAI_MODEL={model!r} (on Ollama: "
                f"ollama pull) and OPENAI_BASE_URL (it usually ends in /v1).{tail}"
            )
        return AIError(f"{label} rejected the request ({status}).{tail}")
    if isinstance(exc, openai.APITimeoutError):  # before APIConnectionError: it is one
        return AITimeoutError(f"{label} did not answer in time.")
    if isinstance(exc, openai.APIConnectionError):
        return AIServerError(f"Could not reach {label}: check OPENAI_BASE_URL and that the server runs.")
    if isinstance(exc, (openai.APIResponseValidationError, ValueError)):  # ValueError: a body that is not JSON
        return AISchemaError(f"{label} answered with a body that is not a chat completion.")
    return AIError(f"Unexpected error calling {label}: {type(exc).__name__}: {exc}"[:300])


class OpenAICompatProvider(LLMProvider):
    """Provider backed by an OpenAI-compatible chat completions server.

    `base_url` is the API root including ``/v1`` (Ollama: ``http://localhost:11434/v1``);
    None means OpenAI's hosted API, which then needs `api_key`. Without a key a placeholder is
    sent (local servers ignore it). `response_format` is "auto", "json_schema" or
    "json_object" (module docstring). `timeout` is in seconds per HTTP attempt; `retries` is the
    number of extra attempts on 429/5xx/timeouts/connection errors (the SDK's backoff).
    `max_output_tokens` is sent as ``max_tokens`` (the field every compatible server reads); a
    reply cut there (finish_reason "length") is asked again once with more room.
    `clock` (monotonic seconds) is used only to report latency.

    Errors: AIConfigError (no model, unknown format, hosted without a key), and from calls
    AIQuotaError, AIServerError, AITimeoutError, ContentFilterError (finish_reason
    "content_filter" or a refusal; an AIBlockedError), AISchemaError, AIError.
    """

    name = "openai"

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        response_format: str = "auto",
        timeout: float = 30.0,
        retries: int = 2,
        temperature: float = 0.2,
        max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
        clock: Callable[[], float] = time.monotonic,
    ):
        model = (model or "").strip()
        if not model:
            raise AIConfigError("The OpenAI-compatible provider needs a model name (OPENAI_MODEL).")
        response_format = (response_format or "auto").strip().lower()
        if response_format not in RESPONSE_FORMATS:
            raise AIConfigError(
                f"Unknown OPENAI_RESPONSE_FORMAT {response_format!r}: use {', '.join(RESPONSE_FORMATS)}."
            )
        if timeout <= 0:
            raise AIConfigError("AI timeout must be positive.")
        if max_output_tokens <= 0:
            raise AIConfigError("The output token limit must be positive.")
        self.base_url = (base_url or "").strip().rstrip("/") or DEFAULT_BASE_URL
        api_key = (api_key or "").strip()
        if not api_key and self.base_url == DEFAULT_BASE_URL:
            raise AIConfigError("OpenAI's hosted API needs OPENAI_API_KEY (or set OPENAI_BASE_URL to your own server).")
        import openai

        self.model = model
        self.host = host_of(self.base_url)
        self.label = f"{model} ({self.host})"
        self.response_format = response_format
        # What this server accepts, once known: "json_schema" or "json_object" (None: not yet).
        self.format_in_use: str | None = None if response_format == "auto" else response_format
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.temperature = temperature
        self.max_output_tokens = int(max_output_tokens)
        self._clock = clock
        try:
            self._client = openai.OpenAI(
                api_key=api_key or PLACEHOLDER_API_KEY,
                base_url=self.base_url,
                timeout=self.timeout,
                max_retries=self.retries,
            )
        except Exception as exc:  # never let the SDK's exception types escape
            raise AIConfigError(f"Could not configure the OpenAI client: {type(exc).__name__}: {exc}"[:300]) from None

    # -- transport --------------------------------------------------------------------

    def _complete(self, system: str, prompt: str, schema: type[BaseModel], max_output_tokens: int) -> Reply:
        """One chat completion asking for JSON matching `schema`; returns the Reply or raises an
        AIError. In "auto" mode a first 400/422 to json_schema is retried once in JSON mode."""
        import openai

        schema_json = json_schema(schema)
        # Ollama's docs advise grounding the model with the schema in the prompt as well; JSON
        # mode has nothing else to go on.
        system = f"{system}\n\nThe JSON must match this JSON Schema:\n{json.dumps(schema_json, separators=(',', ':'))}"
        messages = [{"role": "system", "content": system}, {"role": "user", "content": prompt}]
        formats = {
            "json_schema": {
                "type": "json_schema",
                "json_schema": {"name": schema.__name__, "schema": schema_json, "strict": True},
            },
            "json_object": {"type": "json_object"},
        }
        chosen = self.format_in_use or "json_schema"
        try:
            completion = self._create(messages, formats[chosen], max_output_tokens)
        except openai.APIStatusError as exc:
            if not (self.format_in_use is None and exc.status_code in _FORMAT_REJECTED_STATUS):
                error = map_error(exc, label=self.label, model=self.model)
                if self.response_format == "json_schema" and exc.status_code in _FORMAT_REJECTED_STATUS:
                    error = type(error)(f"{error.message} If the server does not support json_schema, "
                                        "set OPENAI_RESPONSE_FORMAT=json_object (or auto).")
                raise error from None
            chosen = "json_object"
            try:
                completion = self._create(messages, formats[chosen], max_output_tokens)
            except Exception as second:
                raise map_error(second, label=self.label, model=self.model) from None
        except Exception as exc:
            raise map_error(exc, label=self.label, model=self.model) from None
        self.format_in_use = chosen
        return self._read(completion, chosen)

    def _create(self, messages: list[dict[str, str]], response_format: dict[str, Any], max_output_tokens: int) -> Any:
        return self._client.chat.completions.create(
            model=self.model,
            messages=messages,
            response_format=response_format,
            temperature=self.temperature,
            max_tokens=max_output_tokens,
        )

    def _read(self, completion: Any, response_format: str) -> Reply:
        """A ChatCompletion as a Reply. finish_reason "length" is a cut reply; "content_filter"
        and a refusal raise ContentFilterError; anything that is not a completion with a
        choice is an AISchemaError."""
        choices = getattr(completion, "choices", None) if not isinstance(completion, (str, bytes)) else None
        if not choices:
            raise AISchemaError(f"{self.label} answered with a body that is not a chat completion (no choices).")
        choice = choices[0]
        finish = getattr(choice, "finish_reason", None)
        finish = str(finish) if finish is not None else None
        message = getattr(choice, "message", None)
        refusal = getattr(message, "refusal", None)
        if finish == "content_filter" or refusal:
            detail = f": {' '.join(str(refusal).split())[:200]}" if refusal else "."
            raise ContentFilterError(
                f"{self.label} withheld its answer: "
                + ("the model refused" if refusal else "a content filter stopped the reply")
                + f" (finish reason {finish or 'refusal'}){detail}",
                reason=finish or "refusal",
            )
        text = getattr(message, "content", None)
        text = text if isinstance(text, str) else ""
        usage = getattr(completion, "usage", None)
        details = getattr(usage, "completion_tokens_details", None)
        reply = Reply(
            text=text,
            finish_reason=finish,
            cut=finish == "length",
            prompt_tokens=_int_or_none(getattr(usage, "prompt_tokens", None)),
            completion_tokens=_int_or_none(getattr(usage, "completion_tokens", None)),
            reasoning_tokens=_int_or_none(getattr(details, "reasoning_tokens", None)),
            model_version=getattr(completion, "model", None) or None,
            extra={"response_format": response_format},
        )
        if not text.strip() and not reply.cut:
            raise AISchemaError(f"{self.label} returned an empty answer (finish reason {finish or 'unknown'}).")
        return reply


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
