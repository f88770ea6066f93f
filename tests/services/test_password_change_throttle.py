"""A wrong current password on the change-password form counts as a failed sign-in from the address
it came from: guessing through that form is refused for that address as sign-in guessing is."""
from __future__ import annotations

import pytest
from support import PASSWORD

from interviewer import throttle
from interviewer.errors import TooManyAttempts, ValidationError
from interviewer.services import users as svc

GUESSER, OWNER = "203.0.113.7", "198.51.100.1"


def test_wrong_current_passwords_count_against_the_address_they_come_from(repos, make_user, now, monkeypatch):
    user = make_user("hr", email="hana@example.com")
    clock = {"now": now}
    monkeypatch.setattr(svc, "utcnow", lambda: clock["now"])
    for n in range(throttle.PAIR_FAILURES):
        clock["now"] = now + n * throttle.MAX_DELAY  # past each growing delay: only the pair limit can refuse
        with pytest.raises(ValidationError) as wrong:
            svc.change_password(repos, user, "not-my-password", "a-new-password-1", address=GUESSER)
        assert wrong.value.details == {"current_password": "This is not your current password."}
    later = now + throttle.PAIR_FAILURES * throttle.MAX_DELAY
    with pytest.raises(TooManyAttempts) as refused:
        svc.authenticate(repos, user.email, PASSWORD, later, address=GUESSER)
    assert "from here" in refused.value.message
    assert svc.authenticate(repos, user.email, PASSWORD, later, address=OWNER) == user
