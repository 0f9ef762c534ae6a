"""Sanitizer reports of the daemons and tools the tests start.

The ASan/UBSan builds abort on the first error, but a daemon that a test
does not watch can die unnoticed, and LeakSanitizer's report at exit only
changes an exit status that harnesses stopping daemons ignore.  So every
report goes to a file of its own (ASAN_OPTIONS/UBSAN_OPTIONS log_path,
inherited by every process the tests start) and a test after which a new
report appears fails, with the report; reports of processes stopped at
module or session teardown fail the session.

Import the two fixtures into a conftest.py to use it."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPORT_DIR = Path(tempfile.mkdtemp(prefix="neutrino-sanitizers-"))


def _add_log_path(var, prefix):
    opts = os.environ.get(var, "")
    if "log_path=" not in opts:
        opts = (opts + ":" if opts else "") + "log_path=" + str(REPORT_DIR / prefix)
        os.environ[var] = opts


_add_log_path("ASAN_OPTIONS", "asan")
_add_log_path("UBSAN_OPTIONS", "ubsan")


_seen = {}


def _check(when):
    """Fails on the reports written or grown since the last check."""
    new = []
    for p in sorted(REPORT_DIR.iterdir()):
        size = p.stat().st_size
        if _seen.get(p) != size:
            _seen[p] = size
            new.append(p)
    if new:
        text = "\n".join("== %s\n%s" % (p.name, p.read_text(errors="replace")
                                        [-6000:]) for p in new)
        pytest.fail("sanitizer report(s) %s from a process the tests "
                    "started:\n%s" % (when, text), pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def sanitizer_reports_session():
    """Fails the session on reports written after its last test (daemons
    of module and session fixtures stopping)."""
    yield
    try:
        _check("at the end of the session")
    finally:
        if not any(REPORT_DIR.iterdir()):
            shutil.rmtree(REPORT_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def sanitizer_reports():
    """Fails a test after which a new sanitizer report appeared."""
    _check("before this test (a fixture's teardown)")
    yield
    _check("during this test")
