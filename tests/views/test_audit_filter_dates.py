"""The audit trail's date filter reads its dates as every view does (params.day): a far date is a
message on its field (the page, 422) or a 422 for the CSV, never an OverflowError; nothing is exported."""
from __future__ import annotations

import pytest

from interviewer.params import MAX_YEAR, MIN_YEAR

OUT_OF_RANGE = f"Enter a date between the years {MIN_YEAR} and {MAX_YEAR}."


def exports(repos) -> int:
    return sum(1 for e in repos.audit.search(action="audit.export", page=1, per_page=100)[0])


@pytest.fixture
def admin(world, login):
    return login(world["admin"])


@pytest.mark.parametrize(("name", "value"), [
    ("to", "9999-12-31"),              # the tester's case: the day after overflows
    ("to", "9999-12-31T00:00"),        # a datetime-local value: only its date is read
    ("from", "9999-12-31"),
    ("from", "0001-01-01"),
    ("to", "0001-01-01"),
    ("to", "1899-12-31"),
    ("from", "9999-01-01"),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_a_far_date_is_a_message_on_its_field(admin, name, value, htmx):
    response = admin.get("/admin/audit", query_string={name: value}, headers={"HX-Request": "true"} if htmx else {})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f'<small id="{name}-error">{OUT_OF_RANGE}</small>' in page
    assert f'id="{name}" name="{name}" value="{value}" aria-invalid="true"' in page
    assert 'data-testid="audit-row"' not in page  # nothing searched


@pytest.mark.parametrize("query", ["to=9999-12-31", "to=9999-12-31T00:00", "from=0001-01-01", "from=2030-02-30",
                                   "to=%C2%B2%C2%B2%C2%B2%C2%B2-01-01"])
def test_the_csv_answers_422_for_a_far_or_bad_date_and_records_no_export(admin, repos, query):
    before = exports(repos)
    response = admin.get(f"/admin/audit.csv?{query}")
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert exports(repos) == before  # refused before anything was written


def test_the_csv_names_the_far_date_in_its_message_for_htmx(admin, repos):
    response = admin.get("/admin/audit.csv?to=9999-12-31", headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert OUT_OF_RANGE in response.get_data(as_text=True)
    assert exports(repos) == 0


@pytest.mark.parametrize(("name", "value"), [("from", "2026-13-40"), ("to", "2030-02-30"), ("to", "30-01-2030"),
                                             ("from", "²⁰²⁴-01-01"), ("to", "2030-01-01garbage")])
def test_an_unreadable_date_keeps_its_message(admin, name, value):
    response = admin.get("/admin/audit", query_string={name: value})
    assert response.status_code == 422
    assert f'<small id="{name}-error">Enter a date as YYYY-MM-DD.</small>' in response.get_data(as_text=True)


def test_the_edges_of_the_range_are_read_and_to_includes_its_whole_day(admin, repos, world, now):
    today = now.strftime("%Y-%m-%d")
    everything = admin.get(f"/admin/audit?from={MIN_YEAR}-01-01&to={MAX_YEAR}-12-31")
    assert everything.status_code == 200
    assert everything.get_data(as_text=True).count('data-testid="audit-row"') >= 1  # the admin's own sign-in
    assert admin.get(f"/admin/audit?from={today}&to={today}").get_data(as_text=True).count(
        'data-testid="audit-row"') >= 1
    csv = admin.get(f"/admin/audit.csv?from={MIN_YEAR}-01-01&to={MAX_YEAR}-12-31T23:59")
    assert csv.status_code == 200 and len(csv.get_data(as_text=True).strip().splitlines()) >= 2
    assert exports(repos) == 1
    [event] = repos.audit.search(action="audit.export", page=1, per_page=10)[0]
    assert event["after"]["end"].startswith(f"{MAX_YEAR + 1}-01-01T00:00:00")  # the day after the last one asked for
