"""Text bound for a spreadsheet (CSV, XLSX): shown as typed, never run as a formula."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value) -> str:
    """A cell a spreadsheet would read as a formula gets a leading apostrophe."""
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text
