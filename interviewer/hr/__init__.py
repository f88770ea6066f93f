from flask import Blueprint

from ..security import role_required

bp = Blueprint("hr", __name__)
bp.before_request(role_required("hr", "admin"))

from . import ai_routes, panel_routes, routes, template_routes  # noqa: E402,F401
