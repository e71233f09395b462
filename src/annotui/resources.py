"""Find the bundled ``styles/`` and ``data/`` folders.

In a wheel they are force-included inside the package (``annotui/styles``); in a checkout
or an editable install they sit at the repository root, two levels above this file.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"annotui's {name}/ folder is missing from this installation")


def data_dir() -> Path:
    """The folder with the sample article and the default labels."""
    return _find("data")


def styles_dir() -> Path:
    """The folder with annotui's .tcss files."""
    return _find("styles")


def sample_article() -> Path:
    return data_dir() / "sample-article.txt"


def default_labels() -> Path:
    return data_dir() / "labels.toml"
