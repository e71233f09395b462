"""annotui: a keyboard-driven terminal reader and span annotator."""

__version__ = "0.1.0"
