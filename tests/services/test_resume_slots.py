"""A burst of honest PDF uploads waits for a reader slot (first come, first served) for up to
QUEUE_SECONDS instead of being refused; the wait and the number waiting stay bounded, so a flood
cannot hold a server's threads for long, and every slot is given back."""
from __future__ import annotations

import threading
import time

import pytest
from pdf_fixtures import make_pdf

from interviewer.errors import ValidationError
from interviewer.services import resumes as svc

RESUME = "Senior Python developer with eight years of Flask and MongoDB experience"


def fake_reader(seconds: float, log: list, lock: threading.Lock):
    """A reader that takes `seconds` and records how many ran at once."""
    running = [0]

    def run(data: bytes):
        with lock:
            running[0] += 1
            log.append(running[0])
        time.sleep(seconds)
        with lock:
            running[0] -= 1
        return 0, b'{"text": "%s"}' % RESUME.encode(), b""

    return run


def burst(count: int) -> list[tuple[str, float]]:
    results: list[tuple[str, float]] = []

    def upload(n: int) -> None:
        start = time.perf_counter()
        try:
            text = svc.extract_resume_text(f"cv{n}.pdf", make_pdf(RESUME))
            results.append(("read" if text == RESUME else text, time.perf_counter() - start))
        except ValidationError as exc:
            results.append((exc.details["resume"], time.perf_counter() - start))

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_a_burst_of_honest_uploads_is_served_in_turn(monkeypatch):
    """The issue: 8 at once, each alone well under a second, 3 of 8 refused as busy."""
    log, lock = [], threading.Lock()
    monkeypatch.setattr(svc, "_run_reader", fake_reader(0.4, log, lock))
    results = burst(8)
    assert [message for message, _ in results] == ["read"] * 8
    assert max(log) == svc.MAX_CONCURRENT  # never more readers than slots
    assert max(seconds for _, seconds in results) < svc.QUEUE_SECONDS  # 4 turns of 0.4 s


def test_a_burst_of_real_honest_pdfs_is_all_read():
    results = burst(8)
    assert [message for message, _ in results] == ["read"] * 8, results


def test_the_wait_for_a_slot_is_bounded_and_then_refused_as_busy(monkeypatch):
    monkeypatch.setattr(svc, "QUEUE_SECONDS", 0.3)
    for _ in range(svc.MAX_CONCURRENT):
        assert svc._slots.acquire(timeout=0)
    try:
        start = time.perf_counter()
        with pytest.raises(ValidationError) as refused:
            svc.read_pdf(make_pdf(RESUME))
        assert refused.value.details == {"resume": svc.BUSY}
        assert 0.25 < time.perf_counter() - start < 5
        assert svc._slots.waiting() == 0  # it left the queue
    finally:
        for _ in range(svc.MAX_CONCURRENT):
            svc._slots.release()
    assert svc.read_pdf(make_pdf(RESUME)).strip() == RESUME  # every slot was given back


def test_past_max_waiting_an_upload_is_refused_at_once(monkeypatch):
    monkeypatch.setattr(svc, "MAX_WAITING", 2)
    monkeypatch.setattr(svc, "QUEUE_SECONDS", 30.0)
    for _ in range(svc.MAX_CONCURRENT):
        assert svc._slots.acquire(timeout=0)
    waiters = [threading.Thread(target=burst, args=(1,)) for _ in range(2)]
    try:
        for waiter in waiters:
            waiter.start()
        deadline = time.monotonic() + 10
        while svc._slots.waiting() < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert svc._slots.waiting() == 2
        start = time.perf_counter()
        [(message, _)] = burst(1)
        assert message == svc.BUSY and time.perf_counter() - start < 1
    finally:
        for _ in range(svc.MAX_CONCURRENT):
            svc._slots.release()
        for waiter in waiters:
            waiter.join(timeout=30)
    assert svc._slots.waiting() == 0


def test_slots_are_handed_over_first_come_first_served():
    slots = svc.ReaderSlots(1)
    assert slots.acquire(timeout=0)
    order: list[int] = []

    def wait(n: int) -> None:
        if slots.acquire(timeout=10):
            order.append(n)
            slots.release()

    threads = []
    for n in range(4):
        threads.append(threading.Thread(target=wait, args=(n,)))
        threads[-1].start()
        while slots.waiting() < n + 1:
            time.sleep(0.005)
    slots.release()
    for thread in threads:
        thread.join(timeout=10)
    assert order == [0, 1, 2, 3]
    assert slots.acquire(timeout=0) and not slots.acquire(timeout=0)  # one slot, free again


def test_a_waiter_that_times_out_takes_no_slot():
    slots = svc.ReaderSlots(1)
    assert slots.acquire(timeout=0)
    assert not slots.acquire(timeout=0.05)
    assert slots.waiting() == 0
    slots.release()
    assert slots.acquire(timeout=0) and not slots.acquire(timeout=0)


@pytest.mark.parametrize(("text", "seconds"), [(None, 10.0), ("", 10.0), ("2.5", 2.5), ("0", 0.0), ("-1", 10.0),
                                               ("nan", 10.0), ("inf", 10.0), ("ten", 10.0), ("1e9", 10.0)])
def test_the_queue_setting_is_read_from_the_environment_with_a_default(text, seconds):
    assert svc.queue_seconds(text) == seconds
