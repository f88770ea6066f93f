"""The CPU time of a PDF reader child, as `resumes._cpu_seconds` reads it: user plus system time
from /proc, which decides whether a reader out of wall-clock time was starved (BUSY) or busy."""
from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from interviewer.services import resumes

# Spends CPU in both user and system mode (a write per turn), then sleeps: its times stop moving.
BURN = ("import os, time\n"
        "fd = os.open(os.devnull, os.O_WRONLY)\n"
        "end = time.process_time() + 0.4\n"
        "while time.process_time() < end: os.write(fd, b'x' * 4096)\n"
        "print('done', flush=True)\n"
        "time.sleep(60)\n")


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux /proc")
def test_cpu_seconds_are_user_plus_system_time_of_the_process():
    with subprocess.Popen([sys.executable, "-c", BURN], stdout=subprocess.PIPE) as child:
        try:
            assert child.stdout.readline() == b"done\n"
            time.sleep(0.05)
            with open(f"/proc/{child.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rpartition(")")[2].split()
            utime, stime, cutime = int(fields[11]), int(fields[12]), int(fields[13])
            assert stime > 0 and stime != cutime  # the child's own system time tells the fields apart
            assert resumes._cpu_seconds(child.pid) == (utime + stime) / os.sysconf("SC_CLK_TCK")
        finally:
            child.kill()


def test_a_reader_that_fails_is_logged_with_its_status_and_the_end_of_its_errors(monkeypatch, caplog):
    import logging

    from interviewer.errors import ValidationError

    errors = b"a" * 1000 + b"b" * 2000
    monkeypatch.setattr(resumes, "_run_reader", lambda data: (1, b"", errors))
    with caplog.at_level(logging.ERROR, logger="interviewer.services.resumes"):
        with pytest.raises(ValidationError) as refused:
            resumes.read_pdf(b"%PDF-1.4")
    assert refused.value.details == {"resume": resumes.UNREADABLE}
    [record] = [rec for rec in caplog.records if rec.levelno == logging.ERROR]
    assert record.getMessage() == "The PDF reader failed (exit status 1): " + "b" * 2000


def test_a_file_the_reader_cannot_parse_is_refused_as_unreadable(monkeypatch):
    from interviewer.errors import ValidationError
    from interviewer.services import pdf_worker

    monkeypatch.setattr(resumes, "_run_reader", lambda data: (pdf_worker.EXIT_UNREADABLE, b"", b""))
    with pytest.raises(ValidationError) as refused:
        resumes.read_pdf(b"%PDF-1.4")
    assert refused.value.details == {"resume": resumes.UNREADABLE} and refused.value.message == resumes.UNREADABLE


def test_a_failing_readers_errors_that_are_not_utf8_are_still_logged(monkeypatch, caplog):
    import logging

    from interviewer.errors import ValidationError

    monkeypatch.setattr(resumes, "_run_reader", lambda data: (3, b"", b"bad \xff byte"))
    with caplog.at_level(logging.ERROR, logger="interviewer.services.resumes"):
        with pytest.raises(ValidationError):
            resumes.read_pdf(b"%PDF-1.4")
    assert [rec.getMessage() for rec in caplog.records if rec.levelno == logging.ERROR] == [
        "The PDF reader failed (exit status 3): bad \ufffd byte"]
