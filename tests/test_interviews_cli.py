from datetime import timedelta

from interviewer.services import interviews as svc


def test_close_expired_completes_overdue_interviews(app, repos, world, schedule, now):
    interview = schedule(world["hr_a"], world["cand_a"], deadline=now + timedelta(seconds=2))
    svc.save_answer(repos, world["cand_a"], interview.id, interview.questions[0].id, "kept", now)
    repos.interviews.set_fields(interview.id, deadline=now - timedelta(minutes=1))
    result = app.test_cli_runner().invoke(args=["interviews", "close-expired"])
    assert result.exit_code == 0 and "Closed 1 interview" in result.output
    closed = repos.interviews.get(interview.id)
    assert closed.status == "completed" and closed.closed_reason == "deadline"
    assert repos.responses.find(interview.id, interview.questions[0].id).answer == "kept"
    again = app.test_cli_runner().invoke(args=["interviews", "close-expired"])
    assert "Closed 0 interview" in again.output
