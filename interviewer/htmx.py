"""One helper decides page or fragment; redirects that htmx can follow."""
from __future__ import annotations

from flask import Response, redirect, render_template, request


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def wants_fragment() -> bool:
    """A fragment for htmx swaps; a boosted navigation still gets the whole page."""
    return is_htmx() and request.headers.get("HX-Boosted") != "true"


def render(page_template: str, fragment_template: str, /, **context) -> str:
    """Render the underscore fragment for an htmx swap, else the page that includes it."""
    return render_template(fragment_template if wants_fragment() else page_template, **context)


def redirect_to(url: str, status: int = 303) -> Response:
    """A redirect for forms; for htmx, `HX-Redirect` (htmx never sees a 302 it can use)."""
    if is_htmx():
        response = Response("", status=200)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=status)


def add_vary(response: Response) -> Response:
    response.vary.add("HX-Request")
    return response
