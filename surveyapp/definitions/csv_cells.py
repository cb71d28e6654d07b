"""Spreadsheet-safe CSV cells (OWASP "CSV Injection"): text a spreadsheet would read as a formula
(starting with = + - @, a tab or a carriage return) gets a leading apostrophe, so it shows as text."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` unchanged unless it is text starting like a formula, then prefixed with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row) -> list:
    return [safe_cell(value) for value in row]
