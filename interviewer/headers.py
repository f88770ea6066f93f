"""Security headers on every response, and no caching of anything behind sign-in.

One small hook rather than a library: the policy is five fixed headers and one rule, and the
pages were written to meet a strict Content-Security-Policy (no inline script, style or event
handler; htmx's own indicator ``<style>`` is switched off in ``base.html``'s ``htmx-config``).

* ``Content-Security-Policy``: scripts, styles, images, fonts and connections from this origin
  only; no plugins; forms post here only; ``frame-ancestors 'none'`` so no page can be framed
  (clickjacking the admin's Deactivate or HR's Share buttons). ``CONTENT_SECURITY_POLICY`` in
  the config replaces it.
* ``X-Frame-Options: DENY`` for browsers without frame-ancestors, ``X-Content-Type-Options:
  nosniff``, ``Referrer-Policy: same-origin`` (links out do not carry interview ids),
  ``Permissions-Policy`` denying camera, microphone, geolocation and payment,
  ``Cross-Origin-Opener-Policy: same-origin``.
* ``Cache-Control: no-store`` on every response but static files: signed-in pages, exports and
  API replies so that a shared computer's cache or a proxy keeps no interview, and the public
  forms too (they carry a CSRF token that must not be replayed from a cache).

Static files are answered by WhiteNoise before Flask runs (``assets.py``): it adds the same
headers from ``static_headers`` and sets its own Cache-Control.
"""
from __future__ import annotations

from flask import Flask, Response, request

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def static_headers(app: Flask) -> dict[str, str]:
    """The headers every response carries, for responses sent without Flask (static files)."""
    return {"Content-Security-Policy": app.config.get("CONTENT_SECURITY_POLICY") or CSP, **HEADERS}


def add_security_headers(response: Response) -> Response:
    """The headers above; a view that set one of them keeps its own."""
    from flask import current_app

    for name, value in static_headers(current_app).items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
