from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..clock import utcnow
from ..db import get_repos
from ..errors import Forbidden, TooManyAttempts, ValidationError
from ..forms import apply_errors
from ..security import begin_session, end_session, home_for, safe_next
from ..services import users
from ..throttle import (
    REGISTER_PER_ADDRESS,
    RESET_PER_ADDRESS,
    SIGN_IN_OVERALL,
    SIGN_IN_PER_ADDRESS,
    client_address,
    device_for,
    limiter,
    refund_address_hit,
    remember_device,
)
from . import bp
from .forms import ForgotPasswordForm, LoginForm, PasswordChangeForm, RegisterForm, ResetPasswordForm


@bp.get("/")
def index():
    """Send the visitor to their home page, or to sign in."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.shared_limit(SIGN_IN_PER_ADDRESS, scope="sign-in", methods=["POST"])
@limiter.shared_limit(SIGN_IN_OVERALL, scope="sign-in-all", key_func=lambda: "all", methods=["POST"])
def login():
    """Sign in with e-mail and password."""
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            user = users.authenticate(get_repos(), form.email.data, form.password.data, address=client_address(),
                                      device=device_for(form.email.data))
        except TooManyAttempts as exc:
            user, (status, headers) = None, _refused(form, exc)
        except Forbidden as exc:  # right password, address not confirmed yet
            user, status = None, 403
            form.form_errors.append(exc.message)
        if user is not None:
            begin_session(user)  # a fresh session for every sign-in: no fixation
            remember_device(user.email)  # this browser is exempt from strangers' failures (throttle.py)
            flash(f"Welcome, {user.name}.", "success")
            return redirect(safe_next(request.args.get("next")) or home_for(user))
        if status == 200:
            form.form_errors.append("Wrong e-mail or password.")
    if status == 200 and (form.errors or form.form_errors):
        status = 422
    return render_template("auth/login.html", form=form), status, headers


def _refused(form, exc: TooManyAttempts) -> tuple[int, dict[str, str]]:
    """A throttled password check shown on its form: (429, its Retry-After header). No password was
    checked, so the attempt's hit on the per-address limit is given back."""
    refund_address_hit()
    form.form_errors.append(exc.message)
    return exc.status, {"Retry-After": str(exc.details["retry_after"])}


@bp.post("/logout")
@login_required
def logout():
    """Sign out."""
    end_session()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(REGISTER_PER_ADDRESS, methods=["POST"], scope="register")
def register():
    """Candidate self-registration, with an optional resume."""
    form = RegisterForm()
    if form.validate_on_submit():
        upload = form.resume.data
        resume = (upload.filename, upload.read(users.RESUME_MAX_BYTES + 1)) if upload and upload.filename else None
        verify = bool(current_app.config.get("REGISTRATION_EMAIL_VERIFY"))
        try:
            user = users.register_candidate(get_repos(), form.email.data, form.name.data, form.password.data, resume,
                                            verify=verify, now=utcnow())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if user is not None:
                _remember_zone(user, request.form.get("tz"))
            if verify:  # the same page whether or not the address already had an account
                return render_template("auth/check_inbox.html", email=form.email.data)
            begin_session(user)
            flash("Your account is ready.", "success")  # the dashboard says what happens next
            return redirect(url_for("candidate.dashboard"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
@limiter.shared_limit(SIGN_IN_PER_ADDRESS, scope="sign-in", methods=["POST"])
def change_password():
    """Change one's own password: every other browser signed in to the account is signed out."""
    form = PasswordChangeForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            user = users.change_password(get_repos(), current_user, form.current_password.data, form.password.data,
                                         address=client_address(), device=device_for(current_user.email))
        except ValidationError as exc:
            apply_errors(form, exc)
        except TooManyAttempts as exc:
            status, headers = _refused(form, exc)
        else:
            begin_session(user)  # this browser stays signed in, under a new session
            flash("Your password is changed. Every other browser signed in to your account was signed out.", "success")
            return redirect(home_for(user))
    if status == 200 and (form.errors or form.form_errors):
        status = 422
    return render_template("auth/password.html", form=form), status, headers


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(RESET_PER_ADDRESS, methods=["POST"], scope="password-reset")
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        users.request_password_reset(get_repos(), form.email.data, utcnow())
        minutes = int(current_app.config.get("PASSWORD_RESET_MINUTES") or 60)
        return render_template("auth/forgot_sent.html", email=form.email.data, minutes=minutes)
    status = 422 if form.errors else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(RESET_PER_ADDRESS, methods=["POST"], scope="password-reset-use")
def reset_password(token: str):
    """Choose a new password from an e-mailed link (once, before it expires)."""
    from ..mail.messages import read_reset_token

    repos = get_repos()
    user, problem = read_reset_token(repos, token)
    if user is None:
        return render_template("auth/reset_invalid.html", problem=problem), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            users.reset_password(repos, user, form.password.data, utcnow())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            end_session()
            flash("Your password is changed, and every browser signed in to your account was signed out. "
                  "Sign in with the new password.", "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("auth/reset.html", form=form, user=user), status


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    """Turn optional e-mails (reminders, notices) off or on; invitations and security mail always go."""
    from ..services import outbox

    kinds = outbox.optional_kinds(current_user.role)
    off = list(current_user.mail_off)
    if request.method == "POST":
        wanted = set(request.form.getlist("on"))
        off = outbox.set_mail_off(get_repos(), current_user, [k for k, _ in kinds if k not in wanted])
        flash("Your e-mail choices are saved.", "success")
        return redirect(url_for("auth.notifications"))
    return render_template("auth/notifications.html", kinds=kinds, off=off)


@bp.get("/register/verify/<token>")
def verify_email(token: str):
    """Confirm a self-registered address from the e-mailed link, and sign in."""
    from ..mail.messages import read_verify_token

    repos = get_repos()
    user, problem = read_verify_token(repos, token)
    if user is None:
        return render_template("auth/reset_invalid.html", problem=problem, again=url_for("auth.register")), 400
    user = users.confirm_email(repos, user)
    begin_session(user)
    flash("Your e-mail address is confirmed: your account is ready.", "success")
    return redirect(home_for(user))


def _remember_zone(user, name: str | None) -> None:
    """Keep the zone the browser reported (a known IANA name only; anything else is ignored)."""
    from .. import params

    if name and name in params.zone_names():
        get_repos().users.set_fields(user.id, timezone=name)
