"""Write the text of the PDF read from stdin to stdout (as JSON), inside limits it sets on itself.

Run by `interviewer.services.resumes` as a child process:

    python -P pdf_worker.py MAX_PAGES MAX_CHARS CPU_SECONDS EXTRA_MEMORY_BYTES

(-P keeps this folder off sys.path, where services/calendar.py would hide the standard library's.)

pypdf is pure Python, and a thread cannot be stopped: a 10 KB page of ~950,000 compressed text
operators costs it 28 s and ~316 MB. Here that costs at most CPU_SECONDS of CPU and
EXTRA_MEMORY_BYTES of address space, and the kernel ends the process when either runs out.
This file imports only the standard library and pypdf, never the application.

Exit status: 0 with {"text": ...} on stdout; EXIT_UNREADABLE when pypdf cannot read the file;
EXIT_TOO_COMPLEX on MemoryError. SIGXCPU (CPU limit) or SIGKILL (the parent's wall-clock
timeout) end it with a negative status.
"""
from __future__ import annotations

import io
import json
import logging
import os
import resource
import sys
import warnings

# Not 1 (an uncaught exception) nor 2 (python's own usage errors), so a broken install is told apart.
EXIT_UNREADABLE = 65
EXIT_TOO_COMPLEX = 66


def set_limits(cpu_seconds: int, extra_memory: int) -> None:
    """Cap CPU time and address space (counting what is mapped already), lower the priority,
    and write no core file when the CPU limit's SIGXCPU ends the process."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            mapped = int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        mapped = 0  # no /proc (not Linux): the CPU limit and the parent's timeout still hold
    if mapped:
        resource.setrlimit(resource.RLIMIT_AS, (mapped + extra_memory, mapped + extra_memory))
    try:
        os.nice(10)  # web requests first
    except OSError:
        pass


def extract(data: bytes, max_pages: int, max_chars: int) -> str:
    """The text of the first `max_pages` pages, stopping once `max_chars` characters are read."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")  # opens files locked only against editing; others fail on first read
    parts: list[str] = []
    size = 0
    for index in range(min(len(reader.pages), max_pages)):
        text = reader.pages[index].extract_text() or ""
        parts.append(text)
        size += len(text) + 1
        if size >= max_chars:
            break
    return "\n".join(parts)[:max_chars]


def main(argv: list[str]) -> int:
    max_pages, max_chars, cpu_seconds, extra_memory = (int(value) for value in argv[1:5])
    import pypdf  # noqa: F401  (mapped before the address-space limit is measured)

    set_limits(cpu_seconds, extra_memory)
    logging.disable(logging.CRITICAL)  # pypdf logs each broken object: unbounded output otherwise
    warnings.simplefilter("ignore")
    data = sys.stdin.buffer.read()
    try:
        # ASCII-escaped JSON, so that even a lone surrogate from a broken font map gets through
        output = json.dumps({"text": extract(data, max_pages, max_chars)})
    except MemoryError:
        return EXIT_TOO_COMPLEX
    except Exception:  # any failure inside pypdf means "this file cannot be read"
        return EXIT_UNREADABLE
    sys.stdout.write(output)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
