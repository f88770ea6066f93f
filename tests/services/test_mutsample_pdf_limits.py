"""The PDF reader's own limits (services/pdf_worker.set_limits), asked of the OS as recorded calls
(setting them for real would cap the test process): no core file, CPU time with a hard limit one
second above the soft one (SIGXCPU before SIGKILL), and address space counting what is mapped."""
from __future__ import annotations

import resource

import pytest

from interviewer.services import pdf_worker


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/statm"), reason="needs Linux's /proc")
def test_the_worker_caps_core_files_cpu_time_and_address_space(monkeypatch):
    asked, niced = [], []
    monkeypatch.setattr(resource, "setrlimit", lambda which, limits: asked.append((which, limits)))
    monkeypatch.setattr(pdf_worker.os, "nice", lambda n: niced.append(n))
    pdf_worker.set_limits(7, 1 << 20)
    assert asked[0] == (resource.RLIMIT_CORE, (0, 0))
    assert asked[1] == (resource.RLIMIT_CPU, (7, 8))
    which, (soft, hard) = asked[2]
    with open("/proc/self/statm", encoding="ascii") as statm:
        mapped_now = int(statm.read().split()[0]) * resource.getpagesize()
    assert which == resource.RLIMIT_AS and soft == hard
    assert 1 << 20 < soft <= mapped_now + (1 << 20) + (64 << 20)  # what was mapped then, plus the extra
    assert len(asked) == 3 and niced == [10]
