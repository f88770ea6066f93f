"""Sign-in plumbing: the login manager, role guards and safe `next` targets."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, request, url_for
from flask_login import LoginManager, current_user

from .db import get_repos
from .errors import json_error
from .htmx import is_htmx, redirect_to

login_manager = LoginManager()


@login_manager.user_loader
def load_user(user_id: str):
    # A deactivated user comes back as None: flask-login then treats the
    # session as anonymous, which signs them out on their next request.
    user = get_repos().users.get(user_id)
    return user if user is not None and user.active else None


def wants_json() -> bool:
    return request.path.startswith(("/interview", "/auth/me", "/auth/token", "/openapi")) or (
        request.accept_mimetypes.best == "application/json"
    )


@login_manager.unauthorized_handler
def unauthorized():
    if wants_json():
        return json_error(401, "unauthorized", "Sign in first.")
    # Where to come back after signing in: the page itself for a plain GET; for htmx, the page
    # the user was on (not a fragment it polled; a filter of that same page keeps its query);
    # a form post cannot be replayed by a redirect, so the page it was sent from.
    target = request.full_path.rstrip("?")
    page = _same_site_path(request.headers.get("HX-Current-URL") or request.referrer or "")
    if request.method != "GET":
        target = page or ""
    elif is_htmx() and page and urlsplit(page).path != request.path:
        target = page
    login = url_for("auth.login", next=safe_next(target))
    if is_htmx():
        response = redirect_to(login)
        response.status_code = 401
        return response
    return redirect_to(login, 302)


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _same_site_path(url: str) -> str | None:
    """The path and query of `url` when it points at this site, else None."""
    parts = urlsplit(url)
    if not parts.path or (parts.netloc and parts.netloc != request.host) or parts.scheme not in ("", "http", "https"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def role_required(*roles: str):
    """A before_request guard for a blueprint: signed in, and one of `roles`."""

    def guard():
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        if current_user.role not in roles:
            abort(403)
        return None

    return guard


def roles_allowed(*roles: str):
    """The same guard as a decorator for single views."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            refused = role_required(*roles)()
            return refused if refused is not None else view(*args, **kwargs)

        return wrapper

    return decorator


def home_for(user) -> str:
    return {
        "admin": url_for("admin.users"),
        "hr": url_for("hr.interviews"),
        "candidate": url_for("candidate.dashboard"),
    }.get(getattr(user, "role", None), url_for("auth.login"))
