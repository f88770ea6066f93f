"""API bearer tokens: issue, resolve, revoke.

A token is 32 random bytes (URL-safe text) shown once to the client; only its
SHA-256 is stored, so a copy of the database gives no usable tokens. A token is
refused once it is expired or revoked, or while its user is deactivated (and it
is then revoked for good, so reactivating the account does not revive it).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from ..models import User
from . import audit

TOKEN_BYTES = 32
MAX_TOKEN_CHARS = 200  # anything longer is not one of ours: refuse before hashing


@dataclass
class IssuedToken:
    access_token: str
    expires_at: datetime
    user: User


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def issue(repos, user: User, now: datetime, ttl: timedelta) -> IssuedToken:
    """A new token for an (already authenticated) active user."""
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = now + ttl
    token = repos.tokens.insert(hash_token(raw), user.id, now, expires_at)
    audit.record(repos, user, "token.issue", "token", token.id, now, after={"expires_at": expires_at})
    return IssuedToken(raw, expires_at, user)


def resolve(repos, raw: str, now: datetime) -> tuple[User, str] | None:
    """(user, token id) for a live token of an active user; None for anything else."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_TOKEN_CHARS:
        return None
    token = repos.tokens.by_hash(hash_token(raw))
    if token is None or token.revoked_at is not None or now >= token.expires_at:
        return None
    user = repos.users.get(token.user_id)
    if user is None or not user.active:
        repos.tokens.revoke(token.id, now)
        return None
    return user, token.id


def revoke(repos, token_id: str, now: datetime, actor: User | None = None) -> bool:
    revoked = repos.tokens.revoke(token_id, now)
    if revoked and actor is not None:
        audit.record(repos, actor, "token.revoke", "token", token_id, now)
    return revoked


def revoke_all(repos, user_id: str, now: datetime) -> int:
    """Revoke every token of a user (call it when an account is deactivated)."""
    return repos.tokens.revoke_for_user(user_id, now)
