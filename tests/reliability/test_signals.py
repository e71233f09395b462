"""The real TUI in a pseudo-terminal, ended by SIGHUP (an SSH drop, a closed pane),
SIGTERM and ctrl+c: it exits in time with the conventional code, restores the terminal,
releases the database, and what was labelled before is stored."""

from __future__ import annotations

import fcntl
import os
import select
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from annotui import resources
from annotui.core.store import Store

ANNOTUI = str(Path(sys.executable).parent / "annotui")
COLUMNS, LINES = 100, 30
LEAVE_ALT_SCREEN = b"\x1b[?1049l"


class Terminal:
    """``annotui --db DB`` on the slave side of a pty; everything it draws is collected."""

    def __init__(self, db: Path, *, controlling: bool = False) -> None:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS),
               "LINES": str(LINES), "ANNOTUI_ANNOTATOR": "alice"}
        env.pop("ANNOTUI_DB", None)
        env.pop("NO_COLOR", None)

        def become_session_leader() -> None:
            if controlling:  # the pty is its terminal: closing the master hangs it up
                fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            [ANNOTUI, "--db", str(db)], stdin=slave, stdout=slave, stderr=slave, env=env,
            start_new_session=True, preexec_fn=become_session_leader, close_fds=True)
        os.close(slave)
        self.master: int | None = master
        self.output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        # Never blocked in read(): a close() from another thread does not release a file
        # that a read() is still waiting on, so the kernel would never hang the pty up.
        while (master := self.master) is not None:
            if not select.select([master], [], [], 0.02)[0]:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the slave side is closed (the child has exited)
                return
            if not chunk:
                return
            with self._lock:
                self.output += chunk

    def seen(self) -> bytes:
        with self._lock:
            return bytes(self.output)

    def wait_drawn(self, marker: bytes, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker in self.seen():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise AssertionError(f"the TUI did not draw {marker!r} (exit {self.proc.poll()}):"
                             f" {self.seen()[-2000:]!r}")

    def send(self, keys: str) -> None:
        assert self.master is not None
        os.write(self.master, keys.encode())

    def hang_up(self) -> None:
        master, self.master = self.master, None
        if master is not None:
            self._reader.join(1)  # out of select() and read() first: see _drain
            os.close(master)

    def wait_exit(self, timeout: float) -> int | None:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._reader.join(1)
        self.hang_up()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "sig.db"
    with Store(path, annotator="alice") as store:
        store.load_labels(resources.default_labels())
        doc, _ = store.add_document(resources.sample_article().read_text(encoding="utf-8"))
        store.add_span(doc, 1, 11, "claim", note="labelled before this session")
    return path


def spans(path: Path) -> list[tuple[int, int, str]]:
    with Store(path, annotator="alice", readonly=True) as store:
        return [(s.start, s.end, s.label) for s in store.spans(store.document_ids()[0])]


def assert_released(path: Path) -> None:
    """Another process can write at once: no lock, no open transaction left behind."""
    with Store(path, annotator="bob", busy_timeout=0.5) as store:
        started = time.monotonic()
        store.add_span(store.document_ids()[0], 40, 50, "commitment")
        assert time.monotonic() - started < 0.5
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.conn.execute("PRAGMA foreign_key_check").fetchall() == []


def label_first_sentence(term: Terminal, path: Path) -> list[tuple[int, int, str]]:
    before = spans(path)
    term.send("g")
    term.send("s")
    time.sleep(0.2)
    term.send("1")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        now = spans(path)
        if len(now) > len(before):
            return now
        time.sleep(0.05)
    raise AssertionError(f"`s` `1` stored nothing: {term.seen()[-1500:]!r}")


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_signal_ends_the_tui_in_time_with_128_plus_signum(db: Path, signum: int) -> None:
    term = Terminal(db)
    try:
        term.wait_drawn(b"sig.db")
        labelled = label_first_sentence(term, db)
        assert len(labelled) == 2
        term.proc.send_signal(signum)
        code = term.wait_exit(3)
        assert code == 128 + signum, (code, term.seen()[-1500:])
        time.sleep(0.1)  # the last bytes through the pty
        out = term.seen()
        assert b"Traceback" not in out, out[-3000:]
        assert LEAVE_ALT_SCREEN in out, "the terminal was not restored"
    finally:
        term.close()
    assert spans(db) == labelled
    assert_released(db)


def test_closing_the_terminal_hangs_up_the_tui(db: Path) -> None:
    """The pane closes (the pty master goes away): the kernel sends SIGHUP."""
    term = Terminal(db, controlling=True)
    try:
        term.wait_drawn(b"sig.db")
        labelled = label_first_sentence(term, db)
        term.hang_up()
        code = term.wait_exit(3)
        assert code == 128 + signal.SIGHUP, code
    finally:
        term.close()
    assert spans(db) == labelled
    assert_released(db)


def test_ctrl_c_quits_with_0(db: Path) -> None:
    term = Terminal(db)
    try:
        term.wait_drawn(b"sig.db")
        labelled = label_first_sentence(term, db)
        term.send("\x03")
        code = term.wait_exit(3)
        assert code == 0, (code, term.seen()[-1500:])
        time.sleep(0.1)
        out = term.seen()
        assert b"Traceback" not in out
        assert LEAVE_ALT_SCREEN in out
    finally:
        term.close()
    assert spans(db) == labelled
    assert_released(db)

