"""Settings, read from the environment once at start-up."""
from __future__ import annotations

import os
import secrets
from pathlib import Path


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two workers starting together agree on one key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip()


class Config:
    MONGO_URI = os.environ.get("MONGO_URI", "")
    MONGO_DB = os.environ.get("MONGO_DB", "interviewer")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE")
    # The CSRF token lives as long as the session: a candidate may sit on one
    # question for hours and must not lose an answer to an expired token.
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = _bool("SESSION_COOKIE_SECURE")
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024  # the 5 MiB resume plus the rest of the form
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (0: none).
    # Throttling and logs need the browser's address, not the proxy's.
    PROXY_FIX = int(os.environ.get("PROXY_FIX", "0") or 0)
    AI_PROVIDER = os.environ.get("AI_PROVIDER", "auto")
    GEMINI_API_KEY = os.environ.get("GEMINI_API_KEY", "")
    GEMINI_MODEL = os.environ.get("GEMINI_MODEL", "gemini-2.5-flash")
    GOOGLE_GEMINI_BASE_URL = os.environ.get("GOOGLE_GEMINI_BASE_URL", "")
    # AI_PROVIDER=openai: any OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio, hosted).
    OPENAI_BASE_URL = os.environ.get("OPENAI_BASE_URL", "")
    OPENAI_API_KEY = os.environ.get("OPENAI_API_KEY", "")
    OPENAI_MODEL = os.environ.get("OPENAI_MODEL", "")
    OPENAI_RESPONSE_FORMAT = os.environ.get("OPENAI_RESPONSE_FORMAT", "auto")  # auto | json_schema | json_object
    AI_MAX_OUTPUT_TOKENS = os.environ.get("AI_MAX_OUTPUT_TOKENS", "")  # empty: the provider's default
    AI_TIMEOUT = float(os.environ.get("AI_TIMEOUT", "30"))
    AI_RETRIES = int(os.environ.get("AI_RETRIES", "2"))  # extra attempts after the first
    AI_CONCURRENCY = int(os.environ.get("AI_CONCURRENCY", "4"))
    AI_JOB_TIMEOUT = int(os.environ.get("AI_JOB_TIMEOUT", "180"))
    # Local scorer's sentence vectors: static (shipped, default), minilm (extra) or off.
    LOCAL_EMBEDDINGS = os.environ.get("LOCAL_EMBEDDINGS", "static")
    API_TOKEN_TTL_HOURS = int(os.environ.get("API_TOKEN_TTL_HOURS", "24"))
    # E-mail (interviewer/mail): without MAIL_URL messages are printed and kept in the outbox.
    MAIL_URL = os.environ.get("MAIL_URL", "")
    MAIL_FROM = os.environ.get("MAIL_FROM", "Interviewer <no-reply@localhost>")
    BASE_URL = os.environ.get("BASE_URL", "http://localhost:5000")  # the start of every link in an e-mail
    PRODUCT_NAME = os.environ.get("PRODUCT_NAME", "Interviewer")
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "thread")  # thread | inline | manual
    MAIL_POLL_SECONDS = float(os.environ.get("MAIL_POLL_SECONDS", "30"))
    PASSWORD_RESET_MINUTES = int(os.environ.get("PASSWORD_RESET_MINUTES", "60"))
    ACCOUNT_LINK_HOURS = int(os.environ.get("ACCOUNT_LINK_HOURS", "72"))  # a new staff account's set-password link
    # Self-registration waits for the e-mailed link, and never says whether an address has an account.
    RETENTION_DAYS = int(os.environ.get("RETENTION_DAYS", "0") or 0)  # flask retention purge; 0: keep everything
    REGISTRATION_EMAIL_VERIFY = os.environ.get("REGISTRATION_EMAIL_VERIFY", "").lower() in ("1", "true", "yes", "on")
    MAIL_REMINDER_HOURS = os.environ.get("MAIL_REMINDER_HOURS", "24,1")  # before the deadline; empty: none
    # Voluntary self-identification (services/demographics.py): JSON {dimension: [categories]}; empty:
    # the US EEO-1 sex and race/ethnicity categories. "prefer not to say" is always offered.
    SELF_ID_CATEGORIES = os.environ.get("SELF_ID_CATEGORIES", "")
    IMPACT_MIN_GROUP = int(os.environ.get("IMPACT_MIN_GROUP", "5") or 5)  # smaller groups are suppressed
