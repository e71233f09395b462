"""The model: storage, text geometry and formats. Never imports Textual."""
