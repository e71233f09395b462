"""HTML pages: the main text (readability-lxml), as paragraphs, with the page's title.

One file is one document. The page is decoded by its byte-order mark, else by the charset
its ``<meta>`` (or XML declaration) states, else by ``--encoding``; an explicit
``--encoding`` other than the default UTF-8 wins over a ``<meta>`` that lies. readability
picks the article out of the navigation, footers and ads; its HTML becomes plain text
with one paragraph per block (``p``, ``h1``-``h6``, ``li``, ``blockquote``, ``pre``, ...),
paragraphs separated by a blank line and ``<br>`` kept as a line break. White space is
collapsed the way a browser collapses it (ASCII white space only: ``&nbsp;`` stays
U+00A0) except inside ``<pre>``. The result is normalised like every imported text.

readability-lxml is an optional extra (``annotui[html]``); without it, importing an HTML
file stops with a one-line :class:`FormatError` naming the command to run.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterator
from typing import Any

from annotui.core.formats import FormatError, Reader, Record, RecordError, Source
from annotui.core.text import DecodeError, normalize_bytes, normalize_text

__all__ = ["MISSING_EXTRA", "NO_TEXT", "decode_html", "html_to_text", "read_html"]

MISSING_EXTRA = "HTML import needs an extra: pip install 'annotui[html]'"
NO_TEXT = "no main text found"

# where a browser looks for a <meta charset> before parsing (the spec says 1024 bytes)
_PRESCAN = 4096
_META_CHARSET = re.compile(
    rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9_:.+-]+)""")
# labels the WHATWG Encoding Standard maps to a superset (pages labelled Latin-1 are
# really Windows-1252 and carry its curly quotes in 0x80-0x9F)
_SUPERSETS = {"latin_1": "cp1252", "ascii": "cp1252", "gb2312": "gb18030", "gbk": "gb18030"}
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))

# ASCII white space, which HTML collapses; U+00A0 and the other Unicode spaces it keeps
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
    "details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer",
    "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "li",
    "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot",
    "th", "thead", "tr", "ul",
})
_SKIP = frozenset({"script", "style", "noscript", "template", "head", "title", "iframe",
                   "object", "svg", "math"})


def _declared(data: bytes) -> str | None:
    """The codec a page declares in its first bytes, if Python knows it."""
    head = data[:_PRESCAN]
    found = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if found is None:
        return None
    try:
        name = codecs.lookup(found.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    name = {"iso8859-1": "latin_1", "us-ascii": "ascii"}.get(name, name)
    if name.startswith("utf-16") or name.startswith("utf-32"):
        # a page whose bytes could be read to find this declaration is not UTF-16
        return "utf-8"
    return _SUPERSETS.get(name, name)


def decode_html(data: bytes, encoding: str = "utf-8") -> tuple[str, str]:
    """(text, codec used): by BOM, else ``encoding`` if not UTF-8, else ``<meta>``.

    Raises :class:`DecodeError` with a one-line reason.
    """
    try:
        given = codecs.lookup(encoding).name
    except LookupError:
        raise DecodeError(f"unknown encoding {encoding!r}") from None
    codec = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if codec is None:
        codec = given if given != "utf-8" else _declared(data) or given
    try:
        return normalize_bytes(data, codec), codec
    except DecodeError as exc:
        if codec != given:
            raise DecodeError(f"{exc} (the page declares charset {codec})") from None
        raise


def _spaces(text: str) -> str:
    return _HTML_SPACE.sub(" ", text)


def html_to_text(root: Any) -> str:
    """Plain text of an lxml element: one paragraph per block, separated by a blank line."""
    paragraphs: list[str] = []
    lines: list[list[str]] = [[]]   # the paragraph being built; <br> starts a new line

    def flush() -> None:
        text = "\n".join(_spaces("".join(line)).strip(" ") for line in lines).strip("\n ")
        if text.strip():
            paragraphs.append(text)
        lines[:] = [[]]

    def walk(element: Any) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else None
        # comments, processing instructions and scripts add nothing but their tail
        if tag == "pre":
            flush()
            body = element.text_content()
            body = body[1:] if body.startswith("\n") else body
            if body.strip():
                paragraphs.append(body.rstrip())
        elif tag == "br":
            lines.append([])
        elif tag is not None and tag not in _SKIP:
            block = tag in _BLOCKS
            if block:
                flush()
            if element.text:
                lines[-1].append(element.text)
            for child in element:
                walk(child)
            if block:
                flush()
        if element.tail:
            lines[-1].append(element.tail)

    walk(root)
    flush()
    return "\n\n".join(paragraphs)


def _extract(page: str) -> tuple[str, str | None]:
    """(main text, title) of a decoded page; raises FormatError without the extra."""
    try:
        import lxml.etree
        import lxml.html
        from readability import Document
        from readability.readability import Unparseable
    except ImportError:
        raise FormatError(MISSING_EXTRA) from None
    # readability logs a traceback before raising Unparseable; the reason is reported here
    logger = logging.getLogger("readability")
    if not any(isinstance(h, logging.NullHandler) for h in logger.handlers):
        logger.addHandler(logging.NullHandler())
    document = Document(page)
    try:
        title = _spaces(document.short_title() or "").strip() or None
        summary = document.summary(html_partial=True)
    except (Unparseable, ValueError, lxml.etree.LxmlError):  # "Document is empty"
        return "", None
    if not summary or not summary.strip():
        return "", title
    try:
        root = lxml.html.fragment_fromstring(summary, create_parent="div")
    except (ValueError, lxml.etree.LxmlError):
        return "", title
    if title is None:  # no <title>: the article's first heading
        heading = next(root.iter("h1", "h2"), None)
        if heading is not None:
            title = _spaces(heading.text_content()).strip() or None
    return html_to_text(root), title


def read_html(source: Source) -> Iterator[Record | RecordError]:
    """Read one HTML page as one document (see the module docstring)."""
    try:
        page, _ = decode_html(source.stream.read(), source.encoding)
    except DecodeError as exc:
        yield RecordError(str(exc), fatal=True)
        return
    text, title = _extract(page) if page.strip() else ("", None)
    text = normalize_text(text)
    if not text.strip():
        yield RecordError(NO_TEXT, fatal=True)
        return
    if "\x00" in text:
        yield RecordError(f"the main text contains a NUL character at {text.index(chr(0))}",
                          fatal=True)
        return
    stem = source.path.stem if source.path is not None else None
    origin = source.name if source.path is not None else None
    yield Record(text=text, key=source.key, title=title or stem, source=origin,
                 meta={"format": "html"})


READERS = [Reader("html", (".html", ".htm"), read_html,
                  "an HTML page's main text and title (extra: annotui[html])")]
