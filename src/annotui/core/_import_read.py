"""Reading an import's input: the byte-counting stream, and a large JSONL file read by a
second process while this one writes to the database.

Why a process: reading is a third of a large import (JSON decoding and checking each
record and span) and writing the rest, and the two can overlap. Not with a thread:
sqlite3 releases the GIL for every statement it executes and must win it back after
each one, which takes up to the interpreter's switch interval (5 ms) while another
thread runs Python; an ``executemany`` of 20,000 rows went from 0.05 s to 8 s that way.

The reading process runs the same reader function on the same open file (its file
descriptor is handed over), so records, errors and their line numbers are exactly those
of reading here; it sends them back pickled, in chunks, as plain tuples (a span as a
tuple in :class:`ImportSpan`'s field order), with each text's sha256 and the bytes read
so far. The pipe holds a few chunks at most: memory stays flat, whatever the file size.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import struct
import subprocess
import sys
from collections.abc import Iterator
from hashlib import sha256
from typing import Any, BinaryIO, NamedTuple

from annotui.core.formats import ImportSpan, Reader, Record, RecordError, Source

__all__ = ["WORKER_FORMATS", "WORKER_MIN_BYTES", "CountingStream", "read_here",
           "read_in_worker", "spans_named", "worker_can_read"]

# the readers of many records a file, where overlapping pays (a one-document format has
# nothing to overlap with), and the file size from which the second process's start-up
# (~0.15 s: an interpreter and the reader's imports) is worth it
WORKER_FORMATS = frozenset({"jsonl", "doccano", "prodigy"})
WORKER_MIN_BYTES = 8 << 20
READ_BUFFER = 1 << 20  # a read() per megabyte of input, not per 8 KB
# what one message from the reading process holds at most
CHUNK_RECORDS = 250
CHUNK_CHARS = 1 << 20
PIPE_BYTES = 1 << 20   # asked of Linux for the pipe (default 64 KB); fewer wake-ups
# chunks read ahead, waiting to be sent: more than a batch (importer.BATCH_RECORDS), so
# that reading goes on while a whole batch is written; a pipe alone holds 1 MB at most
AHEAD_CHUNKS = 12

_LENGTH = struct.Struct("<Q")
_ITEMS, _RAISE, _END = 0, 1, 2

Item = tuple["Record | RecordError", "str | None"]  # a record or error, and its text's sha256


class CountingStream:
    """A binary stream that counts the bytes handed out (for progress) and can replay
    lines already read from a pipe (stdin, after sniffing its format)."""

    def __init__(self, raw: BinaryIO, prefix: list[bytes] | None = None) -> None:
        self._raw = raw
        self._prefix = prefix or []
        self.count = 0

    def fileno(self) -> int:
        return self._raw.fileno()

    def read(self, size: int = -1, /) -> bytes:
        head = b"".join(self._prefix)
        self._prefix = []
        if size is None or size < 0:
            data = head + self._raw.read()
        elif len(head) >= size:
            data, self._prefix = head[:size], [head[size:]] if head[size:] else []
        else:
            data = head + self._raw.read(size - len(head))
        self.count += len(data)
        return data

    def __iter__(self) -> Iterator[bytes]:
        while self._prefix:
            line = self._prefix.pop(0)
            self.count += len(line)
            yield line
        for line in self._raw:
            self.count += len(line)
            yield line


def read_here(entry: Reader, source: Source) -> Iterator[Item]:
    """The reader run in this process (sha256 left to the writer)."""
    for got in entry.read(source):
        yield got, None


def worker_can_read(entry: Reader, size: int) -> bool:
    """Whether a file of ``size`` bytes is read by a second process."""
    # posix: the file descriptor is handed over with pass_fds, which Windows lacks
    return (entry.name in WORKER_FORMATS and size >= WORKER_MIN_BYTES and os.name == "posix"
            and bool(sys.executable) and not getattr(sys, "frozen", False)
            and getattr(sys.modules.get(entry.read.__module__), entry.read.__qualname__,
                        None) is entry.read)


class _Job(NamedTuple):
    module: str
    function: str
    fd: int
    name: str
    path: str | None
    key: str | None
    encoding: str
    options: dict[str, Any]


def read_in_worker(entry: Reader, source: Source, stream: CountingStream) -> Iterator[Item]:
    """The reader run by a second process on ``stream``'s file; ``stream.count`` follows
    the bytes it has read. Whatever the reader raises is raised here; a reading process
    that dies raises OSError (the importer names the file with it); one that cannot be
    started leaves the reading to this process."""
    fd = stream.fileno()
    job = _Job(entry.read.__module__, entry.read.__qualname__, fd, source.name,
               None if source.path is None else str(source.path), source.key,
               source.encoding, dict(source.options))
    try:
        # -P: the working folder is not put on sys.path (a stray json.py there stays there)
        proc = subprocess.Popen([sys.executable, "-P", "-m", __name__], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, pass_fds=(fd,))
    except OSError:  # no process to be had (limits, a huge environment): read it here
        yield from read_here(entry, source)
        return
    assert proc.stdin is not None and proc.stdout is not None
    try:
        with contextlib.suppress(OSError, AttributeError):  # Linux only; an optimisation
            import fcntl

            fcntl.fcntl(proc.stdout.fileno(), fcntl.F_SETPIPE_SZ, PIPE_BYTES)
        try:
            proc.stdin.write(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))
            proc.stdin.close()
        except BrokenPipeError:
            pass  # it died at once: said below, at the end of its output
        out = proc.stdout
        while True:
            head = out.read(_LENGTH.size)
            if len(head) < _LENGTH.size:
                code = proc.wait()
                how = f"signal {-code}" if code < 0 else f"exit status {code}"
                raise OSError(f"the reading process stopped ({how})")
            kind, payload, stream.count = pickle.loads(out.read(_LENGTH.unpack(head)[0]))
            if kind == _ITEMS:
                for item in payload:
                    if item[0] is None:
                        yield RecordError(*item[1:]), None
                    else:
                        yield Record(*item[:9]), item[9]
            elif kind == _RAISE:
                raise payload
            else:
                return
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc.stdout.close()
        with contextlib.suppress(OSError):
            proc.stdin.close()


def spans_named(record: Record) -> Record:
    """The record with its spans as :class:`ImportSpan` (a reading process sends plain
    tuples, which the batch writer reads by position and the record-by-record path by
    name)."""
    if record.spans and type(record.spans[0]) is not ImportSpan:
        record.spans = [ImportSpan(*span) for span in record.spans]
    return record


# -- the reading process --------------------------------------------------------------


def _encode(got: Record | RecordError) -> tuple[Any, ...]:
    if isinstance(got, RecordError):
        return None, got.reason, got.line, got.fatal, got.span
    try:
        text_sum: str | None = sha256(got.text.encode("utf-8")).hexdigest()
    except UnicodeEncodeError:
        text_sum = None  # the writer refuses it, with its own message
    return (got.text, got.key, got.title, got.source, got.meta, list(map(tuple, got.spans)),
            got.annotator, got.status, got.line, text_sum)


def _main() -> None:
    import signal

    # Ctrl-C reaches the whole process group: the importing process decides (and ends
    # this one); a traceback from here would only be noise
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import gc
    import queue
    import threading

    # as in the importing process: the decoded JSON has no cycles to collect, and the
    # collector walking it would slow reading by half
    gc.disable()
    # the sending thread, back from each write, waits for the reading one to let go of
    # the GIL: let that take 1 ms, not the default 5
    sys.setswitchinterval(0.001)
    job: _Job = pickle.load(sys.stdin.buffer)
    # the messages get file descriptor 1 to themselves: anything printed goes to stderr
    out = os.dup(1)
    os.dup2(2, 1)
    # a thread sends, so that reading goes on while the pipe is full
    ready: queue.Queue[bytes | None] = queue.Queue(AHEAD_CHUNKS)

    def sender() -> None:
        try:
            while (data := ready.get()) is not None:
                view = memoryview(data)
                while view:
                    view = view[os.write(out, view):]
        except BrokenPipeError:
            os._exit(1)  # the importing process is gone (killed, or it stopped reading)

    thread = threading.Thread(target=sender, daemon=True)
    thread.start()

    def send(kind: int, payload: Any, count: int) -> None:
        data = pickle.dumps((kind, payload, count), pickle.HIGHEST_PROTOCOL)
        ready.put(_LENGTH.pack(len(data)) + data)

    stream = CountingStream(os.fdopen(job.fd, "rb", buffering=READ_BUFFER))
    read = getattr(importlib.import_module(job.module), job.function)
    from pathlib import Path

    source = Source(job.name, stream, None if job.path is None else Path(job.path), job.key,
                    job.encoding, job.options)
    chunk: list[tuple[Any, ...]] = []
    chars = 0
    try:
        for got in read(source):
            chunk.append(_encode(got))
            chars += len(chunk[-1][0] or "")
            if len(chunk) >= CHUNK_RECORDS or chars >= CHUNK_CHARS:
                send(_ITEMS, chunk, stream.count)
                chunk, chars = [], 0
    except Exception as exc:  # raised there, as the reader would have raised it here
        send(_ITEMS, chunk, stream.count)
        try:
            pickle.dumps(exc)
        except Exception:
            exc = RuntimeError(f"{type(exc).__name__}: {exc}")
        send(_RAISE, exc, stream.count)
    else:
        send(_ITEMS, chunk, stream.count)
        send(_END, None, stream.count)
    ready.put(None)
    thread.join()


if __name__ == "__main__":
    _main()
