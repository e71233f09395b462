"""``annotui serve``: the reader in a browser through textual-serve.

The live tests start the real server as a subprocess on a free loopback port, fetch the
page, connect a visitor's websocket the way the browser's terminal does, label a sentence
through it, and stop the server with a signal: it must exit 0 within seconds, leave no
visitor process behind and free the port. The other tests stub the server out.
"""

from __future__ import annotations

import asyncio
import shlex
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from _cli_support import (
    ANNOTATOR,
    SAMPLE,
    SAMPLE_TITLE,
    console_script,
    ok,
    open_store,
    run,
    subprocess_env,
    user_error,
)

import annotui.cli_serve as cli_serve

STARTUP = 30.0  # seconds: a cold interpreter on a loaded CI machine
STOP = 8.0  # seconds from the signal to a clean exit, visitors included


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        # as a server restarting would: connections left in TIME_WAIT do not count
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _get(url: str, host: str | None = None) -> tuple[int, str, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return (response.status, response.headers.get("Content-Type", ""),
                response.read().decode("utf-8"))


def _wait_for_page(proc: subprocess.Popen[bytes], url: str, log: Path) -> str:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"annotui serve exited {proc.returncode}:\n{log.read_text()}")
        try:
            status, kind, body = _get(url)
        except OSError:
            time.sleep(0.1)
            continue
        assert status == 200 and kind.startswith("text/html"), (status, kind)
        return body
    pytest.fail(f"no answer on {url} within {STARTUP}s:\n{log.read_text()}")


def _descendants(pid: int) -> dict[int, bytes]:
    """PID's child processes, recursively, with their command lines (Linux /proc)."""
    found: dict[int, bytes] = {}
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return found
    for child in map(int, children):
        try:
            found[child] = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        found.update(_descendants(child))
    return found


def _alive(pid: int, cmdline: bytes) -> bool:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes() == cmdline
    except OSError:
        return False


def _start(db: Path, port: int, tmp_path: Path, *extra: str) -> subprocess.Popen[bytes]:
    log = tmp_path / "serve.log"
    # output to a file, not a pipe nobody reads: a full pipe would block the server
    with log.open("wb") as out:
        return subprocess.Popen(
            [str(console_script()), "serve", "--db", str(db), "--port", str(port), *extra],
            stdout=out, stderr=subprocess.STDOUT, env=subprocess_env(), cwd=tmp_path)


def _stop(proc: subprocess.Popen[bytes], how: signal.Signals) -> float:
    started = time.monotonic()
    proc.send_signal(how)
    try:
        proc.wait(timeout=STOP)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"annotui serve still running {STOP}s after {how.name}")
    return time.monotonic() - started


def _spans(db: Path) -> list[tuple[Any, ...]]:
    with open_store(db) as store:
        return [tuple(row) for row in store.conn.execute("SELECT annotator FROM spans")]


async def _visit_label_and_stop(proc: subprocess.Popen[bytes], port: int, db: Path
                                ) -> tuple[bytes, dict[int, bytes], float]:
    """Be a browser tab: open the websocket, wait for the reader, press `s` then `1`,
    then SIGTERM the server while still connected. Returns the first screen, the
    visitor's processes and how long the server took to exit."""
    import aiohttp

    async def screen(ws: Any, until: bytes, seconds: float) -> bytes:
        seen = b""
        deadline = time.monotonic() + seconds
        while until not in seen and time.monotonic() < deadline:
            try:
                message = await asyncio.wait_for(ws.receive(), 0.5)
            except TimeoutError:
                if seen and not until:
                    break  # quiet: the screen is drawn
                continue
            if message.type != aiohttp.WSMsgType.BINARY:
                break
            seen += message.data
        return seen

    async with aiohttp.ClientSession() as session, session.ws_connect(
            f"http://127.0.0.1:{port}/ws?width=100&height=30") as ws:
        first = await screen(ws, SAMPLE_TITLE[:20].encode(), STARTUP)
        for key in "s1":
            await ws.send_json(["stdin", key])
            await screen(ws, b"", 5)
        deadline = time.monotonic() + 10
        while not _spans(db) and time.monotonic() < deadline:
            await screen(ws, b"", 0.5)
        visitors = _descendants(proc.pid)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        while proc.poll() is None and time.monotonic() - started < STOP:
            await screen(ws, b"", 0.2)  # answers the server's close frame, as a browser does
        return first, visitors, time.monotonic() - started


def test_serve_answers_on_loopback_a_visitor_labels_and_sigterm_stops_it(
        db: Path, tmp_path: Path) -> None:
    port = _free_port()
    proc = _start(db, port, tmp_path)
    log = tmp_path / "serve.log"
    try:
        page = _wait_for_page(proc, f"http://127.0.0.1:{port}/", log)
        assert "<html" in page.lower() and "annotui" in page
        # the browser's websocket goes back to the address the browser used
        assert f"ws://127.0.0.1:{port}/ws" in page
        tunnelled = _get(f"http://127.0.0.1:{port}/", host="localhost:9999")[2]
        assert "ws://localhost:9999/ws" in tunnelled

        first, visitors, elapsed = asyncio.run(_visit_label_and_stop(proc, port, db))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert SAMPLE_TITLE[:20].encode() in first, "the reader never drew the sample"
    assert _spans(db) == [(ANNOTATOR,)], "the visitor's keys labelled nothing"
    assert proc.returncode == 0, (elapsed, log.read_text())
    assert elapsed < STOP
    assert any(b"annotui.cli_serve" in cmd for cmd in visitors.values()), visitors
    deadline = time.monotonic() + 5
    while any(_alive(p, c) for p, c in visitors.items()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(p, c) for p, c in visitors.items()), "a visitor's process outlived"
    assert _port_is_free(port)
    output = log.read_text()
    assert f"serving {db.resolve()}" in output and f"labelling as {ANNOTATOR}" in output
    assert "Traceback" not in output


def test_serve_stops_on_ctrl_c(db: Path, tmp_path: Path) -> None:
    port = _free_port()
    ok(run("import", "--db", db, SAMPLE))  # read-only needs something to show
    proc = _start(db, port, tmp_path, "--readonly")
    try:
        _wait_for_page(proc, f"http://127.0.0.1:{port}/", tmp_path / "serve.log")
        _stop(proc, signal.SIGINT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert _port_is_free(port)
    assert "(read-only)" in (tmp_path / "serve.log").read_text()


# -- without a real server ---------------------------------------------------------------


class FakeServer:
    started: list[dict[str, Any]] = []

    def __init__(self, command: str, **kwargs: Any) -> None:
        self.call = {"command": command, **kwargs}

    def serve(self) -> None:
        FakeServer.started.append(self.call)


@pytest.fixture
def fake_server(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    FakeServer.started = []
    monkeypatch.setattr(cli_serve, "make_server", FakeServer)
    return FakeServer.started


def test_without_textual_serve_it_says_how_to_install_it(
        db: Path, monkeypatch: pytest.MonkeyPatch, fake_server: list[dict[str, Any]]) -> None:
    # None in sys.modules makes `import textual_serve.server` raise ImportError
    monkeypatch.setitem(sys.modules, "textual_serve", None)
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)
    line = user_error(run("serve", "--db", db), "textual-serve")
    assert "pip install 'annotui[serve]'" in line
    assert not db.exists() and not fake_server


def test_the_database_is_checked_and_prepared_once_before_serving(
        db: Path, fake_server: list[dict[str, Any]]) -> None:
    result = ok(run("serve", "--db", db, "--port", _free_port(), "--annotator", "bo"))
    assert result.stderr.strip() == "", result.stderr  # loopback: no warning
    [call] = fake_server
    with open_store(db) as store:  # the sample and the labels are in, for every visitor
        assert store.document_ids() and store.labels()
    args = shlex.split(call["command"])
    assert args[:3] == [sys.executable, "-m", "annotui.cli_serve"]
    assert args[3:] == ["--db", str(db.resolve()), "--annotator", "bo"]
    assert call["host"] == "127.0.0.1" and call["public_url"] is None
    assert call["title"] == "annotui — t.db"
    ok(run("serve", "--db", db, "--public-url", "https://example.org/annotui/"))
    assert fake_server[-1]["public_url"] == "https://example.org/annotui"


def test_readonly_passes_through_and_needs_a_database(
        db: Path, tmp_path: Path, fake_server: list[dict[str, Any]]) -> None:
    user_error(run("serve", "--db", db, "--readonly"), "no such database")
    assert not db.exists() and not fake_server
    ok(run("serve", "--db", db))  # makes it, with the sample
    ok(run("serve", "--db", db, "--readonly"))
    assert shlex.split(fake_server[-1]["command"])[-1] == "--readonly"


def test_a_bad_database_is_one_line_before_anything_is_served(
        tmp_path: Path, fake_server: list[dict[str, Any]]) -> None:
    bad = tmp_path / "notes.db"
    bad.write_text("not a database at all\n" * 100)
    user_error(run("serve", "--db", bad), "notes.db")
    assert not fake_server


def test_a_port_in_use_is_one_line(db: Path, fake_server: list[dict[str, Any]]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        user_error(run("serve", "--db", db, "--port", port), "cannot listen", str(port))
    assert not fake_server


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.7", "annotate.example.org"])
def test_listening_beyond_loopback_warns_in_one_line(
        db: Path, host: str, monkeypatch: pytest.MonkeyPatch,
        fake_server: list[dict[str, Any]]) -> None:
    monkeypatch.setattr(cli_serve, "_check_listen", lambda host, port: None)
    result = ok(run("serve", "--db", db, "--host", host))
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("warning:") and "anyone" in lines[0]
    assert "edit" in lines[0] and "no login" in lines[0]
    assert fake_server[0]["host"] == host


@pytest.mark.parametrize("host,loopback", [
    ("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("LOCALHOST", True),
    ("0.0.0.0", False), ("::", False), ("10.0.0.5", False), ("myhost", False),
])
def test_is_loopback(host: str, loopback: bool) -> None:
    assert cli_serve.is_loopback(host) is loopback


def test_a_database_on_a_network_share_is_named(tmp_path: Path) -> None:
    share = tmp_path / "my share"
    mounts = tmp_path / "mounts"
    escaped = str(share).replace(" ", "\\040")
    mounts.write_text(
        "/dev/sda1 / ext4 rw 0 0\n"
        f"server:/export {escaped} nfs4 rw,relatime 0 0\n"
        f"tmpfs {escaped}/local tmpfs rw 0 0\n")
    assert cli_serve.network_filesystem(share / "team.db", mounts) == "nfs4"
    assert cli_serve.network_filesystem(share / "local" / "x.db", mounts) is None
    assert cli_serve.network_filesystem(tmp_path / "x.db", mounts) is None
    assert cli_serve.network_filesystem(tmp_path / "x.db", tmp_path / "nothing") is None


def test_the_visitor_command_survives_odd_paths_and_names(tmp_path: Path) -> None:
    path = tmp_path / "it's a $HOME; db"
    command = cli_serve.visitor_command(path, "Zoë O'Neil", readonly=False)
    assert shlex.split(command)[3:] == ["--db", str(path), "--annotator", "Zoë O'Neil"]


def test_serve_has_help_naming_the_extra() -> None:
    out = ok(run("serve", "--help")).stdout
    assert "annotui[serve]" in out and "--host" in out and "--port" in out


def test_the_visitor_entry_point_has_help() -> None:
    proc = subprocess.run([sys.executable, "-m", "annotui.cli_serve", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and "--annotator" in proc.stdout, proc.stderr
