"""Gemini provider: grades answers and drafts questions through the google-genai SDK.

Only this module knows about the SDK. Prompts, fencing, the output schema, JSON recovery,
the scale checks and the retry of unusable replies are shared with the other LLM providers
(``llm.py``); here: the call, reading the reply (finish reason, prompt blocks, token counts),
and mapping every SDK / transport failure to one of the AIError subclasses in `types`.

Notes on the SDK (google-genai 3.x, verified in the installed source):
- `HttpOptions.timeout` is in MILLISECONDS; we take seconds and convert.
- The client retries nothing unless `HttpOptions.retry_options` is set. With
  `HttpRetryOptions` it retries (tenacity) on the listed HTTP codes and on transport
  timeouts / connection errors, then re-raises the last error. `jitter` defaults to
  one second of random extra delay, so it is set explicitly.
- The Gemini API version defaults to "v1" in 3.x (it was "v1beta"); we pin v1beta.
- A failed `response_schema` parse is swallowed by the SDK (`response.parsed` is just
  None), so we validate `response.text` ourselves.
- `response.text` is the text of the first candidate whatever its finish reason: a reply
  stopped by SAFETY or MAX_TOKENS may still carry partial text, so the finish reason is
  read first.
- Thinking models count their thinking tokens within `max_output_tokens`.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from .llm import (  # noqa: F401  (re-exported: the prompts and schema used to live here)
    EVAL_PROMPT_VERSION,
    EVAL_SYSTEM,
    QUESTIONS_PROMPT_VERSION,
    QUESTIONS_SYSTEM,
    ContentFilterError,
    EvaluationOut,
    LLMProvider,
    QuestionOut,
    QuestionsOut,
    Reply,
    build_eval_prompt,
    build_questions_prompt,
    fence,
)
from .types import (
    AIConfigError,
    AIError,
    AIQuotaError,
    AISchemaError,
    AIServerError,
    AITimeoutError,
)

DEFAULT_MODEL = "gemini-2.5-flash"
# google-genai 3.x defaults the Gemini API to "v1"; v1beta is the version documented for
# systemInstruction + responseSchema (older v1 rejected systemInstruction), so pin it.
DEFAULT_API_VERSION = "v1beta"
RETRY_STATUS_CODES = [429, 500, 502, 503, 504]
# Room for thinking as well as the JSON; a reply cut there is asked again with more.
DEFAULT_MAX_OUTPUT_TOKENS = 8192

# Finish reasons meaning "the reply was withheld or stopped by a filter", in words HR can read.
FILTER_FINISH_REASONS = {
    "SAFETY": "its safety filter stopped the reply",
    "RECITATION": "the reply was reciting text from its training data",
    "PROHIBITED_CONTENT": "the reply was judged prohibited content",
    "BLOCKLIST": "the reply contained a blocklisted term",
    "SPII": "the reply contained sensitive personal information",
    "IMAGE_SAFETY": "its safety filter stopped the reply",
    "MODEL_ARMOR": "Model Armor stopped the reply",
}
CUT_FINISH_REASONS = {"MAX_TOKENS"}


# --- error mapping -------------------------------------------------------------------


def _optional_classes(module: str, *names: str) -> tuple[type[BaseException], ...]:
    try:
        mod = __import__(module)
    except ImportError:
        return ()
    return tuple(getattr(mod, n) for n in names if isinstance(getattr(mod, n, None), type))


# The SDK talks through httpx2 (or httpx, or requests for mTLS); whichever is installed.
_TIMEOUTS = (
    *_optional_classes("httpx2", "TimeoutException"),
    *_optional_classes("httpx", "TimeoutException"),
    TimeoutError,
)
_TRANSPORT = (
    *_optional_classes("httpx2", "TransportError"),
    *_optional_classes("httpx", "TransportError"),
    ConnectionError,
)
try:  # requests is only used by the SDK's mTLS path
    import requests as _requests

    _TIMEOUTS += (_requests.Timeout,)
    _TRANSPORT += (_requests.ConnectionError,)
except ImportError:  # pragma: no cover
    pass


def _api_message(exc: Any) -> str:
    return str(getattr(exc, "message", None) or getattr(exc, "status", None) or "").strip()[:300]


def map_error(exc: BaseException) -> AIError:
    """Turn any SDK / transport exception into a domain AIError."""
    from google.genai import errors as genai_errors

    if isinstance(exc, AIError):
        return exc
    if isinstance(exc, genai_errors.APIError):
        code = getattr(exc, "code", None)
        detail = _api_message(exc)
        if code == 429:
            return AIQuotaError(f"Gemini quota or rate limit exceeded (429). {detail}".strip())
        if isinstance(code, int) and 500 <= code < 600:
            return AIServerError(f"Gemini server error ({code}). {detail}".strip())
        if code in (401, 403):
            return AIError(f"Gemini rejected the API key ({code}): check GEMINI_API_KEY. {detail}".strip())
        if code == 404:
            return AIError(f"Gemini model not found (404): check GEMINI_MODEL. {detail}".strip())
        if code == 400:
            return AIError(f"Gemini rejected the request (400). {detail}".strip())
        return AIError(f"Gemini API error ({code}). {detail}".strip())
    if isinstance(exc, getattr(genai_errors, "UnknownApiResponseError", ())):
        return AISchemaError("Gemini returned a response that is not JSON.")
    if isinstance(exc, _TIMEOUTS):
        return AITimeoutError("Gemini did not answer in time.")
    if isinstance(exc, _TRANSPORT):
        return AIServerError(f"Could not reach Gemini: {type(exc).__name__}.")
    return AIError(f"Unexpected error calling Gemini: {type(exc).__name__}: {exc}"[:300])


# --- provider ------------------------------------------------------------------------


class GeminiProvider(LLMProvider):
    """Provider backed by the Gemini API.

    `timeout` is per HTTP attempt, in seconds. `retries` is the number of extra
    attempts after the first one, on 429/5xx and transport timeouts/errors, with
    exponential backoff from `retry_initial_delay` seconds (capped at
    `retry_max_delay`) plus up to `retry_jitter` seconds of randomness.
    `max_output_tokens` is the output limit of a first call (a reply cut there is asked again
    once with more room: see ``llm.LLMProvider``).
    `clock` (monotonic seconds) is used only to report latency; inject it in tests.

    Errors: AIConfigError (no key), and from calls AIQuotaError, AIServerError, AITimeoutError,
    ContentFilterError (an AIBlockedError naming Gemini's reason), AISchemaError, AIError.
    """

    name = "gemini"
    label = "Gemini"

    def __init__(
        self,
        api_key: str,
        model: str = DEFAULT_MODEL,
        *,
        base_url: str | None = None,
        timeout: float = 30.0,
        retries: int = 2,
        retry_initial_delay: float = 1.0,
        retry_max_delay: float = 10.0,
        retry_jitter: float = 0.5,
        api_version: str | None = DEFAULT_API_VERSION,
        temperature: float = 0.2,
        max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
        clock: Callable[[], float] = time.monotonic,
    ):
        if not api_key:
            raise AIConfigError("Gemini needs an API key (GEMINI_API_KEY).")
        if timeout <= 0:
            raise AIConfigError("AI timeout must be positive.")
        if max_output_tokens <= 0:
            raise AIConfigError("The output token limit must be positive.")
        from google import genai
        from google.genai import types as gtypes

        self._gtypes = gtypes
        self.model = model or DEFAULT_MODEL
        self.timeout = float(timeout)
        self.retries = max(0, int(retries))
        self.temperature = temperature
        self.max_output_tokens = int(max_output_tokens)
        self._clock = clock
        http_options = gtypes.HttpOptions(
            base_url=base_url or None,
            api_version=api_version or None,  # None: the SDK's default
            timeout=max(1, int(round(self.timeout * 1000))),  # milliseconds
            retry_options=gtypes.HttpRetryOptions(
                attempts=self.retries + 1,
                initial_delay=retry_initial_delay,
                max_delay=retry_max_delay,
                jitter=retry_jitter,
                http_status_codes=list(RETRY_STATUS_CODES),
            ),
        )
        try:
            self._client = genai.Client(api_key=api_key, http_options=http_options)
        except Exception as exc:  # never let the SDK's exception types escape
            raise AIConfigError(f"Could not configure Gemini client: {type(exc).__name__}: {exc}"[:300]) from None

    # -- transport --------------------------------------------------------------------

    def _complete(self, system: str, prompt: str, schema: type[BaseModel], max_output_tokens: int) -> Reply:
        """One structured call; returns the Reply or raises an AIError."""
        config = self._gtypes.GenerateContentConfig(
            system_instruction=system,
            temperature=self.temperature,
            max_output_tokens=max_output_tokens,
            response_mime_type="application/json",
            response_schema=schema,
        )
        try:
            response = self._client.models.generate_content(model=self.model, contents=prompt, config=config)
        except Exception as exc:
            raise map_error(exc) from None
        return read_reply(response)


def _enum_name(value: Any) -> str:
    return str(getattr(value, "value", None) or value or "").upper()


def read_reply(response: Any) -> Reply:
    """A GenerateContentResponse as a Reply: the finish reason is read before the text.

    Raises ContentFilterError for a blocked prompt (``prompt_feedback.block_reason``) or a reply
    stopped by a filter (SAFETY, RECITATION, PROHIBITED_CONTENT, BLOCKLIST, SPII, …) even when
    partial text came with it; AISchemaError when there is no candidate or no text. A reply cut
    at MAX_TOKENS is returned with ``cut=True``.
    """
    feedback = getattr(response, "prompt_feedback", None)
    block = _enum_name(getattr(feedback, "block_reason", None)) if feedback else ""
    if block:
        detail = (getattr(feedback, "block_reason_message", None) or "").strip()
        raise ContentFilterError(
            f"Gemini refused the prompt (block reason {block})" + (f": {detail[:200]}" if detail else "."),
            reason=block,
            stage="prompt",
        )
    candidates = getattr(response, "candidates", None) or []
    if not candidates:
        raise AISchemaError("Gemini returned no candidates.")
    finish = _enum_name(getattr(candidates[0], "finish_reason", None)) or None
    if finish in FILTER_FINISH_REASONS:
        raise ContentFilterError(
            f"Gemini withheld its answer: {FILTER_FINISH_REASONS[finish]} (finish reason {finish}).",
            reason=finish,
        )
    try:
        text = response.text or ""
    except Exception:  # defensive: malformed parts
        text = ""
    usage = getattr(response, "usage_metadata", None)
    reply = Reply(
        text=text,
        finish_reason=finish,
        cut=finish in CUT_FINISH_REASONS,
        prompt_tokens=getattr(usage, "prompt_token_count", None),
        completion_tokens=getattr(usage, "candidates_token_count", None),
        reasoning_tokens=getattr(usage, "thoughts_token_count", None),
        model_version=getattr(response, "model_version", None),
    )
    if not text.strip() and not reply.cut:
        raise AISchemaError(f"Gemini returned an empty answer (finish reason {finish or 'unknown'}).")
    return reply
