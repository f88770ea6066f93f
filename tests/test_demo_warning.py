"""`flask demo --host`: a warning when the server will be reachable from elsewhere with the demo passwords."""
from __future__ import annotations

import pytest

from interviewer.cli import is_loopback
from interviewer.services import users as user_service
from interviewer.services.demo import DEMO_ACCOUNTS


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def set_password(repos, email, new):
    """What /account/password does for the owner of `email`."""
    user = repos.users.by_email(email)
    password = next(p for e, _n, _r, p in DEMO_ACCOUNTS if e == email)
    user_service.change_password(repos, user, password, new)


@pytest.mark.parametrize(("host", "expected"), [
    ("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("[::1]", True), ("localhost", True),
    ("unix:/tmp/gunicorn.sock", True),
    ("0.0.0.0", False), ("::", False), ("[::]", False), ("", False), ("192.168.1.20", False), ("10.0.0.1", False),
    ("no-such-host.invalid", False),
])
def test_is_loopback(host, expected):
    assert is_loopback(host) is expected


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_no_warning_on_loopback(runner, host):
    result = runner.invoke(args=["demo", "--host", host])
    assert result.exit_code == 0, result.output
    assert "WARNING" not in result.output
    assert "admin@example.com / admin-demo-pass" in result.stdout


def test_no_warning_by_default(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0 and "WARNING" not in result.output


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "[::]"])
def test_warns_when_reachable_from_elsewhere_with_known_passwords(runner, host):
    result = runner.invoke(args=["demo", "--host", host])
    assert result.exit_code == 0, result.output
    assert "WARNING" in result.stderr and "WARNING" not in result.stdout
    assert f"listen on {host}" in result.stderr
    for email, *_ in DEMO_ACCOUNTS:
        assert email in result.stderr


def test_the_warning_names_only_the_accounts_that_keep_the_printed_password(runner, repos):
    runner.invoke(args=["demo"])
    for email, *_ in DEMO_ACCOUNTS[:3]:
        set_password(repos, email, "a-new-secret-pass-1")
    result = runner.invoke(args=["demo", "--host", "0.0.0.0"])
    assert "WARNING" in result.stderr
    assert "candidate2@example.com" in result.stderr
    assert "admin@example.com" not in result.stderr and "hr@example.com" not in result.stderr


def test_no_warning_once_every_demo_password_is_changed(runner, repos):
    runner.invoke(args=["demo"])
    for email, *_ in DEMO_ACCOUNTS:
        set_password(repos, email, "a-new-secret-pass-1")
    result = runner.invoke(args=["demo", "--host", "0.0.0.0"])
    assert result.exit_code == 0 and "WARNING" not in result.output
