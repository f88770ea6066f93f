"""The JSON API (/interview/…, /auth/token, /auth/me, /openapi.json, /api/docs)."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from . import core, panels, routes, templates  # noqa: E402,F401
