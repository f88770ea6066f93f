from flask import Blueprint

from ..security import role_required

bp = Blueprint("admin", __name__)
bp.before_request(role_required("admin"))

from . import routes  # noqa: E402,F401
