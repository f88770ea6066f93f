"""kill -9 loses nothing acknowledged (DESIGN.md §2): child processes write in a loop (inserts, compare-and-set
increments, autosaves with the ``seq`` guard, all at once on one file) and print each write once the store
has acknowledged it; they are killed with SIGKILL mid-stream, several times over the same file. Every
acknowledged write must then be there, and the file must pass sqlite's integrity check."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import store_workers

from interviewer.sqlitestore import Database

SCRIPT = Path(store_workers.__file__)
ACKS = 200  # acknowledged writes per child before the kill
CYCLES = 3
KINDS = ("insert", "cas", "save")


class Child:
    """One writer process; a thread collects its acknowledgements as they are printed."""

    def __init__(self, kind: str, path: Path, start: int):
        self.kind = kind
        self.proc = subprocess.Popen([sys.executable, str(SCRIPT), kind, str(path), str(start)],
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.acks: list[int] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.acks.append(int(line))

    def kill(self) -> str:
        """SIGKILL, then every acknowledgement printed before it (read to the end of the pipe); returns stderr."""
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.reader.join(timeout=30)
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        assert self.proc.returncode == -signal.SIGKILL, f"{self.kind} writer died by itself:\n{err}"
        return err


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def test_acknowledged_writes_survive_kill_9(tmp_path):
    path = tmp_path / "crash.sqlite3"
    setup = Database(path)
    store_workers.prepare(setup)
    setup.close()
    inserted: list[int] = []
    cas_acked = save_acked = -1
    for cycle in range(CYCLES):
        start = cycle * 1_000_000  # new insert keys and higher save sequence numbers after each crash
        children = [Child(kind, path, start) for kind in KINDS]
        deadline = time.monotonic() + 60
        while min(len(c.acks) for c in children) < ACKS and time.monotonic() < deadline:
            if any(c.proc.poll() is not None for c in children):
                break  # one died by itself: kill() below reports it
            time.sleep(0.005)
        for child in children:
            child.kill()
        acks = {c.kind: c.acks for c in children}
        assert min(len(a) for a in acks.values()) >= ACKS

        assert integrity(path) == "ok"
        db = Database(path)  # a fresh open: sqlite recovers the WAL the killed writers left
        try:
            inserted += acks["insert"]
            assert db.items.count_documents({"_id": {"$in": acks["insert"]}}) == len(acks["insert"])
            # at most one insert per crash was committed but not yet printed when the kill came
            assert len(inserted) <= db.items.count_documents({}) <= len(inserted) + cycle + 1
            assert all(d["body"] == store_workers.BIG for d in db.items.find({"_id": {"$in": acks["insert"][-20:]}}))
            cas = db.cas.find_one({"_id": "cas"})
            cas_acked = max(acks["cas"])
            assert cas["n"] in (cas_acked, cas_acked + 1), (cas, cas_acked)
            assert acks["cas"] == sorted(acks["cas"])  # one writer: its increments are consecutive
            save = db.saves.find_one({"_id": "save"})
            save_acked = max(acks["save"])
            assert save["seq"] >= save_acked and save["text"] == f"text {save['seq']}"
            # the store still takes writes after the crash
            db.counters.update_one({"_id": "c"}, {"$inc": {"n": 1}})
            assert db.counters.find_one({"_id": "c"})["n"] == cycle + 1
        finally:
            db.close()
    assert len(inserted) >= CYCLES * ACKS and cas_acked >= CYCLES * ACKS and save_acked >= 0
