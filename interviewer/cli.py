"""Command-line operations: `flask --app wsgi db|users|demo|ai ...`."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from .db import get_db, get_repos
from .errors import DomainError
from .models import ROLES

db_cli = AppGroup("db", help="Database migrations.")
users_cli = AppGroup("users", help="Manage accounts.")
interviews_cli = AppGroup("interviews", help="Interview housekeeping.")
audit_cli = AppGroup("audit", help="The audit trail.")
retention_cli = AppGroup("retention", help="Removing old interviews.")


def fail(message: str, code: int = 2):
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@db_cli.command("upgrade")
def db_upgrade():
    """Apply pending migrations (safe to run twice)."""
    from .migrate import upgrade

    applied = upgrade(get_db())
    click.echo(f"Applied: {', '.join(applied)}" if applied else "Database is up to date.")
    old = Path(current_app.instance_path) / "data"
    if not current_app.config["MONGO_URI"] and old.is_dir() and get_db().users.count_documents({}) == 0:
        click.echo(f"Note: {old} holds a database of the first wave's embedded store; copy it into this one with\n"
                   f"  flask db copy tinymongo://{old.resolve()}")


@db_cli.command("copy")
@click.argument("source_uri")
def db_copy(source_uri: str):
    """Copy every collection from SOURCE_URI (e.g. tinymongo:///old/instance/data or mongodb://…)
    into this app's database, ids kept, then re-apply the migrations (each is safe to re-run)."""
    from .db import connect
    from .migrate import copy_collections, upgrade

    try:
        source = connect(source_uri, current_app.config["MONGO_DB"], current_app.instance_path)
    except ValueError as exc:
        fail(str(exc))
    copied = copy_collections(source, get_db())
    upgrade(get_db(), rerun=True)
    for name, (added, kept) in sorted(copied.items()):
        click.echo(f"{name}: {added} copied" + (f", {kept} already here (kept as they are)" if kept else ""))


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, help=f"One of: {', '.join(ROLES)}.")
@click.option("--name", required=True)
@click.option("--password", help="Prompted for (hidden, twice) when omitted, unless --invite.")
@click.option("--invite", is_flag=True, help="HR or admin: no password; e-mail the owner a link to choose one.")
def users_create(email: str, role: str, name: str, password: str | None, invite: bool):
    """Create an account; prints the new user's id last."""
    from .clock import utcnow
    from .services import users

    if role not in ROLES:
        fail(f"unknown role {role!r}; use one of {', '.join(ROLES)}.")
    if invite and password is not None:
        fail("--invite and --password exclude each other.")
    if password is None and not invite:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        if invite:
            user = users.invite_staff(get_repos(), email, name, role, utcnow())
            click.echo("An e-mail with a link to choose a password is queued (flask mail send delivers it now).")
        else:
            user = users.create_user(get_repos(), email, name, password, role)
    except DomainError as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        fail("; ".join(details.values()) or exc.message)
    click.echo(f"Created {user.role} {user.email}")
    click.echo(user.id)


def _user_by_email(email: str, role: str):
    user = get_repos().users.by_email(email)
    if user is None or user.role != role:
        fail(f"no {role} with e-mail {email}.")
    return user


@users_cli.command("assign")
@click.argument("candidate_email")
@click.argument("hr_email")
def users_assign(candidate_email: str, hr_email: str):
    """Assign a candidate to an HR user."""
    from .services import users

    candidate = _user_by_email(candidate_email, "candidate")
    hr = _user_by_email(hr_email, "hr")
    try:
        users.assign(get_repos(), candidate.id, hr.id)
    except DomainError as exc:
        fail(exc.message)
    click.echo(f"{candidate.email} is assigned to {hr.email}.")


@users_cli.command("unassign")
@click.argument("candidate_email")
def users_unassign(candidate_email: str):
    """Unassign a candidate (status back to registered)."""
    from .services import users

    candidate = _user_by_email(candidate_email, "candidate")
    users.unassign(get_repos(), candidate.id)
    click.echo(f"{candidate.email} is unassigned.")


@interviews_cli.command("close-expired")
def interviews_close_expired():
    """Complete every in-progress interview past its deadline (for a cron job; pages do it lazily too)."""
    from .clock import utcnow
    from .services.interviews import close_expired

    click.echo(f"Closed {close_expired(get_repos(), utcnow())} interview(s) at their deadline.")


def is_loopback(host: str) -> bool:
    """Whether a bind address reaches this machine only: 127.0.0.0/8, ::1, ``localhost``, a unix socket.

    A name is resolved and counts only if every address it has is a loopback one; an empty host,
    0.0.0.0, ``::`` and a name that does not resolve count as reachable from elsewhere.
    """
    import ipaddress
    import socket

    host = host.strip()
    if host.startswith(("unix:", "fd://")):
        return True
    host = host.removeprefix("[").removesuffix("]")
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (OSError, UnicodeError):
        return False
    return bool(addresses) and all(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses)


def demo_accounts_with_known_passwords(repos) -> list[str]:
    """E-mails of the active demo accounts whose password is still the one printed by `flask demo`."""
    from werkzeug.security import check_password_hash

    from .services.demo import DEMO_ACCOUNTS

    found = []
    for email, _name, _role, password in DEMO_ACCOUNTS:
        user = repos.users.by_email(email)
        if user is not None and user.active and check_password_hash(user.password_hash, password):
            found.append(email)
    return found


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="The address the server will listen on; a warning is printed when it is not loopback.")
@with_appcontext  # the `db` and `users` groups get this from AppGroup; a bare click command does not
def demo(host: str):
    """Create the demo accounts once and print how to sign in (idempotent)."""
    from .services.demo import ensure_demo

    for line in ensure_demo(get_repos()):
        click.echo(line)
    exposed = [] if is_loopback(host) else demo_accounts_with_known_passwords(get_repos())
    if exposed:
        click.secho(
            f"\nWARNING: the server will listen on {host}, reachable from other machines, and these accounts\n"
            f"still have the passwords printed above (and in the README): {', '.join(exposed)}.\n"
            "Anyone who can reach this address can sign in as them. Change their passwords (signed in: the\n"
            "name in the header, /account/password), or serve on 127.0.0.1 (make run HOST=127.0.0.1).\n",
            err=True, fg="red", bold=True)


@audit_cli.command("verify")
def audit_verify():
    """Check the audit trail's hash chain: exit 1 at the first edited, removed or moved event."""
    from .services import audit

    verdict = audit.verify(get_repos())
    if not verdict.ok:
        fail(f"the audit trail was tampered with: {verdict.problem}", code=1)
    click.echo(f"The audit trail is intact: {verdict.events} event{'' if verdict.events == 1 else 's'}, "
               "each chained to the one before.")


@retention_cli.command("purge")
@click.option("--days", type=int, default=None, help="Default: RETENTION_DAYS.")
@click.option("--dry-run", is_flag=True, help="Only list what would be removed.")
def retention_purge(days: int | None, dry_run: bool):
    """Remove interviews evaluated, cancelled, or handed in without a result more than
    RETENTION_DAYS days ago, with their answers, AI evaluations, panel ratings and e-mails (for cron)."""
    from .clock import utcnow
    from .services import privacy

    days = days if days is not None else int(current_app.config.get("RETENTION_DAYS") or 0)
    if days <= 0:
        fail("no retention period: set RETENTION_DAYS (days) or pass --days.")
    listed = privacy.purge_expired(get_repos(), utcnow(), days, dry_run=dry_run)
    for item in listed:
        click.echo(f"{item['id']}  {item['status']} since {item['since']:%Y-%m-%d}  {item['job_title']}")
    verb = "Would remove" if dry_run else "Removed"
    click.echo(f"{verb} {len(listed)} interview{'' if len(listed) == 1 else 's'} older than {days} days." if listed
               else f"Nothing to remove: no interview was closed more than {days} days ago.")


def register_cli(app: Flask) -> None:
    from .ai.cli import ai_cli
    from .assets import assets_cli

    app.cli.add_command(ai_cli)
    app.cli.add_command(db_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(interviews_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(retention_cli)
    app.cli.add_command(demo)
    app.cli.add_command(assets_cli)
