"""Interviewer: structured written interviews with Flask, htmx, MongoDB and Gemini."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from .config import Config, secret_key

ROOT = Path(__file__).resolve().parent.parent
csrf = CSRFProtect()


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application; `config` overrides settings (tests)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.config.from_object(Config)
    if config:
        app.config.update(config)
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = secret_key(app.instance_path)
    from .services.demographics import categories_from

    categories_from(app.config.get("SELF_ID_CATEGORIES"))  # a malformed setting stops start-up, with the reason

    from . import assets, filters, headers, mail, throttle
    from .cli import register_cli
    from .handlers import register_error_handlers
    from .htmx import add_vary
    from .security import login_manager

    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    filters.init_app(app)
    register_error_handlers(app)
    register_cli(app)
    app.after_request(add_vary)
    headers.init_app(app)
    assets.init_app(app)
    throttle.init_app(app)
    mail.init_app(app)

    from .admin import bp as admin_bp
    from .auth import bp as auth_bp
    from .candidate import bp as candidate_bp
    from .hr import bp as hr_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(hr_bp, url_prefix="/hr")
    app.register_blueprint(candidate_bp, url_prefix="/candidate")
    from .api import bp as api_bp
    app.register_blueprint(api_bp)
    return app
