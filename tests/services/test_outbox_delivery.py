"""The outbox's sender loop (services/outbox.py) without a mail server: what is queued, what each
claim does (render once, send, keep, retry, fail, drop, wait for the cause), the retry schedule at
its limits, the e-mail built from a stored rendering, and the admin's resend."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.headerregistry import Address

import pytest

from interviewer.errors import NotFound, ValidationError
from interviewer.services import outbox

T0 = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
SENDER = Address("Hiring at Acme", addr_spec="jobs@acme.example")


class Clock:
    """Each call a second later than the one before, starting at `start`; `.calls` counts them."""

    def __init__(self, start: datetime = T0):
        self.start, self.calls = start, 0

    def __call__(self) -> datetime:
        self.calls += 1
        return self.start + timedelta(seconds=self.calls - 1)


class Renderer:
    def __init__(self, rendered: outbox.Rendered | Exception | None = None):
        self.rendered = rendered or outbox.Rendered("zoe@example.com", "Zoë Núñez", "Your interview", "Hello Zoë.",
                                                     "<p>Hello Zoë.</p>")
        self.seen: list[dict] = []

    def __call__(self, message: dict) -> outbox.Rendered:
        self.seen.append(message)
        if isinstance(self.rendered, Exception):
            raise self.rendered
        return self.rendered


class Transport:
    """Records every e-mail; answers `result` (True sent, False kept) or raises it."""

    def __init__(self, result: bool | Exception = True):
        self.result, self.sent = result, []

    def __call__(self, email, message: dict) -> bool:
        self.sent.append((email, message))
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


def queued(repos, user_id="u1", kind="invitation", at=T0, **kw):
    message_id = outbox.queue(repos, kind, user_id, {"interview_id": "i1"}, at, **kw)
    return repos.outbox.get(message_id)


def deliver(repos, message, clock=None, render=None, transport=None):
    return outbox.deliver_one(repos, message, clock or Clock(), render or Renderer(), transport or Transport(),
                              SENDER)


# --- queue -------------------------------------------------------------------------------------

def test_a_queued_message_is_an_intent_with_a_fixed_message_id(repos):
    refs = {"interview_id": "i1"}
    message_id = outbox.queue(repos, "password_reset", 42, refs, T0)
    stored = repos.outbox.get(message_id)
    assert stored["message_id"].startswith("<") and stored["message_id"].endswith(".password-reset@interviewer.invalid>")
    assert {k: stored[k] for k in ("kind", "key", "to_user_id", "refs", "created_at", "next_attempt_at", "state",
                                   "attempts", "rendered", "last_error", "lease_until", "finished_at")} == {
        "kind": "password_reset", "key": f"password_reset:{stored['message_id']}", "to_user_id": "42",
        "refs": {"interview_id": "i1"}, "created_at": T0, "next_attempt_at": T0, "state": "queued", "attempts": 0,
        "rendered": None, "last_error": "", "lease_until": None, "finished_at": None}
    assert set(stored) == {"id", "kind", "key", "to_user_id", "refs", "message_id", "created_at", "next_attempt_at",
                           "state", "rev", "attempts", "rendered", "last_error", "lease_until", "finished_at"}
    again = repos.outbox.get(outbox.queue(repos, "password_reset", 42, refs, T0))
    assert again["message_id"] != stored["message_id"] and again["key"] != stored["key"]  # no key: every call queues


def test_a_message_id_names_the_kind_and_the_given_domain(repos):
    stored = repos.outbox.get(outbox.queue(repos, "account_created", "u1", {}, T0, domain="acme.example"))
    assert stored["message_id"].endswith(".account-created@acme.example>")
    assert stored["refs"] == {}


def test_a_keyed_message_is_queued_once(repos):
    first = outbox.queue(repos, "invitation", "u1", {"interview_id": "i1"}, T0, key="invitation:i1:0")
    assert first is not None and repos.outbox.get(first)["key"] == "invitation:i1:0"
    assert outbox.queue(repos, "invitation", "u1", {"interview_id": "i1"}, T0, key="invitation:i1:0") is None
    assert sum(repos.outbox.counts().values()) == 1


def test_an_unknown_kind_is_refused_and_nothing_is_queued(repos):
    with pytest.raises(ValueError) as caught:
        outbox.queue(repos, "newsletter", "u1", {}, T0)
    assert str(caught.value) == "unknown message kind 'newsletter'"
    assert sum(repos.outbox.counts().values()) == 0


# --- what may be turned off ---------------------------------------------------------------------

def test_each_role_may_turn_off_only_its_optional_messages():
    assert outbox.optional_kinds("candidate") == [
        ("reminder", "an interview you have not handed in is closing soon"),
        ("results_shared", "the results of your interview were shared with you")]
    assert outbox.optional_kinds("hr") == [("handed_in", "a candidate you are responsible for handed in an interview")]
    assert outbox.optional_kinds("admin") == outbox.optional_kinds("hr")
    assert outbox.optional_kinds("robot") == []


def test_turning_messages_off_is_stored_sorted_and_audited_once(repos, make_user):
    cand = make_user("candidate")
    assert outbox.set_mail_off(repos, cand, ["results_shared", "invitation", "reminder", "nonsense"]) == [
        "reminder", "results_shared"]
    stored = repos.users.get(cand.id)
    assert stored.mail_off == ["reminder", "results_shared"]
    [event] = repos.audit.search(action="mail_choices.change")[0]
    assert (event["actor"], event["object_type"], event["object_id"], event["before"], event["after"]) == (
        cand.audit_ref, "user", cand.audit_ref, {"off": []}, {"off": ["reminder", "results_shared"]})
    # The same choice again changes nothing and records nothing.
    assert outbox.set_mail_off(repos, stored, ["results_shared", "reminder"]) == ["reminder", "results_shared"]
    assert len(repos.audit.search(action="mail_choices.change")[0]) == 1
    assert outbox.set_mail_off(repos, stored, []) == []
    assert repos.users.get(cand.id).mail_off == []
    latest = repos.audit.search(action="mail_choices.change")[0][0]
    assert (latest["before"], latest["after"]) == ({"off": ["reminder", "results_shared"]}, {"off": []})


def test_a_mail_choice_is_recorded_at_the_time_it_was_made_whatever_the_servers_zone(repos, make_user,
                                                                                     monkeypatch):
    import time

    cand = make_user("candidate")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        before = datetime.now(UTC).replace(microsecond=0)
        outbox.set_mail_off(repos, cand, ["reminder"])
        after = datetime.now(UTC)
    finally:
        monkeypatch.undo()
        time.tzset()
    [event] = repos.audit.search(action="mail_choices.change")[0]
    assert before <= event["at"] <= after


# --- the retry schedule -------------------------------------------------------------------------

@pytest.mark.parametrize(("attempts", "minutes"), [
    (0, 1), (1, 1), (2, 2), (3, 4), (4, 8), (9, 256), (10, 360), (30, 360),
])
def test_retries_wait_twice_as_long_each_time_up_to_six_hours(attempts, minutes):
    assert outbox.backoff(attempts) == timedelta(minutes=minutes)


# --- the e-mail --------------------------------------------------------------------------------

def test_the_email_carries_both_bodies_the_stable_id_and_its_attachments():
    message = {"message_id": "<1.invitation@interviewer.invalid>"}
    rendered = {"to": "zoe@example.com", "to_name": "Zoë  Núñez", "subject": "Your  interview\n", "text": "Hello.",
                "html": "<p>Hello.</p>",
                "attachments": [["invite.ics", "text/calendar; method=REQUEST; charset=utf-8", "BEGIN:VCALENDAR"],
                                ["notes.txt", "text/plain; x-note=a=b", "plain"]]}
    email = outbox.build(message, rendered, SENDER, T0)
    assert str(email["From"]) == "Hiring at Acme <jobs@acme.example>"
    assert email["To"].addresses[0].display_name == "Zoë Núñez"
    assert email["To"].addresses[0].addr_spec == "zoe@example.com"
    assert str(email["Subject"]) == "Your interview"
    assert str(email["Date"]) == "Mon, 04 May 2026 09:30:00 +0000"
    assert str(email["Message-ID"]) == "<1.invitation@interviewer.invalid>"
    assert str(email["Auto-Submitted"]) == "auto-generated"
    assert email.get_body(("plain",)).get_content() == "Hello.\n"
    assert email.get_body(("html",)).get_content() == "<p>Hello.</p>\n"
    invite, notes = email.iter_attachments()
    assert (invite.get_content_type(), invite.get_filename(), invite.get_param("method"),
            invite.get_content_charset()) == ("text/calendar", "invite.ics", "REQUEST", "utf-8")
    assert invite.get_content() == "BEGIN:VCALENDAR"
    assert str(invite["Content-Type"]) == 'text/calendar; method="REQUEST"; charset="utf-8"'
    assert str(notes["Content-Type"]) == 'text/plain; x-note="a=b"'
    assert (notes.get_content_type(), notes.get_filename(), notes.get_param("x-note")) == ("text/plain", "notes.txt",
                                                                                           "a=b")
    assert notes.get_content() == "plain"


def test_an_email_without_attachments_or_name_has_just_the_two_bodies():
    rendered = {"to": "zoe@example.com", "to_name": None, "subject": None, "text": "t", "html": "<p>t</p>"}
    email = outbox.build({"message_id": "<2@x>"}, rendered, SENDER, T0)
    assert list(email.iter_attachments()) == []
    assert str(email["To"]) == "zoe@example.com" and str(email["Subject"]) == ""


def test_a_transport_failure_reads_as_the_servers_reply():
    error = outbox.DeliveryError("451 4.3.0 Mailbox busy", temporary=True)
    assert (str(error), error.reply, error.temporary) == ("451 4.3.0 Mailbox busy", "451 4.3.0 Mailbox busy", True)


# --- one claim ---------------------------------------------------------------------------------

def test_a_sent_message_stores_its_rendering_and_the_time_it_went(repos):
    message = queued(repos)
    clock, render, transport = Clock(), Renderer(outbox.Rendered(
        "zoe@example.com", "Zoë", "Subject", "Text", "<p>Html</p>", [("a.ics", "text/calendar", "X")])), Transport()
    assert deliver(repos, message, clock, render, transport) == "sent"
    stored = repos.outbox.get(message["id"])
    assert stored["rendered"] == {"to": "zoe@example.com", "to_name": "Zoë", "subject": "Subject", "text": "Text",
                                  "html": "<p>Html</p>", "attachments": [["a.ics", "text/calendar", "X"]]}
    assert (stored["state"], stored["attempts"], stored["last_error"], stored["lease_until"]) == ("sent", 1, "", None)
    assert stored["finished_at"] == T0 + timedelta(seconds=1)  # read after the transport answered
    [(email, claimed)] = transport.sent
    assert claimed["id"] == message["id"] and claimed["attempts"] == 1
    assert str(email["Subject"]) == "Subject" and str(email["Date"]) == "Mon, 04 May 2026 09:30:00 +0000"
    assert str(email["From"]) == "Hiring at Acme <jobs@acme.example>"
    assert str(email["Message-ID"]) == message["message_id"]
    assert render.seen[0]["id"] == message["id"] and render.seen[0]["state"] == "sending"


def test_a_message_no_server_took_is_kept(repos):
    message = queued(repos)
    assert deliver(repos, message, transport=Transport(False)) == "kept"
    stored = repos.outbox.get(message["id"])
    assert (stored["state"], stored["last_error"], stored["lease_until"]) == ("kept", "", None)
    assert stored["finished_at"] == T0 + timedelta(seconds=1)


def test_a_sender_that_dies_mid_delivery_holds_the_message_for_the_lease_only(repos):
    message = queued(repos)
    with pytest.raises(RuntimeError):
        deliver(repos, message, transport=Transport(RuntimeError("killed")))
    stored = repos.outbox.get(message["id"])
    assert (stored["state"], stored["attempts"], stored["lease_until"]) == ("sending", 1, T0 + outbox.LEASE)
    assert repos.outbox.due(T0 + outbox.LEASE - timedelta(seconds=1), 10) == []
    assert [m["id"] for m in repos.outbox.due(T0 + outbox.LEASE, 10)] == [message["id"]]
    # The next sender sends the rendering the dead one stored.
    later = Clock(T0 + outbox.LEASE)
    render, transport = Renderer(), Transport()
    assert outbox.deliver_due(repos, later, render, transport, SENDER) == {"sent": 1}
    assert render.seen == [] and repos.outbox.get(message["id"])["attempts"] == 2


def test_a_message_someone_else_changed_is_taken_and_left_alone(repos):
    message = queued(repos)
    render = Renderer()
    assert repos.outbox.claim(message, T0, T0 + outbox.LEASE) is not None  # another sender first
    assert deliver(repos, message, render=render) == "taken"
    assert render.seen == [] and repos.outbox.get(message["id"])["attempts"] == 1


def test_a_claim_lost_while_rendering_is_not_sent(repos):
    message = queued(repos)
    transport = Transport()

    def render(claimed):
        repos.outbox.update(claimed, {"last_error": "someone else"})  # another sender took it meanwhile
        return Renderer().rendered

    assert outbox.deliver_one(repos, message, Clock(), render, transport, SENDER) == "taken"
    assert transport.sent == [] and repos.outbox.get(message["id"])["rendered"] is None


def test_a_retry_sends_the_stored_rendering_without_rendering_again(repos):
    message = queued(repos)
    render = Renderer()
    transport = Transport(outbox.DeliveryError("451 busy", temporary=True))
    assert deliver(repos, message, render=render, transport=transport) == "retry"
    render.rendered = outbox.Rendered("other@example.com", "Other", "Changed", "changed", "<p>changed</p>")
    transport.result = True
    later = repos.outbox.get(message["id"])
    assert later["last_error"] == "451 busy"
    assert deliver(repos, later, Clock(T0 + timedelta(hours=1)), render, transport) == "sent"
    assert len(render.seen) == 1
    assert repos.outbox.get(message["id"])["last_error"] == ""  # the old reply is cleared
    first, second = (email for email, _ in transport.sent)
    assert second["To"].addresses[0].addr_spec == "zoe@example.com" and str(second["Subject"]) == "Your interview"
    assert first.get_content_type() == second.get_content_type()


def test_a_temporary_failure_is_retried_after_the_backoff_from_when_it_failed(repos):
    message = queued(repos)
    reply = "451 " + "x" * 600
    assert deliver(repos, message, transport=Transport(outbox.DeliveryError(reply, temporary=True))) == "retry"
    stored = repos.outbox.get(message["id"])
    assert (stored["state"], stored["attempts"], stored["last_error"]) == ("queued", 1, reply[:500])
    assert stored["next_attempt_at"] == T0 + timedelta(seconds=1) + timedelta(minutes=1)
    assert stored["finished_at"] is None
    assert deliver(repos, stored, Clock(stored["next_attempt_at"]),
                   transport=Transport(outbox.DeliveryError("451 again", temporary=True))) == "retry"
    stored = repos.outbox.get(message["id"])
    assert stored["attempts"] == 2 and stored["next_attempt_at"] == T0 + timedelta(minutes=1, seconds=2) + \
        timedelta(minutes=2)


def test_the_last_attempt_fails_for_good_and_the_one_before_is_retried(repos):
    message = queued(repos)
    error = outbox.DeliveryError("421 try later", temporary=True)
    repos.outbox.update(message, {"attempts": outbox.MAX_ATTEMPTS - 2})
    assert deliver(repos, repos.outbox.get(message["id"]), transport=Transport(error)) == "retry"
    stored = repos.outbox.get(message["id"])
    assert stored["attempts"] == outbox.MAX_ATTEMPTS - 1
    assert deliver(repos, stored, transport=Transport(error)) == "failed"
    stored = repos.outbox.get(message["id"])
    assert (stored["state"], stored["attempts"], stored["last_error"]) == ("failed", outbox.MAX_ATTEMPTS,
                                                                           "421 try later")
    assert stored["finished_at"] == T0 + timedelta(seconds=1)


def test_a_permanent_refusal_fails_at_once_with_the_reply(repos):
    message = queued(repos)
    reply = "550 " + "y" * 600
    assert deliver(repos, message, transport=Transport(outbox.DeliveryError(reply, temporary=False))) == "failed"
    stored = repos.outbox.get(message["id"])
    assert (stored["state"], stored["attempts"], stored["last_error"]) == ("failed", 1, reply[:500])
    assert stored["finished_at"] == T0 + timedelta(seconds=1)
    assert outbox.deliver_due(repos, Clock(T0 + timedelta(days=1)), Renderer(), Transport(), SENDER) == {}


def test_a_message_whose_cause_is_not_written_yet_waits_half_a_minute(repos):
    message = queued(repos)
    render, transport = Renderer(outbox.NotYet()), Transport()
    at = T0 + outbox.CAUSE_GRACE - timedelta(seconds=1)
    assert deliver(repos, message, Clock(at), render, transport) == "waiting"
    stored = repos.outbox.get(message["id"])
    assert (stored["state"], stored["attempts"], stored["next_attempt_at"]) == ("queued", 0, at + timedelta(seconds=30))
    assert (stored["rendered"], stored["finished_at"], stored["last_error"]) == (None, None, "")
    assert transport.sent == []


def test_a_message_still_without_its_cause_after_the_grace_is_dropped(repos):
    message = queued(repos)
    transport = Transport()
    at = T0 + outbox.CAUSE_GRACE
    assert deliver(repos, message, Clock(at), Renderer(outbox.NotYet()), transport) == "dropped"
    stored = repos.outbox.get(message["id"])
    assert (stored["state"], stored["finished_at"], stored["last_error"]) == (
        "dropped", at, "The change that causes this message was never written.")
    assert transport.sent == []


def test_a_waiting_message_someone_else_took_meanwhile_is_left_to_them(repos):
    message = queued(repos)

    def render(claimed):
        repos.outbox.update(claimed, {"last_error": "someone else"})
        raise outbox.NotYet()

    assert outbox.deliver_one(repos, message, Clock(), render, Transport(), SENDER) == "taken"
    stored = repos.outbox.get(message["id"])
    assert (stored["state"], stored["last_error"]) == ("sending", "someone else")


def test_a_message_whose_cause_was_undone_is_dropped_with_the_reason(repos):
    message = queued(repos)
    transport = Transport()
    assert deliver(repos, message, render=Renderer(outbox.Drop("The interview is no longer cancelled.")),
                   transport=transport) == "dropped"
    stored = repos.outbox.get(message["id"])
    assert (stored["state"], stored["finished_at"], stored["last_error"]) == (
        "dropped", T0, "The interview is no longer cancelled.")
    assert transport.sent == []


# --- the loop ----------------------------------------------------------------------------------

def test_the_loop_delivers_what_is_due_up_to_its_limit(repos):
    for n in range(3):
        queued(repos, user_id=f"u{n}", at=T0 + timedelta(minutes=n))
    queued(repos, user_id="later", at=T0 + timedelta(hours=1))
    transport = Transport()
    assert outbox.deliver_due(repos, Clock(T0 + timedelta(minutes=5)), Renderer(), transport, SENDER, limit=2) == {
        "sent": 2}
    assert [m["to_user_id"] for _, m in transport.sent] == ["u0", "u1"]
    outcomes = outbox.deliver_due(repos, Clock(T0 + timedelta(minutes=5)), Renderer(), transport, SENDER)
    assert outcomes == {"sent": 1} and transport.sent[-1][1]["to_user_id"] == "u2"


def test_the_loop_counts_each_outcome(repos):
    queued(repos, user_id="a")
    queued(repos, user_id="b")

    def render(message):
        if message["to_user_id"] == "a":
            raise outbox.Drop("gone")
        return Renderer().rendered

    assert outbox.deliver_due(repos, Clock(), render, Transport(False), SENDER) == {"dropped": 1, "kept": 1}


# --- resend ------------------------------------------------------------------------------------

def test_a_failed_message_is_queued_again_from_scratch_and_audited(repos, make_user):
    admin = make_user("admin")
    message = queued(repos)
    deliver(repos, message, transport=Transport(outbox.DeliveryError("550 no", temporary=False)))
    later = T0 + timedelta(days=1)
    again = outbox.resend(repos, message["id"], later, actor=admin)
    stored = repos.outbox.get(message["id"])
    assert {k: stored[k] for k in ("state", "attempts", "next_attempt_at", "rendered", "last_error", "finished_at")} \
        == {"state": "queued", "attempts": 0, "next_attempt_at": later, "rendered": None, "last_error": "",
            "finished_at": None}
    assert again["state"] == "queued" and again["id"] == message["id"] and again["rev"] == stored["rev"]
    [event] = repos.audit.search(action="outbox.resend")[0]
    assert (event["actor"], event["object_type"], event["object_id"], event["before"], event["after"]) == (
        admin.audit_ref, "message", message["id"], {"state": "failed"}, {"state": "queued"})
    render = Renderer()
    assert outbox.deliver_due(repos, Clock(later), render, Transport(), SENDER) == {"sent": 1}
    assert len(render.seen) == 1  # rendered anew


def test_a_dropped_message_may_be_sent_again(repos):
    message = queued(repos)
    deliver(repos, message, render=Renderer(outbox.Drop("gone")))
    assert outbox.resend(repos, message["id"], T0)["state"] == "queued"
    [event] = repos.audit.search(action="outbox.resend")[0]
    assert (event["actor"], event["actor_role"], event["before"]) == (None, "system", {"state": "dropped"})


@pytest.mark.parametrize(("transport", "state"), [(Transport(True), "sent"), (Transport(False), "kept")])
def test_only_failed_or_dropped_messages_may_be_sent_again(repos, transport, state):
    message = queued(repos)
    with pytest.raises(ValidationError) as caught:
        outbox.resend(repos, message["id"], T0)
    assert caught.value.message == "Only a failed or dropped message can be sent again; this one is queued."
    deliver(repos, message, transport=transport)
    with pytest.raises(ValidationError) as caught:
        outbox.resend(repos, message["id"], T0)
    assert caught.value.message == f"Only a failed or dropped message can be sent again; this one is {state}."
    assert repos.outbox.get(message["id"])["state"] == state
    assert repos.audit.search(action="outbox.resend")[0] == []


@pytest.mark.parametrize("message_id", ["not-an-id", "5f0c5a3e8e4b4c1a2b3c4d5e"])
def test_an_unknown_message_cannot_be_sent_again(repos, message_id):
    with pytest.raises(NotFound) as caught:
        outbox.resend(repos, message_id, T0)
    assert caught.value.message == "No such message."


def test_a_message_resent_by_someone_else_meanwhile_asks_for_a_reload(repos, monkeypatch):
    message = queued(repos)
    deliver(repos, message, render=Renderer(outbox.Drop("gone")))
    as_read = repos.outbox.get(message["id"])
    outbox.resend(repos, message["id"], T0)  # the other admin's resend
    deliver(repos, repos.outbox.get(message["id"]), render=Renderer(outbox.Drop("gone again")))
    monkeypatch.setattr(repos.outbox, "get", lambda message_id: as_read)  # this admin read it before
    with pytest.raises(ValidationError) as caught:
        outbox.resend(repos, message["id"], T0)
    assert caught.value.message == "The message changed meanwhile: reload the page."
    assert len(repos.audit.search(action="outbox.resend")[0]) == 1
