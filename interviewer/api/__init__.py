"""The JSON API (/interview/…, /auth/token, /auth/me, /openapi.json, /api/docs)."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from . import core, routes  # noqa: E402,F401
