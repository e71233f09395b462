"""Deterministic benchmark inputs (no downloads): prose, a single long line, spans, a
JSONL corpus. The same seed gives the same bytes on every machine.

Also the helpers every benchmark shares: median/percentiles, the table printer, and
the pty runner used by the start-up and bytes-per-key measurements.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import select
import statistics
import sys
import time
from pathlib import Path

_WORDS = (
    "the of and to in a is that for on with as by at from it was be are this an which "
    "said government ministry cooperation regional security energy transport trade "
    "president minister council agreement development economic strategic partnership "
    "countries international summit meeting capital railway corridor pipeline region "
    "growth investment stability challenges initiative programme officials delegation "
    "negotiations framework historical cultural common values centuries-old importance "
    "Azerbaijan Kazakhstan Uzbekistan Astana Baku Tashkent Caspian Turkmenistan "
    "announced stressed welcomed underlined noted promised support joint projects climate"
)
WORDS = _WORDS.split()
LABELS = ("claim", "commitment", "invitation")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 24))]
    words[0] = words[0].capitalize()
    s = " ".join(words)
    kind = rng.random()
    if kind < 0.15:
        s = f"\u201c{s},\u201d the minister\u2019s office said."   # curly quotes
    elif kind < 0.25:
        s = f"{s} \u2014 {rng.choice(WORDS)}\u2019s view."             # em dash, apostrophe
    else:
        s += rng.choice(".....?!;")
    return s


def prose(chars: int, seed: int = 1, paragraphs: bool = True) -> str:
    """~``chars`` code points of English-like prose with curly quotes and dashes; blank
    lines between paragraphs of 3-8 sentences (or one single line if not ``paragraphs``)."""
    rng = random.Random(seed)
    out: list[str] = []
    size = 0
    while size < chars:
        para = " ".join(_sentence(rng) for _ in range(rng.randint(3, 8)))
        out.append(para)
        size += len(para) + 2
    text = ("\n\n" if paragraphs else " ").join(out)
    return text[:chars].rstrip() + "."


def single_line(chars: int, seed: int = 2) -> str:
    """One line of ~``chars`` code points, no newline at all."""
    return prose(chars, seed, paragraphs=False)


def spans(text: str, n: int, seed: int = 3, annotator: str = "bench"
          ) -> list[tuple[int, int, str, str, None]]:
    """``n`` distinct spans spread evenly over ``text``: (start, end, label, annotator, note),
    each 3-40 code points, some overlapping when they are dense."""
    rng = random.Random(seed)
    length = len(text)
    step = max(1, length / max(n, 1))
    out = []
    for i in range(n):
        start = min(length - 2, int(i * step))
        end = min(length, start + rng.randint(3, 40))
        out.append((start, end, LABELS[i % 3], annotator, None))
    return out


def jsonl_corpus(path: Path, docs: int, spans_per_doc: int = 10, chars: int = 3000,
                 seed: int = 4) -> int:
    """Write ``docs`` JSONL records of ~``chars`` code points with ``spans_per_doc`` spans
    each (annotui's record shape, span text included); returns the file size in bytes."""
    pool = prose(400_000, seed)
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(docs):
            at = rng.randrange(0, len(pool) - chars)
            text = f"Document {i}. " + pool[at:at + chars - 16]  # unique: stored once each
            step = len(text) // spans_per_doc
            spans_out = []
            for k in range(spans_per_doc):
                start = k * step + rng.randrange(0, step // 2)
                end = start + rng.randint(3, min(40, step // 2))
                spans_out.append({"start": start, "end": end, "label": LABELS[k % 3],
                                  "text": text[start:end]})
            f.write(json.dumps({"id": f"doc-{i}", "text": text, "spans": spans_out,
                                "meta": {"source": "bench"}}, ensure_ascii=False) + "\n")
    return path.stat().st_size


# -- shared helpers -----------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def table(headers: list[str], rows: list[list[object]]) -> str:
    """A GitHub-flavoured markdown table (pasted into the README as is)."""
    cells = [[str(c) for c in row] for row in rows]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in cells]
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSES"


def env_line() -> str:
    import platform

    import textual

    return (f"python {platform.python_version()}, textual {textual.__version__}, "
            f"{os.cpu_count()} cpus, {platform.machine()}")


class Pty:
    """A child process on a pseudo-terminal of a given size; counts what it writes."""

    def __init__(self, argv: list[str], cols: int = 160, rows: int = 50,
                 env: dict[str, str] | None = None, cwd: str | None = None) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # the child
            if cwd:
                os.chdir(cwd)
            try:
                os.execvpe(argv[0], argv, {**os.environ, "TERM": "xterm-256color",
                                           "COLORTERM": "truecolor", **(env or {})})
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.output = bytearray()

    def read_until(self, needle: bytes, timeout: float = 60.0) -> float:
        """Seconds from start until ``needle`` appears in the output."""
        deadline = time.perf_counter() + timeout
        while needle not in self.output:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise TimeoutError(f"{needle!r} not seen in {timeout}s")
            if select.select([self.fd], [], [], left)[0]:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    raise TimeoutError("the child exited") from None
                self.output += chunk
        return time.perf_counter() - self.started

    def quiet(self, for_s: float = 0.3, timeout: float = 60.0) -> int:
        """Read until nothing arrives for ``for_s`` seconds; returns the bytes read."""
        n = 0
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if not select.select([self.fd], [], [], for_s)[0]:
                return n
            try:
                chunk = os.read(self.fd, 65536)
            except OSError:
                return n
            n += len(chunk)
            self.output += chunk
        return n

    def send(self, data: bytes) -> None:
        os.write(self.fd, data)

    def close(self) -> None:
        import contextlib
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def instrument(app) -> list[float]:  # type: ignore[no-untyped-def]
    """Record the end time of every frame the app renders."""
    frames: list[float] = []
    original = app._display

    def display(screen, renderable):  # type: ignore[no-untyped-def]
        original(screen, renderable)
        if renderable is not None:
            frames.append(time.perf_counter())

    app._display = display  # type: ignore[method-assign]
    return frames


async def settle(limit: float = 600.0, frames: list[float] | None = None,
                 wait: float = 0.3) -> None:
    """Until the process has been idle for two 5 ms slices (a blocking call counts busy),
    after the first frame if ``frames`` is given (waiting at most ``wait`` s for it)."""
    start = time.perf_counter()
    while frames is not None and not frames and time.perf_counter() - start < wait:
        await asyncio.sleep(0.001)
    quiet, end = 0, time.perf_counter() + limit
    while quiet < 2 and time.perf_counter() < end:
        cpu = time.process_time()
        await asyncio.sleep(0.005)
        quiet = quiet + 1 if time.process_time() - cpu < 0.0008 else 0


def tmpdir(prefix: str = "annotui-bench-") -> Path:
    """A scratch folder, removed when the script exits."""
    import atexit
    import shutil
    import tempfile

    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def venv_bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)
