"""Sign-in plumbing: the login manager, role guards and safe `next` targets."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, request, session, url_for
from flask_login import LoginManager, current_user, login_user, logout_user

from .db import get_repos
from .errors import json_error
from .htmx import is_htmx, redirect_to

login_manager = LoginManager()


SESSION_KEY = "sid"  # the id of the server-side session record, in the signed cookie


@login_manager.user_loader
def load_user(user_id: str):
    """The signed-in user, or None (anonymous) when the account is deactivated or this browser's
    session was ended: signed out, signed out everywhere, or the account deactivated since."""
    repos = get_repos()
    user = repos.users.get(user_id)
    if user is None or not user.active:
        return None
    return user if repos.sessions.is_live(session.get(SESSION_KEY), user.id) else None


def begin_session(user) -> None:
    """Sign `user` in on this browser: a fresh cookie (no fixation) naming a new session record."""
    from .clock import utcnow
    from .services import users as user_service

    session.clear()
    session[SESSION_KEY] = user_service.start_session(get_repos(), user, utcnow(),
                                                      request.headers.get("User-Agent", ""))
    login_user(user)


def end_session() -> None:
    """Sign out this browser: its session record is ended, so a copy of the cookie is worthless."""
    from .clock import utcnow

    sid = session.get(SESSION_KEY)
    if sid:
        get_repos().sessions.end(sid, utcnow())
    logout_user()
    session.clear()


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


def home_for(user) -> str:
    return {
        "admin": url_for("admin.users"),
        "hr": url_for("hr.interviews"),
        "candidate": url_for("candidate.dashboard"),
    }.get(getattr(user, "role", None), url_for("auth.login"))
