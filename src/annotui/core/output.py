"""Writing an export so that a crash leaves the old file (or folder) or a complete new one."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from annotui.core.schema import StoreError


def _folder_of(path: Path) -> Path:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        why = "is not a folder" if folder.exists() else "does not exist"
        raise StoreError(f"{path}: {folder} {why}")
    return folder


def _normal_mode(full: int = 0o666) -> int:
    # what a plain open()/mkdir() would give: mkstemp's 0600 would surprise the user's team
    umask = os.umask(0)
    os.umask(umask)
    return full & ~umask


@contextlib.contextmanager
def atomic_file(path: Path, *, binary: bool = False) -> Iterator[IO[Any]]:
    """Yield a stream whose content replaces ``path`` only when the block succeeds.

    The temporary file sits in the target's folder (a rename across filesystems is not
    atomic) and is fsynced before the rename.
    """
    if path.is_dir():
        raise StoreError(f"{path}: is a directory")
    folder = _folder_of(path)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name[:200]}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise StoreError(f"{path}: cannot write there ({exc.strerror})") from None
    try:
        opened = os.fdopen(fd, "wb") if binary else \
            os.fdopen(fd, "w", encoding="utf-8", newline="\n")
        with opened as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, _normal_mode())
        os.replace(temp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        # a failed write (disk full, file too large) names no file by itself
        raise StoreError(f"{path}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def atomic_text(path: Path) -> contextlib.AbstractContextManager[IO[str]]:
    return atomic_file(path)


@contextlib.contextmanager
def atomic_folder(path: Path) -> Iterator[Path]:
    """Yield an empty folder that replaces the folder ``path`` when the block succeeds.

    Two renames (old aside, new in place) instead of one: POSIX cannot atomically swap
    a non-empty directory, but at every moment either the old or the new folder is whole.
    """
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path}: exists and is not a folder")
    parent = _folder_of(path)
    try:
        temp = Path(tempfile.mkdtemp(prefix=f".{path.name[:200]}.", dir=parent))
    except OSError as exc:
        raise StoreError(f"{path}: cannot write there ({exc.strerror})") from None
    try:
        yield temp
        os.chmod(temp, _normal_mode(0o777))
        if path.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{path.name[:200]}.old.", dir=parent))
            os.rmdir(aside)
            os.replace(path, aside)
            os.replace(temp, path)
            shutil.rmtree(aside, ignore_errors=True)
        else:
            os.replace(temp, path)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
