"""The one keymap: every binding of the reader and the main screen, for the help screen,
the command palette and the README (a test keeps the README's table equal to this)."""

from __future__ import annotations

from textual.binding import Binding

KEY_NAMES = {
    "slash": "/", "question_mark": "?", "right_square_bracket": "]",
    "left_square_bracket": "[", "delete": "delete", "escape": "escape",
    "semicolon": ";", "comma": ",", "equals_sign": "=",
    "apostrophe": "'", "quotation_mark": '"', "plus": "+", "minus": "-", "asterisk": "*",
    "ampersand": "&", "exclamation_mark": "!",
}


def key_text(binding: Binding) -> str:
    """How a binding's keys are written for people: ``x / delete``."""
    return " / ".join(KEY_NAMES.get(k.strip(), k.strip()) for k in binding.key.split(","))


def bindings() -> list[Binding]:
    """Every annotui binding, reader first, in declaration order."""
    from annotui.tui.screens.main_screen import MainScreen
    from annotui.tui.widgets.reader import Reader

    return [b for b in (*Reader.BINDINGS, *MainScreen.BINDINGS) if isinstance(b, Binding)]


def rows() -> list[tuple[str, str, str]]:
    """(keys, what it does, binding id) for each binding, with the label keys folded."""
    out: list[tuple[str, str, str]] = []
    for binding in bindings():
        if binding.id and binding.id.startswith("label.") and binding.id != "label.1":
            continue
        if binding.id == "label.1":
            out.append(("1 … 9", "label the selection with label 1 … 9", "label"))
            continue
        out.append((key_text(binding), binding.description, binding.id or ""))
    return out


def markdown_table() -> str:
    lines = ["| keys | action |", "| --- | --- |"]
    for keys, description, _ in rows():
        shown = keys.replace("|", "\\|")
        lines.append(f"| `{shown}` | {description} |")
    return "\n".join(lines)
