from flask import Blueprint

from ..security import role_required

bp = Blueprint("candidate", __name__)
bp.before_request(role_required("candidate"))

from . import routes  # noqa: E402,F401
