"""The main screen: the reader, the annotation panel, and every labelling action.

Each action goes through the Store first; the screen repaints only after the commit
returned, so nothing is ever shown as saved that is not in SQLite. A failed commit
(locked, read-only, disk full) is reported and the selection is kept for another try.
"""

from __future__ import annotations

import contextlib
import functools
import os

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import ScreenResume
from textual.screen import Screen
from textual.widgets import Input, Static

from annotui.core import gcpause
from annotui.core.display import VisibleControls, display_text, one_line
from annotui.core.model import Document, Span
from annotui.core.schema import StoreError
from annotui.core.search import Finder
from annotui.core.spans import SpanIndex
from annotui.core.store import Store
from annotui.tui.screens.documents import DocumentActions
from annotui.tui.screens.editing import SpanEditing
from annotui.tui.screens.review import ReviewActions
from annotui.tui.screens.suggesting import SuggestionActions
from annotui.tui.screens.views import EVERYONE, AnnotatorViews
from annotui.tui.widgets.keybar import KeyBar
from annotui.tui.widgets.legend import Legend
from annotui.tui.widgets.lines import Lines
from annotui.tui.widgets.reader import Reader
from annotui.tui.widgets.span_list import SpanList, SuggestionList
from annotui.tui.widgets.topbar import TopBar

# the footer shows one "1-9 label" entry; the help screen and legend name each label.
# Not priority bindings, though they would skip the bubbling through every container (a
# fifth of the key's latency): a priority key is handled before keys typed just ahead of
# it that are still queued for the focused widget, so a fast "s1" labelled nothing.
LABEL_KEYS = [Binding(str(n), f"label({n})", "label" if n == 1 else f"label {n}", show=n == 1,
                      key_display="1-9" if n == 1 else None, id=f"label.{n}")
              for n in range(1, 10)]


MIN_SIZE = (20, 6)
# A test hook (tests/reliability): each span state appended here once it is on screen, so
# a kill -9 test can check that everything ever shown as saved is in the database.
PAINT_LOG = os.environ.get("ANNOTUI_PAINT_LOG")


def _log_painted(span_id: int, span: Span | None) -> None:
    state = "gone" if span is None else f"{span.start} {span.end} {span.label}"
    with open(PAINT_LOG or os.devnull, "a", encoding="utf-8") as log:
        log.write(f"{span_id} {state}\n")


class MainScreen(SpanEditing, SuggestionActions, DocumentActions, AnnotatorViews, ReviewActions,
                 Screen[None]):
    BINDINGS = [
        *LABEL_KEYS,
        Binding("tab", "next_span(1)", "next span", show=False, priority=True,
                id="span.next"),
        Binding("shift+tab", "next_span(-1)", "previous span", show=False, priority=True,
                id="span.previous"),
        Binding("x,delete", "delete_span", "delete", id="span.delete"),
        Binding("r", "relabel", "relabel", show=False, id="span.relabel"),
        Binding("n", "note", "note", show=False, id="span.note"),
        Binding("alt+right", "move_edge('end', 1)", "span end +word", show=False,
                id="span.end_grow"),
        Binding("alt+left", "move_edge('end', -1)", "span end -word", show=False,
                id="span.end_shrink"),
        Binding("alt+shift+left", "move_edge('start', -1)", "span start -word", show=False,
                id="span.start_grow"),
        Binding("alt+shift+right", "move_edge('start', 1)", "span start +word", show=False,
                id="span.start_shrink"),
        Binding("u,ctrl+z", "undo", "undo", id="history.undo"),
        Binding("ctrl+r,ctrl+y", "redo", "redo", show=False, id="history.redo"),
        Binding("slash", "search", "search", show=False, id="search.open"),
        Binding("ctrl+n", "search_again(1)", "next hit", show=False, id="search.next"),
        Binding("ctrl+b", "search_again(-1)", "previous hit", show=False,
                id="search.previous"),
        Binding("right_square_bracket", "document(1)", "next doc", show=False,
                id="doc.next"),
        Binding("left_square_bracket", "document(-1)", "previous doc", show=False,
                id="doc.previous"),
        Binding("D", "done", "done", id="doc.done"),
        Binding("o", "picker", "docs", id="doc.picker"),
        Binding("f", "focus_panel", "reader / span list", show=False, id="view.focus"),
        Binding("p", "toggle_panel", "panel", show=False, id="view.panel"),
        Binding("apostrophe", "next_suggestion(1)", "next suggestion", show=False,
                id="suggest.next"),
        Binding("quotation_mark", "next_suggestion(-1)", "previous suggestion", show=False,
                id="suggest.previous"),
        Binding("y", "accept_suggestion", "accept the suggestion", show=False,
                id="suggest.accept"),
        Binding("d", "dismiss_suggestion", "dismiss the suggestion", show=False,
                id="suggest.dismiss"),
        Binding("plus", "decide_all(True)", "accept all suggestions here", show=False,
                id="suggest.accept_all"),
        Binding("minus", "decide_all(False)", "dismiss all suggestions here", show=False,
                id="suggest.dismiss_all"),
        Binding("asterisk", "propagate('document')", "propose this label on every occurrence",
                show=False, id="suggest.propagate"),
        Binding("ampersand", "propagate('corpus')", "… in every document", show=False,
                id="suggest.propagate_corpus"),
        Binding("P", "patterns", "run a pattern file", show=False, id="suggest.patterns"),
        Binding("a", "accept", "accept", id="review.accept"),
        Binding("Y", "accept_agreed", "accept all agreed", id="review.accept_agreed"),
        Binding("exclamation_mark", "findings", "consistency checks of my labels",
                show=False, id="view.findings"),
        Binding("equals_sign", "agreement", "agreement between annotators", show=False,
                id="view.agreement"),
        Binding("A", "cycle_view", "whose spans: mine, everyone's, one annotator's",
                show=False, id="view.annotators"),
        Binding("question_mark", "help", "help", id="app.help"),
        # ctrl+c quits too: over SSH it is what people press first (work is saved anyway)
        Binding("q,ctrl+c", "quit", "quit", key_display="q", id="app.quit"),
    ]

    def __init__(self, store: Store, doc_id: int, cursor: int = 0, *,
                 review: bool = False) -> None:
        super().__init__()
        self.review = review
        if review:  # the reviewer sees every annotator's spans over gold's own
            self.view = EVERYONE
        self.store = store
        self.doc: Document = store.document(doc_id)
        self.index = SpanIndex()  # this annotator's spans here, shared with reader and panel
        self._first_cursor = cursor
        self._search: str = ""
        self._has_selection: bool = False
        self._footer_on_span: bool | None = None  # what the footer shows now
        self._cursor: int | None = None  # the reader's, as last reported
        self._finder: Finder | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="too-small")
        yield TopBar(id="topbar")
        with Vertical(id="body"):
            yield Reader(id="reader")
            # no-suggestions until there are some: set now, not by _refresh_panel in
            # on_mount, which would restyle the whole panel once more before the first frame
            with Vertical(id="panel", classes="no-suggestions"):
                yield Lines("spans", classes="panel-title", id="spans-title")
                yield SpanList(id="spans")
                yield Lines("suggestions", classes="panel-title", id="suggestions-title")
                yield SuggestionList(id="suggestions")
                yield Lines("labels", classes="panel-title")
                yield Legend(id="legend")
        # the search box (an Input: 4 ms) is mounted after the first frame
        yield KeyBar(id="keybar")

    def on_resize(self) -> None:
        # below 70 columns the panel goes under the reader; below 16 rows it hides (`p`);
        # below 20x6 nothing useful fits: say so instead of drawing a mess
        width, height = self.size
        self.set_class(width < 70, "narrow")
        self.set_class(width < 70 and height < 16, "short")
        tiny = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        self.set_class(tiny, "tiny")
        if tiny:
            self.query_one("#too-small", Static).update(
                f"terminal too small ({width}x{height}); annotui needs {MIN_SIZE[0]}x{MIN_SIZE[1]}")

    @functools.cached_property
    def reader(self) -> Reader:
        # asked on every key: one DOM query for the screen's life, not one per use
        return self.query_one(Reader)

    @functools.cached_property
    def _panel(self) -> tuple[SpanList, Legend, Lines, SuggestionList, Lines, Vertical]:
        # the panel's parts, refreshed on every change: found once, like the reader
        return (self.query_one("#spans", SpanList), self.query_one(Legend),
                self.query_one("#spans-title", Lines), self.query_one(SuggestionList),
                self.query_one("#suggestions-title", Lines),
                self.query_one("#panel", Vertical))

    _resumed = False

    def on_screen_resume(self, event: ScreenResume) -> None:
        # The first resume follows the mount, which styled every widget: Textual's full
        # restyle of the screen there (before the first frame) would be a second one. Runs
        # before Textual's own handler (subclass first); later resumes, after a dialog,
        # restyle as usual.
        if not self._resumed:
            self._resumed = True
            event.refresh_styles = False

    def on_mount(self) -> None:
        self.reader.listener = self._reader_changed  # the panel follows in the same frame
        self.show_document(self.doc.id, self._first_cursor, first=True)
        self.reader.focus()
        self.call_after_refresh(self._search_box, make=True)

    # -- showing --------------------------------------------------------------------

    def show_document(self, doc_id: int, cursor: int | None = None, *,
                      first: bool = False) -> None:
        self._save_position()
        # 100,000 spans are 100,000 tuples and no cycle. The first document's are frozen
        # with the app (which lives as long), so no collection walks them again: a tenth
        # of a second saved at each full collection with a span-dense document open.
        with gcpause.paused(freeze=first):
            self.doc = self.store.document(doc_id)
            self.index = SpanIndex(self.view_spans(doc_id))
            self.suggested = self.reader.suggested = self.load_suggestions(doc_id)
        if cursor is None:
            cursor = self.store.position(doc_id)
        self.reader.me = self.painted_as_mine()
        self.reader.load(self.doc.text, self.index, self.store.labels(), cursor)
        self._cursor = self.reader.cursor
        self._refresh_panel()
        self._refresh_topbar()
        with contextlib.suppress(StoreError):  # only the resume point would be lost
            self.store.save_position(doc_id, self.reader.cursor)
        self._update_bindings()  # the cursor may open on a span: x, r, n apply at once

    def _refresh_panel(self, current: int | None = None) -> None:
        labels = self.store.labels()
        if current is None:
            under = self._span_under_cursor()
            current = under.id if under else None
        spans, legend, spans_title, suggestions, suggestions_title, panel = self._panel
        spans.show(self.index, self.doc.text, labels, self.store.annotator, current)
        legend.show(labels, self.index.counts)
        spans_title.set_rows([self.panel_title()])
        offered = len(self.suggested)
        suggestions.show(self.suggested, self.doc.text, labels, self.store.annotator)
        suggestions_title.set_rows([f"suggestions · {offered}  ' next · y accept · d dismiss"])
        panel.set_class(not offered, "no-suggestions")

    def _refresh_topbar(self) -> None:
        position, total, done = self.store.progress(self.doc.id)
        self.query_one(TopBar).show(
            title=self.doc.title, position=position, total=total, done=done,
            status=self.store.status(self.doc.id), annotator=self.store.annotator,
            database=self.store.path.name, readonly=self.store.readonly,
            view=self.view_name())

    def _reload_span(self, span_id: int, current: int | None = None,
                     fresh: Span | None = None) -> None:
        """After a commit: read back the one span that changed (it may be gone; ``fresh``
        when the commit returned it), repaint the rows it covered and covers, update the
        panel. Nothing here reads every span."""
        old = self.index.get(span_id)
        span: Span | None = fresh
        if span is None:
            try:
                span = self.store.span(span_id)
            except StoreError:
                span = None
        if span is not None and (span.document_id != self.doc.id or not self.in_view(span)):
            span = None
        self.index.replace(span_id, span)  # in place: the reader and panel share it
        changed = [(s.start, s.end) for s in (old, span) if s is not None]
        if changed:
            self.reader.set_spans(self.index, changed)
        self._refresh_panel(current)
        if PAINT_LOG:
            self.call_after_refresh(_log_painted, span_id, span)
        self._update_bindings()

    def _span_under_cursor(self) -> Span | None:
        """The span the user means: the one focused in the panel, else under the cursor."""
        panel = self._panel[0]
        if panel.has_focus and panel.current is not None:
            return self.reader.index.get(panel.current)
        found = self.reader.index.at(self.reader.cursor)
        if not found and self.reader.cursor > 0:
            found = self.reader.index.at(self.reader.cursor - 1)
        # in everyone's view, my span first: the edit keys act on it
        mine = [s for s in found if s.annotator == self.store.annotator]
        return (mine or found or [None])[0]

    def notify(self, message: str, *, title: str = "", severity="information",  # type: ignore[override]
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications carry document text, label names and error messages: never markup
        (``[@click=app.quit]`` in an article must stay text), never raw control characters."""
        super().notify(display_text(message), title=title, severity=severity,
                       timeout=timeout, markup=markup)

    def _commit(self, what: str, action):  # type: ignore[no-untyped-def]
        """Run one store intent; on failure say why and change nothing on screen."""
        try:
            return action()
        except StoreError as exc:
            self.notify(f"{what} not saved: {exc}", severity="error", timeout=6)
            return None

    # -- reader events --------------------------------------------------------------

    def _reader_changed(self, event: Reader.CursorMoved | Reader.SelectionChanged) -> None:
        if isinstance(event, Reader.CursorMoved):
            self._cursor_moved(event)
        else:
            self._selection_changed(event)

    def _cursor_moved(self, event: Reader.CursorMoved) -> None:
        self._cursor = event.offset
        under = self._span_under_cursor()
        self._panel[0].point_at(under.id if under else None)
        if (under is not None) != self._footer_on_span:
            self._update_bindings()
        self._schedule_position_save()

    def _selection_changed(self, event: Reader.SelectionChanged) -> None:
        # the footer only changes when a selection appears or goes, not as it grows
        if (event.selection is not None) != self._has_selection:
            self._has_selection = event.selection is not None
            self._update_bindings()

    @on(SuggestionList.Focused)
    def _suggestion_focused(self, event: SuggestionList.Focused) -> None:
        found = self.suggested.get(event.span_id)
        if found is not None:
            self.reader.select(found.start, found.end)

    @on(SpanList.Focused)
    def _span_focused(self, event: SpanList.Focused) -> None:
        span = self.reader.index.get(event.span_id)
        if span is not None:
            self.reader.move_to(span.start)

    def _update_bindings(self) -> None:
        """Grey or ungrey the footer's span keys in the same frame as the change that
        caused it (after the refresh would cost a second frame, a third of labelling a
        span); nothing happens when what the footer shows is unchanged."""
        on_span = self._span_under_cursor() is not None
        if on_span != self._footer_on_span:
            self._footer_on_span = on_span
            self.refresh_bindings()

    def keybar_state(self) -> object:
        """What check_action's answers depend on besides the focused widget (the key bar
        remembers them by it): whether there is a span to act on (review is fixed)."""
        return self._span_under_cursor() is not None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("accept", "accept_agreed"):
            return self.review  # review mode's keys: hidden and inert elsewhere
        if action in ("delete_span", "relabel", "note", "move_edge"):
            # asked live, so a key pressed before the footer caught up still works
            return True if self._span_under_cursor() is not None else None
        if action == "redo" or action == "undo":
            return True
        return True

    _position_timer = None

    def _schedule_position_save(self) -> None:
        # the resume position is a convenience, not a change: saved at most twice a second
        if self._position_timer is not None:
            self._position_timer.stop()
        self._position_timer = self.set_timer(0.5, self._save_position)

    def on_unmount(self) -> None:
        # quitting, or a SIGHUP/SIGTERM exit: keep the resume point of the last moves
        if self._position_timer is not None:
            self._position_timer.stop()
        self._save_position()
        gcpause.thaw()  # what opening froze (show_document) lived as long as this screen

    def _save_position(self) -> None:
        # from the last CursorMoved, not the reader: on unmount the reader is gone already
        if self._cursor is not None:
            # a read-only or busy database only loses the resume point
            with contextlib.suppress(StoreError):
                self.store.save_position(self.doc.id, self._cursor)

    # -- search ---------------------------------------------------------------------

    def _search_box(self, *, make: bool = False) -> Input | None:
        box = next(self.query("#search").results(Input), None)
        if box is None and make and self.is_attached:  # not when quit before the first frame
            box = Input(placeholder="search this document; enter finds, escape closes",
                        highlighter=VisibleControls(), id="search")
            self.mount(box, before=self.query_one(KeyBar))
        return box

    def action_search(self) -> None:
        box = self._search_box(make=True)
        assert box is not None
        box.add_class("open")
        box.value = self._search
        # at once, not after the keys the app has queued meanwhile: those go to the box.
        # (Keys it has already handed to the reader, in a burst or a paste, still act
        # there: `/` runs only once it has bubbled up to the screen's binding.)
        self.set_focus(box)

    @on(Input.Submitted, "#search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        self._search = event.value
        self._close_search()
        self.action_search_again(1)

    def _close_search(self) -> None:
        box = self._search_box()
        if box is not None:
            box.remove_class("open")
        self.reader.focus()

    def key_escape(self) -> None:
        box = self._search_box()
        if box is not None and box.has_class("open"):
            self._close_search()
        elif self.query_one(SpanList).has_focus:
            self.reader.focus()

    def action_search_again(self, direction: int) -> None:
        if not self._search:
            self.action_search()
            return
        if self._finder is None or self._finder.text is not self.doc.text:
            self._finder = Finder(self.doc.text)
        hit = self._finder.find(self._search, self.reader.cursor, self.reader.selection,
                                direction)
        if hit is None:
            self.notify(f"not found: {one_line(self._search, 40)}", severity="warning",
                        timeout=3)
            return
        self.reader.select(*hit)
