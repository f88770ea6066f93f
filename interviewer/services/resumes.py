"""Resume text from an upload (PDF or plain text): read within hard bounds, cleaned, and refused
when it is not text.

A PDF is read by `pdf_worker.py` in a child process, because no bound can be put on pypdf
in-process: a 10 KB page of ~950,000 compressed text operators took 28 s and ~316 MB, and a
7,000-page file 63 s. The child gets CPU_SECONDS of CPU, EXTRA_MEMORY more bytes of address
space and WALL_SECONDS of wall-clock time, runs at a lower priority than web requests, and reads
at most MAX_PAGES pages and MAX_CHARS characters. A PDF that exceeds the bounds is refused (not cut: a resume that
cannot be read whole within them is not worth a partial, surprising copy); the page and
character caps cut silently, as the character cap always did. At most MAX_CONCURRENT children
run per server process, so memory stays bounded however many uploads arrive at once.

More uploads than that wait for a slot, first come first served, for up to QUEUE_SECONDS (the
RESUME_QUEUE_SECONDS setting, 10 s by default) and are then refused as BUSY. An honest PDF takes a
reader 0.1-0.6 s, so a burst of them (a job fair: 8 at once) is read in turn within a few seconds;
a flood of hostile files holds each slot for at most WALL_SECONDS, and at most MAX_WAITING requests
per process wait at all (the rest are refused at once), so a flood holds few server threads, and
none for longer than QUEUE_SECONDS + WALL_SECONDS.
"""
from __future__ import annotations

import functools
import json
import logging
import math
import os
import re
import subprocess
import sys
import threading
import unicodedata
from collections import deque
from pathlib import Path

from ..errors import NotFound, ValidationError
from ..models import User
from . import pdf_worker

log = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_CHARS = 100_000  # characters of text stored
MAX_PAGES = 20
CPU_SECONDS = 2
EXTRA_MEMORY = 256 * 1024 * 1024
WALL_SECONDS = 5.0
MAX_CONCURRENT = 2
DEFAULT_QUEUE_SECONDS = 10.0
MAX_QUEUE_SECONDS = 120.0
# Waiting at most this many per process: 16 honest files clear two slots in ~3-5 s, well within
# QUEUE_SECONDS; past that a queue is a flood, and its requests are refused without holding a thread.
MAX_WAITING = 16
# What text must look like to be kept (see `looks_like_words`).
MIN_WORD_SHARE = 0.5
MIN_VOWEL_SHARE = 0.25
MIN_LATIN = 20  # fewer Latin letters than this say nothing about vowels

TOO_LARGE = "The file is larger than 5 MiB."
TOO_COMPLEX = "This PDF is too complex to read; please upload a simpler PDF or a .txt file."
UNREADABLE = "This PDF could not be read. Try another file or a .txt copy."
NO_TEXT_PDF = ("No readable text was found in this PDF (is it a scan, or a font without a text map?). "
               "Upload a .txt copy.")
NO_TEXT_FILE = "No readable text was found in this file. Upload your resume as a PDF or a .txt file."
NOT_TEXT = "The text file is not UTF-8 text (or UTF-16 with a byte-order mark). Save it as UTF-8 and try again."
UNSUPPORTED = "Upload a PDF or a plain-text (.txt) file."
BUSY = "Many resumes are being read right now. Please try again in a minute, or upload a .txt file."


def queue_seconds(text: str | None) -> float:
    """How long an upload waits for a reader slot, from the RESUME_QUEUE_SECONDS setting: a number
    of seconds from 0 to MAX_QUEUE_SECONDS; DEFAULT_QUEUE_SECONDS when unset or anything else."""
    try:
        seconds = float(text or "")
    except ValueError:
        return DEFAULT_QUEUE_SECONDS
    return seconds if math.isfinite(seconds) and 0 <= seconds <= MAX_QUEUE_SECONDS else DEFAULT_QUEUE_SECONDS


QUEUE_SECONDS = queue_seconds(os.environ.get("RESUME_QUEUE_SECONDS"))  # read once at start-up, like Config


class ReaderSlots:
    """`count` slots handed out first come, first served: a freed slot goes to the longest waiter
    (a semaphore lets a newcomer take it first, so an early upload could wait out its time)."""

    def __init__(self, count: int):
        self._lock = threading.Lock()
        self._free = count
        self._waiters: deque[threading.Event] = deque()

    def acquire(self, timeout: float | None = None, max_waiting: int | None = None) -> bool:
        """Take a slot, waiting up to `timeout` seconds (None: as long as it takes); False when
        none came in time or `max_waiting` others are already waiting."""
        with self._lock:
            if self._free and not self._waiters:
                self._free -= 1
                return True
            if timeout == 0 or (max_waiting is not None and len(self._waiters) >= max_waiting):
                return False
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(timeout):
            return True
        with self._lock:
            if turn.is_set():  # handed over just as the time ran out: it is ours
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        """Give a slot back: to the longest waiter, else to the free ones."""
        with self._lock:
            if self._waiters:
                self._waiters.popleft().set()
            else:
                self._free += 1

    def waiting(self) -> int:
        with self._lock:
            return len(self._waiters)


PYTHON = sys.executable  # runs pdf_worker.py; the app's own interpreter has pypdf
_WORKER = Path(pdf_worker.__file__)
_slots = ReaderSlots(MAX_CONCURRENT)


def candidate_with_resume(repos, user: User, candidate_id: str) -> User:
    """The candidate whose stored resume `user` may read (text and file name on the returned User, the
    text "" when none was uploaded): admins any candidate's, HR only their assigned candidates'.
    Anyone else, and an unknown id, gets NotFound: the same answer, so nothing says who exists."""
    candidate = repos.users.get(candidate_id)
    if candidate is None or candidate.role != "candidate":
        raise NotFound("No such candidate.")
    if user.role == "admin" or (user.role == "hr" and candidate.hr_id == user.id):
        return candidate
    raise NotFound("No such candidate.")


def _refuse(message: str) -> ValidationError:
    return ValidationError(message, {"resume": message})


def extract_resume_text(filename: str, data: bytes) -> str:
    """Clean text of a PDF or text resume (at most MAX_CHARS characters); ValidationError on the
    `resume` field when the file is too large, unreadable, too complex or not text."""
    if len(data) > MAX_BYTES:
        raise ValidationError("The resume is larger than 5 MiB.", {"resume": TOO_LARGE})
    lower = (filename or "").lower()
    if data.startswith(b"%PDF") or lower.endswith(".pdf"):
        raw, no_text = read_pdf(data), NO_TEXT_PDF
    elif lower.endswith((".txt", ".md")) or not lower:
        raw, no_text = decode_text(data)[:MAX_CHARS], NO_TEXT_FILE
    else:
        raise _refuse(UNSUPPORTED)
    if not looks_like_words(raw):
        raise _refuse(no_text)
    return clean_text(raw).strip()[:MAX_CHARS]


def decode_text(data: bytes) -> str:
    """UTF-8 with or without a byte-order mark, or UTF-16 (LE or BE) with one; else refused."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"  # reads the mark, picks the byte order and drops it
    else:
        encoding = "utf-8-sig"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise _refuse(NOT_TEXT) from None


# Line breaks of other systems and page breaks become "\n"; every other C0/C1 control character,
# the byte-order mark (U+FEFF), noncharacters and lone surrogates (which MongoDB cannot store)
# are removed. NUL is among them: pypdf writes it for a ligature mapped to U+0000.
_LINE_BREAKS = re.compile(r"\r\n?|[\v\f\x85\u2028\u2029]")
_UNWANTED = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff\ufffe\uffff\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` with "\\n" for every line break and no control characters but "\\n" and "\\t"."""
    return _UNWANTED.sub("", _LINE_BREAKS.sub("\n", text))


_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_SYMBOLS_ONLY = re.compile(r"[^\w\x00-\x1f\x7f-\x9f]+")  # bullets, bars, dashes: no evidence either way


@functools.lru_cache(maxsize=4096)
def _letter_kind(char: str) -> str:
    """'vowel' or 'consonant' for a Latin letter (accents ignored), 'other' for any other script."""
    if not unicodedata.name(char, "").startswith("LATIN"):
        return "other"
    base = unicodedata.normalize("NFD", char)[0].lower()
    return "vowel" if base in "aeiouy" or base in "æøœ" else "consonant"


def looks_like_words(text: str) -> bool:
    r"""Whether `text` reads as words, not as glyph numbers or symbols.

    Two tests. At least MIN_WORD_SHARE of the whitespace-separated tokens (those with a letter,
    digit or control character; a bullet alone is no evidence either way) are words: a word has
    no control character and has a run of two or more Latin letters with a vowel, or a letter
    of another script (which this cannot judge). And, given MIN_LATIN Latin letters, at least
    MIN_VOWEL_SHARE of them are vowels.

    Why: a font without a map to Unicode yields glyph numbers, each character minus 29, so
    "Jane Roe" is '-DQH\x035RH'. Every space, digit and comma becomes a control character, so no
    token is a word; and e, a, o, i, t, n become H, D, R, L, W, Q, so vowels fall from a third of
    the letters to a sixth, which still catches the text when a generator's word positioning
    gives it real spaces. Measured on sample resumes (English, German, Czech, Polish, Russian,
    Chinese, Hindi, all capitals): honest text has 0.66-1.0 of its tokens words and 0.33-0.43
    vowels; as glyph numbers 0.0 words (0.21-0.60 with real spaces) and 0.09-0.19 vowels.
    """
    tokens = [token for token in text.split() if not _SYMBOLS_ONLY.fullmatch(token)]
    words = vowels = latin = 0
    for token in tokens:
        word = False
        clean = not _CONTROL.search(token)
        for run in _LETTER_RUN.findall(token):
            kinds = [_letter_kind(char) for char in run]
            run_vowels = kinds.count("vowel")
            run_latin = run_vowels + kinds.count("consonant")
            vowels, latin = vowels + run_vowels, latin + run_latin
            word = word or (clean and (run_latin < len(run) or (len(run) >= 2 and run_vowels > 0)))
        words += word
    if not tokens or words < MIN_WORD_SHARE * len(tokens):
        return False
    return latin < MIN_LATIN or vowels >= MIN_VOWEL_SHARE * latin


def read_pdf(data: bytes) -> str:
    """Raw text of the first MAX_PAGES pages of a PDF (at most MAX_CHARS characters), read by a
    bounded child process; ValidationError (on `resume`) when it cannot be read within bounds."""
    if not _slots.acquire(timeout=QUEUE_SECONDS, max_waiting=MAX_WAITING):
        raise _refuse(BUSY)
    try:
        returncode, stdout, stderr = _run_reader(data)
    except OSError:
        log.exception("Could not start the PDF reader")
        raise _refuse(UNREADABLE) from None
    finally:
        _slots.release()
    if returncode < 0 or returncode == pdf_worker.EXIT_TOO_COMPLEX:  # SIGXCPU, or out of memory
        raise _refuse(TOO_COMPLEX)
    if returncode == pdf_worker.EXIT_UNREADABLE:
        raise _refuse(UNREADABLE)
    try:
        if returncode != 0:
            raise ValueError(f"exit status {returncode}")
        return json.loads(stdout)["text"]
    except (ValueError, KeyError, TypeError) as exc:
        log.error("The PDF reader failed (%s): %s", exc, stderr[-2000:].decode("utf-8", "replace"))
        raise _refuse(UNREADABLE) from None


def _run_reader(data: bytes) -> tuple[int, bytes, bytes]:
    """(exit status, stdout, stderr) of pdf_worker.py given `data`; killed after WALL_SECONDS."""
    args = [PYTHON, "-P", str(_WORKER), str(MAX_PAGES), str(MAX_CHARS), str(CPU_SECONDS), str(EXTRA_MEMORY)]
    with subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        try:
            stdout, stderr = child.communicate(data, timeout=WALL_SECONDS)
        except subprocess.TimeoutExpired:
            # Out of time with CPU budget left: the reader waited for a processor (it runs at a
            # lower priority than web requests), so the server is busy, not the file hostile.
            used = _cpu_seconds(child.pid)
            child.kill()
            child.communicate()
            raise _refuse(BUSY if used is not None and used < CPU_SECONDS / 2 else TOO_COMPLEX) from None
    return child.returncode, stdout, stderr


def _cpu_seconds(pid: int) -> float | None:
    """CPU time used so far by the running process `pid` (Linux), else None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    except (OSError, ValueError, IndexError):
        return None
