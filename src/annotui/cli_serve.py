"""``annotui serve``: the same reader in a web browser, through textual-serve.

textual-serve (the optional extra ``annotui[serve]``) answers HTTP and, for every browser
tab that connects, starts one process running a shell command and relays its screen over a
websocket. That command is this module run as a script (``python -m annotui.cli_serve``)
with the server's absolute ``--db``, its ``--annotator`` and ``--readonly``: the shell command
is fixed when the server starts, so textual-serve has no way to give one visitor a name of
their own. Every visitor labels under the server's annotator name; annotators who must be
told apart each get their own server (same database, another port).

All the visitors' processes share one database on one host, which SQLite's WAL mode is made
for; the database is checked (opened, migrated, the sample loaded on a first run) once here,
so a problem is one line on the terminal, not an error in every browser tab.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from annotui.cliutil import annotator_option, db_option, default_annotator, default_db_path

INSTALL_HINT = "pip install 'annotui[serve]'"

# file systems on which SQLite's locking and WAL's shared memory cannot be trusted
NETWORK_FILESYSTEMS = frozenset({
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "afs", "9p", "davfs", "sshfs",
    "fuse.sshfs", "fuse.rclone", "fuse.s3fs", "glusterfs", "fuse.glusterfs", "ceph",
    "fuse.ceph", "lustre", "gpfs", "beegfs",
})


def is_loopback(host: str) -> bool:
    """True when HOST only answers this machine (127.0.0.0/8, ::1, localhost)."""
    import ipaddress  # here, not at the top: every annotui command imports this module

    if host.lower() in ("localhost", "localhost.localdomain", "ip6-localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to any interface


def network_filesystem(path: Path, mounts: Path = Path("/proc/mounts")) -> str | None:
    """The type of the network file system PATH is on, or None (or where unknown).

    Linux only: the longest mount point in ``/proc/mounts`` that contains PATH decides.
    """
    import re

    try:
        lines = mounts.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except OSError:
        return None
    target = path.resolve()
    best, best_type = -1, ""
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        # /proc/mounts escapes blanks and backslashes in octal (\040 for a space)
        point = Path(re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), fields[1]))
        if (target == point or point in target.parents) and len(point.parts) > best:
            best, best_type = len(point.parts), fields[2]
    return best_type if best_type in NETWORK_FILESYSTEMS else None


def visitor_command(db_path: Path, annotator: str, readonly: bool) -> str:
    """The shell command textual-serve runs for each visitor: the reader on DB_PATH."""
    import shlex
    import subprocess

    args = [sys.executable, "-m", "annotui.cli_serve", "--db", str(db_path),
            "--annotator", annotator]
    if readonly:
        args.append("--readonly")
    return subprocess.list2cmdline(args) if os.name == "nt" else shlex.join(args)


def _url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    return f"http://{shown}:{port}"


def _shown_url(host: str, port: int) -> str:
    """Where a browser finds the server: 0.0.0.0 and :: are no address to type."""
    if host.strip("[]") in ("0.0.0.0", "::", ""):
        import socket

        return _url(socket.gethostname(), port)
    return _url(host, port)


def _check_listen(host: str, port: int) -> None:
    """Fail with one line, before the banner, if HOST:PORT cannot be listened on."""
    import socket

    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise click.ClickException(f"{host}: unknown host ({exc.strerror})") from None
    for family, kind, proto, _, address in infos:
        with socket.socket(family, kind, proto) as sock:
            if os.name != "nt":
                # as aiohttp does: a port left in TIME_WAIT by the last server is free
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                raise click.ClickException(
                    f"cannot listen on {_url(host, port)}: {exc.strerror or exc}"
                    " (another --port?)") from None


def make_server(command: str, *, host: str, port: int, title: str, public_url: str | None,
                banner: str) -> Any:
    """A textual-serve Server that prints BANNER and, without PUBLIC_URL, sends each
    browser back to the address it used (an SSH tunnel, a host name, an IP), not HOST."""
    from aiohttp import web
    from textual_serve.server import Server

    visitors: dict[int, web.Request] = {}  # by id: a Request is a mapping, unhashable

    class AnnotuiServer(Server):  # type: ignore[misc]
        async def on_startup(self, app: web.Application) -> None:
            self.console.print(banner, highlight=False, markup=False, soft_wrap=True)

        async def on_shutdown(self, app: web.Application) -> None:
            # aiohttp waits a minute for open websockets; textual-serve closes none. A
            # dropped connection ends the visitor's loop, which tells its app to quit.
            for request in list(visitors.values()):
                if request.transport is not None:
                    request.transport.close()

        async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
            visitors[id(request)] = request
            try:
                response: web.StreamResponse = await super().handle_websocket(request)
            finally:
                visitors.pop(id(request), None)
            return response

        async def handle_index(self, request: web.Request) -> web.StreamResponse:
            if public_url is None:
                # read synchronously by the template function: no other request between
                self.public_url = f"{request.scheme}://{request.host}"
            response: web.StreamResponse = await super().handle_index(request)
            return response

    return AnnotuiServer(command, host=host, port=port, title=title,
                         public_url=public_url or _url(host, port))


@click.command("serve")
@db_option
@annotator_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but loopback lets anyone who can reach"
                   " it read and edit the database: there is no login.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              help="Port to listen on.")
@click.option("--public-url",
              help="The URL browsers reach the server by, behind a reverse proxy"
                   " (e.g. https://example.org/annotui); default: the address they used.")
@click.option("--readonly", is_flag=True, help="Visitors can only read: nothing is changed.")
def serve(db_path: Path | None, annotator: str | None, host: str, port: int,
          public_url: str | None, readonly: bool) -> None:
    """Serve the reader to web browsers (pip install 'annotui[serve]').

    Each browser tab gets its own annotui process, all on one database and all labelling
    as one annotator (--annotator, ANNOTUI_ANNOTATOR or your user name): to tell
    annotators apart, run one server each, on other ports. Listens on loopback only unless
    --host says otherwise; ctrl+c stops it.
    """
    try:
        import textual_serve.server  # noqa: F401
    except ImportError:
        raise click.ClickException(
            f"annotui serve needs textual-serve: {INSTALL_HINT}") from None

    from annotui.cliutil import prepare_for_reader

    path = (db_path or default_db_path()).expanduser().resolve()
    annotator = annotator or default_annotator()
    # checked here, once: a bad file is one line now, not a broken app in every tab
    _, readonly = prepare_for_reader(path, annotator, [], readonly=readonly, verb="serving")

    _check_listen(host, port)
    if not is_loopback(host):
        click.echo(f"warning: listening on {host}: anyone who can reach port {port} can"
                   f" {'read' if readonly else 'read and edit'} {path.name} (there is no"
                   " login); --host 127.0.0.1 and an SSH tunnel are safer", err=True)
    fs_type = network_filesystem(path)
    if fs_type:
        click.echo(f"warning: {path} is on a network file system ({fs_type}): SQLite"
                   " cannot lock it safely; keep the database on a local disk", err=True)

    mode = "read-only" if readonly else f"labelling as {annotator}"
    banner = (f"annotui: serving {path} ({mode}) on {public_url or _shown_url(host, port)}"
              " — one app per browser tab; ctrl+c stops")
    server = make_server(visitor_command(path, annotator, readonly), host=host, port=port,
                         title=f"annotui — {path.name}",
                         public_url=public_url.rstrip("/") if public_url else None,
                         banner=banner)
    server.serve()


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "db_path", required=True, type=click.Path(path_type=Path),
              help="Database file (absolute).")
@click.option("--annotator", required=True, help="Who is annotating.")
@click.option("--readonly", is_flag=True, help="Only read.")
def visit(db_path: Path, annotator: str, readonly: bool) -> None:
    """One visitor's reader, as textual-serve runs it (stdin and stdout are its pipes)."""
    from annotui.tui.app import run

    sys.exit(run(db_path, annotator, None, readonly=readonly))


if __name__ == "__main__":
    visit(prog_name="annotui-serve-visitor")
