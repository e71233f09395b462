"""Writing an export file so that a crash leaves the old file or a complete new one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from annotui.core.schema import StoreError


@contextlib.contextmanager
def atomic_text(path: Path) -> Iterator[TextIO]:
    """Yield a text stream whose content replaces ``path`` only when the block succeeds.

    The temporary file sits in the target's folder (a rename across filesystems is not
    atomic), is fsynced before the rename, and gets the permissions a plain ``open``
    would have given (mkstemp's 0600 would surprise the user's team).
    """
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise StoreError(f"{path}: is a directory")
    if not folder.is_dir():
        why = "is not a folder" if folder.exists() else "does not exist"
        raise StoreError(f"{path}: {folder} {why}")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name[:200]}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise StoreError(f"{path}: cannot write there ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
