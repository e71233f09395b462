"""HTML import: the article's main text and title, nothing of the page around it."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from annotui.cli import cli
from annotui.core.formats import READERS, FormatError, Record, RecordError, Source
from annotui.core.formats import html as html_format
from annotui.core.importer import import_paths
from annotui.core.store import Store

import readability  # noqa: E402,F401  (in the test extras)

ARTICLE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Council backs the bridge &amp; tunnel plan – The Daily Example</title>
<script>var tracking = "SCRIPT-IN-HEAD";</script>
<style>.ad { color: red }</style>
</head>
<body>
<nav class="menu"><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/sport">Sport</a></li><li><a href="/about">About us</a></li></ul></nav>
<div class="ad banner" id="ad-top">ADVERT: Buy one, get one free at MegaStore!</div>
<article class="story">
<h1>Council backs the bridge &amp; tunnel plan</h1>
<p>The city council voted on Tuesday to back the long-debated bridge &amp; tunnel plan,
ending   a decade of argument over how to cross the river. “We will start building next
spring,” the mayor said after the vote.</p>
<p>The project will cost 2.4&nbsp;billion euros and take six years. Critics said the
estimate was “optimistic at best” and asked for an independent review 🧐 before any
contract is signed.</p>
<script>document.write("SCRIPT-IN-BODY");</script>
<p>Residents of the east bank, who now drive 40&nbsp;minutes to reach the centre,
welcomed the decision. “It changes everything for us,” said one shop owner 👩‍🔧.</p>
</article>
<aside class="sidebar"><h3>Most read</h3><ul><li><a href="/a">Ten things to do</a></li>
<li><a href="/b">Weather warning</a></li></ul></aside>
<footer class="site-footer"><p>© 2024 The Daily Example. All rights reserved.
<a href="/privacy">Privacy</a></p></footer>
</body>
</html>
"""

PARAGRAPHS = [
    "The city council voted on Tuesday to back the long-debated bridge & tunnel plan,"
    " ending a decade of argument over how to cross the river. “We will start building"
    " next spring,” the mayor said after the vote.",
    "The project will cost 2.4\u00a0billion euros and take six years. Critics said the"
    " estimate was “optimistic at best” and asked for an independent review 🧐 before any"
    " contract is signed.",
    "Residents of the east bank, who now drive 40\u00a0minutes to reach the centre,"
    " welcomed the decision. “It changes everything for us,” said one shop owner 👩‍🔧.",
]


def read(data: bytes, path: Path | None = None, encoding: str = "utf-8"
         ) -> list[Record | RecordError]:
    name = str(path) if path is not None else "<stdin>"
    key = path.stem if path is not None else None
    return list(html_format.read_html(Source(name, io.BytesIO(data), path, key, encoding)))


def test_registered_for_html_and_htm() -> None:
    assert READERS["html"].extensions == (".html", ".htm")


def test_article_page_is_one_document_with_title_and_paragraphs(tmp_path: Path) -> None:
    page = tmp_path / "bridge.html"
    page.write_text(ARTICLE, encoding="utf-8")
    [record] = read(page.read_bytes(), page)
    assert isinstance(record, Record)
    assert record.title == "Council backs the bridge & tunnel plan"
    assert record.meta == {"format": "html"}
    assert record.source == str(page)
    assert record.key == "bridge"
    paragraphs = record.text.split("\n\n")
    # the heading may stay in the text; the article's paragraphs follow, exactly
    assert paragraphs[-3:] == PARAGRAPHS
    assert paragraphs[:-3] in ([], ["Council backs the bridge & tunnel plan"])
    for junk in ("Home", "About us", "ADVERT", "SCRIPT-IN", "tracking", "color: red",
                 "Most read", "Weather warning", "All rights reserved", "Privacy", "&amp;",
                 "&nbsp;", "\r", "\n\n\n"):
        assert junk not in record.text, junk


def test_article_imports_through_the_cli(tmp_path: Path) -> None:
    page = tmp_path / "bridge.htm"
    page.write_text(ARTICLE.replace("\n", "\r\n"), encoding="utf-8")
    db = tmp_path / "a.db"
    result = CliRunner().invoke(cli, ["import", str(page), "--db", str(db)],
                                env={"ANNOTUI_ANNOTATOR": "ana"})
    assert result.exit_code == 0, result.output
    with Store(db, annotator="ana") as store:
        [doc] = list(store.iter_documents())
        assert doc.title == "Council backs the bridge & tunnel plan"
        assert doc.text.split("\n\n")[-3:] == PARAGRAPHS
        assert doc.meta.get("format") == "html"
        assert doc.source == str(page)


@pytest.mark.parametrize("body", [
    b"",
    b"<html><head><title>Only a title</title></head><body></body></html>",
    b"<html><body><script>var x = 'not text';</script><img src=a.png>&nbsp;</body></html>",
    b"<!-- nothing but a comment -->",
])
def test_page_without_text_is_reported(body: bytes) -> None:
    [error] = read(body)
    assert isinstance(error, RecordError)
    assert error.reason == "no main text found"
    assert error.fatal


def test_empty_page_is_named_by_the_importer(tmp_path: Path) -> None:
    page = tmp_path / "empty.html"
    page.write_bytes(b"<html><body><script>x=1</script></body></html>")
    with Store(tmp_path / "a.db", annotator="ana") as store:
        report = import_paths(store, [str(page)])
        assert report.errors == [f"{page}: no main text found"]
        assert report.documents_added == 0


LATIN = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset={}">'
         "<title>Café crème</title></head><body><p>“Un café crème à Zürich coûte"
         " 5 €,” dit-il.</p></body></html>")
LATIN_TEXT = "“Un café crème à Zürich coûte 5 €,” dit-il."


# a page labelled Latin-1 is read as Windows-1252, as browsers do (its curly quotes and €)
@pytest.mark.parametrize("charset", ["windows-1252", "iso-8859-1", "ISO-8859-1", "latin1"])
def test_meta_charset_decides_the_decoding(charset: str) -> None:
    data = LATIN.format(charset).encode("cp1252")
    [record] = read(data)
    assert isinstance(record, Record), record
    assert record.text == LATIN_TEXT
    assert record.title == "Café crème"


def test_meta_charset_koi8_and_html5_form() -> None:
    data = '<meta charset="koi8-r"><p>Привет, мир! Как дела?</p>'.encode("koi8-r")
    [record] = read(data)
    assert isinstance(record, Record)
    assert record.text == "Привет, мир! Как дела?"


def test_explicit_encoding_wins_over_a_lying_meta() -> None:
    data = LATIN.format("utf-8").encode("cp1252")
    [error] = read(data)
    assert isinstance(error, RecordError) and "not valid UTF-8" in error.reason
    [record] = read(data, encoding="cp1252")
    assert isinstance(record, Record) and record.text == LATIN_TEXT


def test_utf8_bom_wins() -> None:
    data = b"\xef\xbb\xbf" + LATIN.format("iso-8859-1").encode("utf-8")
    [record] = read(data)
    assert isinstance(record, Record) and record.text == LATIN_TEXT


def test_blocks_line_breaks_and_pre() -> None:
    import lxml.html

    # what readability hands over is converted block by block (its choice of blocks aside)
    page = ("<div><h2>Setup</h2><p>First line<br>second \t  line</p>"
            "<ul><li>one item</li><li>two <b>bold</b> items</li></ul><!-- a comment -->"
            "<blockquote><p>quoted words</p></blockquote><script>x = 1</script>"
            "<pre>\n  def f():\n      return 1\n</pre></div>")
    text = html_format.html_to_text(lxml.html.fragment_fromstring(page))
    assert text == ("Setup\n\nFirst line\nsecond line\n\none item\n\ntwo bold items"
                           "\n\nquoted words\n\n  def f():\n      return 1")


def test_missing_extra_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "readability", None)  # import readability fails
    with pytest.raises(FormatError) as caught:
        read(ARTICLE.encode())
    assert str(caught.value) == "HTML import needs an extra: pip install 'annotui[html]'"


def test_missing_extra_through_the_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "readability", None)
    page = tmp_path / "bridge.html"
    page.write_text(ARTICLE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(page), "--db", str(tmp_path / "a.db")],
                                env={"ANNOTUI_ANNOTATOR": "ana"})
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["Error: HTML import needs an extra: pip install 'annotui[html]'"]


def test_trafilatura_is_not_used() -> None:
    source = Path(html_format.__file__).read_text(encoding="utf-8")
    assert "trafilatura" not in source


def test_title_falls_back_to_the_heading_then_the_file_name(tmp_path: Path) -> None:
    body = ("<p>Some body text that is long enough to count as the article's paragraph,"
            " honestly it is.</p>")
    [record] = read(f"<article><h2>A heading here</h2>{body}</article>".encode())
    assert isinstance(record, Record) and record.title == "A heading here"
    page = tmp_path / "no-title.html"
    page.write_text(body, encoding="utf-8")
    [record] = read(page.read_bytes(), page)
    assert isinstance(record, Record) and record.title == "no-title"
