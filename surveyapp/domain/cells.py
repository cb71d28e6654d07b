"""Spreadsheet cells that stay data: the OWASP "CSV injection" rule.

Source: OWASP, *CSV Injection* (https://owasp.org/www-community/attacks/CSV_Injection): a cell that
begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote so
that Excel, LibreOffice and WPS show it as text instead of evaluating it.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """``value`` as text, prefixed with ``'`` when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
