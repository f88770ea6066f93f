"""AI layer: pick a provider from the app config.

Config keys (all optional):
    AI_PROVIDER             "auto" (default: gemini when GEMINI_API_KEY is set, else local),
                            "local", "gemini" or "openai" (an OpenAI-compatible server)
    GEMINI_API_KEY          API key for Gemini
    GEMINI_MODEL            model name (default gemini-2.5-flash)
    GOOGLE_GEMINI_BASE_URL  alternative endpoint (proxy, or a fake server in tests)
    OPENAI_BASE_URL         API root of an OpenAI-compatible server, with /v1
                            (Ollama: http://localhost:11434/v1; default: OpenAI's hosted API)
    OPENAI_API_KEY          its key (optional for local servers: a placeholder is sent)
    OPENAI_MODEL            model name, required with AI_PROVIDER=openai (e.g. llama3.1:8b)
    OPENAI_RESPONSE_FORMAT  "auto" (default), "json_schema" or "json_object"
    AI_TIMEOUT              seconds per HTTP attempt (default 30)
    AI_RETRIES              extra attempts on 429/5xx/timeouts (default 2)
    AI_MAX_OUTPUT_TOKENS    output token limit of a first call (default: 8192 for Gemini,
                            4096 for OpenAI-compatible servers); a reply cut there is asked
                            again once with four times the room
    LOCAL_EMBEDDINGS        sentence vectors in the local scorer: "static" (default),
                            "minilm" (optional extra) or "off" (see embeddings.py)
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .types import AIConfigError, Provider

DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 2


def _choice(config: Mapping[str, Any]) -> str:
    choice = str(config.get("AI_PROVIDER") or "auto").strip().lower()
    if choice == "auto":
        return "gemini" if (config.get("GEMINI_API_KEY") or "").strip() else "local"
    if choice not in ("local", "gemini", "openai"):
        raise AIConfigError(f"Unknown AI_PROVIDER {choice!r}: use auto, local, gemini or openai.")
    return choice


def _number(config: Mapping[str, Any], key: str, default: float, cast: type) -> Any:
    raw = config.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return cast(default)
    try:
        value = cast(float(raw))
    except (TypeError, ValueError):
        raise AIConfigError(f"{key} must be a number, not {raw!r}.") from None
    if value < 0:
        raise AIConfigError(f"{key} must not be negative.")
    return value


def _model(config: Mapping[str, Any]) -> str:
    from .gemini import DEFAULT_MODEL

    return (config.get("GEMINI_MODEL") or "").strip() or DEFAULT_MODEL


def _text(config: Mapping[str, Any], key: str) -> str:
    return str(config.get(key) or "").strip()


def _transport(config: Mapping[str, Any]) -> dict[str, Any]:
    """timeout, retries and (when set) max_output_tokens, checked."""
    timeout = _number(config, "AI_TIMEOUT", DEFAULT_TIMEOUT, float)
    if timeout <= 0:
        raise AIConfigError("AI_TIMEOUT must be positive.")
    options: dict[str, Any] = {"timeout": timeout, "retries": _number(config, "AI_RETRIES", DEFAULT_RETRIES, int)}
    if _text(config, "AI_MAX_OUTPUT_TOKENS"):
        tokens = _number(config, "AI_MAX_OUTPUT_TOKENS", 0, int)
        if tokens <= 0:
            raise AIConfigError("AI_MAX_OUTPUT_TOKENS must be positive.")
        options["max_output_tokens"] = tokens
    return options


def get_provider(config: Mapping[str, Any]) -> Provider:
    """Build the provider the config asks for; raises AIConfigError when it cannot."""
    choice = _choice(config)
    if choice == "local":
        from .local import LocalProvider  # imported lazily: optional at import time

        return LocalProvider(embeddings=config.get("LOCAL_EMBEDDINGS"))

    if choice == "openai":
        if not _text(config, "OPENAI_MODEL"):
            raise AIConfigError("AI_PROVIDER is openai but OPENAI_MODEL is not set.")
        from .openai_compat import OpenAICompatProvider

        return OpenAICompatProvider(
            model=_text(config, "OPENAI_MODEL"),
            base_url=_text(config, "OPENAI_BASE_URL") or None,
            api_key=_text(config, "OPENAI_API_KEY") or None,
            response_format=_text(config, "OPENAI_RESPONSE_FORMAT") or "auto",
            **_transport(config),
        )

    api_key = _text(config, "GEMINI_API_KEY")
    if not api_key:
        raise AIConfigError("AI_PROVIDER is gemini but GEMINI_API_KEY is not set.")
    from .gemini import GeminiProvider

    return GeminiProvider(
        api_key=api_key,
        model=_model(config),
        base_url=_text(config, "GOOGLE_GEMINI_BASE_URL") or None,
        **_transport(config),
    )


def close_provider(provider: Any) -> None:
    """Release what a provider holds (an HTTP client); providers without ``close`` hold nothing."""
    close = getattr(provider, "close", None)
    if callable(close):
        close()


def generation_provider(config: Mapping[str, Any]) -> Provider | None:
    """The provider for question generation, or None when it is not configured: scheduling then
    drafts from the default bank and says so (``services.interviews.draft_questions``)."""
    try:
        return get_provider(config)
    except AIConfigError:
        return None


def describe_provider(config: Mapping[str, Any]) -> str:
    """Short label for the UI, e.g. "gemini (gemini-2.5-flash)", "openai (llama3.1:8b @ localhost:11434)"
    or "local (offline, …)"."""
    try:
        choice = _choice(config)
    except AIConfigError:
        return "not configured"
    if choice == "local":
        from .embeddings import usable_kind

        try:
            kind = usable_kind(config.get("LOCAL_EMBEDDINGS"))
        except AIConfigError:
            return "local (not configured: LOCAL_EMBEDDINGS)"
        detail = {"static": "static sentence vectors", "minilm": "MiniLM sentence embeddings",
                  "off": "lexical only"}[kind]
        return f"local (offline, {detail})"
    if choice == "openai":
        model = _text(config, "OPENAI_MODEL")
        if not model:
            return "openai (not configured: OPENAI_MODEL missing)"
        from .openai_compat import DEFAULT_BASE_URL, host_of

        return f"openai ({model} @ {host_of(_text(config, 'OPENAI_BASE_URL') or DEFAULT_BASE_URL)})"
    if not (config.get("GEMINI_API_KEY") or "").strip():
        return "gemini (not configured: GEMINI_API_KEY missing)"
    return f"gemini ({_model(config)})"


__all__ = ["get_provider", "generation_provider", "describe_provider", "close_provider"]
