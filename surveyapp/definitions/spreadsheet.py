"""Spreadsheet cells: the one home of the rule that keeps exported text inert, and the CSV/XLSX writers.

Rule (OWASP "CSV Injection"): a text cell whose first character is ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return may be evaluated as a formula by Excel, LibreOffice or Google Sheets. Such text
is written with a leading apostrophe (``'=HYPERLINK(…)``) so that it is shown, not run; in XLSX the
cell is also typed as a string. Numbers (``int``/``float``, not ``bool``) stay numbers and dates stay
dates: only text is ever prefixed, so ``-3`` as a number is a number and ``"-3"`` as text is inert text.

Every export writes through ``cell_text`` (CSV) or ``write_xlsx`` (XLSX); nothing else decides.
CSV files start with a UTF-8 byte-order mark so Excel on Chinese Windows reads them as UTF-8.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Iterator
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CSV_MIMETYPE = "text/csv; charset=utf-8"  # the one Content-Type of every CSV download (one charset)
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_COLUMN_WIDTH = 60


def is_number(value: Any) -> bool:
    """True for a finite int or float that is not a bool (written as a typed number cell)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def inert_text(text: str) -> str:
    """``text`` made inert for a spreadsheet: prefixed with ``'`` when it starts with a formula trigger."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def cell_text(value: Any) -> str:
    """A value as a CSV field: None → "", numbers as written, dates in ISO 8601, text made inert."""
    if value is None:
        return ""
    if is_number(value):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return inert_text(str(value))


def csv_chunks(rows: Iterable[Iterable[Any]], bom: bool = True, rows_per_chunk: int = 1000) -> Iterator[str]:
    """CSV text in chunks (a BOM first when ``bom``); every field through ``cell_text``."""
    buffer = io.StringIO()
    if bom:
        buffer.write(BOM)
    writer = csv.writer(buffer)
    for count, row in enumerate(rows, start=1):
        writer.writerow([cell_text(value) for value in row])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_text(rows: Iterable[Iterable[Any]]) -> str:
    """The whole CSV (with BOM) as one string."""
    return "".join(csv_chunks(rows))


def xlsx_cell(sheet, value: Any):
    """A write-only openpyxl cell for ``value``: numbers and dates typed, text inert and typed string."""
    from openpyxl.cell import WriteOnlyCell

    if value is None or is_number(value) or isinstance(value, dt.datetime | dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        return cell
    cell = WriteOnlyCell(sheet, value=inert_text(str(value)))
    cell.data_type = "s"  # never a formula, whatever the text
    return cell


def write_xlsx(rows: Iterable[Iterable[Any]], title: str, path: str) -> None:
    """Write ``rows`` (the first is the header) to ``path``: frozen header, column widths from the first
    rows (at most ``MAX_COLUMN_WIDTH`` characters), every cell through ``xlsx_cell``. Streams (write-only)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(title or "sheet")[:31])
    sheet.freeze_panes = "A2"
    iterator = iter(rows)
    head: list[list[Any]] = []
    for row in iterator:  # widths are decided before the first row is written (write-only mode)
        head.append(list(row))
        if len(head) >= 200:
            break
    widths: dict[int, int] = {}
    for row in head:
        for index, value in enumerate(row):
            shown = cell_text(value)
            width = sum(2 if ord(ch) > 0x2E7F else 1 for ch in shown) + 2
            widths[index] = min(MAX_COLUMN_WIDTH, max(widths.get(index, 8), width))
    from openpyxl.utils import get_column_letter

    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index + 1)].width = width
    bold = Font(bold=True)
    for number, row in enumerate(head):
        cells = [xlsx_cell(sheet, value) for value in row]
        if number == 0:
            for cell in cells:
                cell.font = bold
        sheet.append(cells)
    for row in iterator:
        sheet.append([xlsx_cell(sheet, value) for value in row])
    workbook.save(path)


# -- reading a CSV file saved by a spreadsheet --------------------------------------------------------
