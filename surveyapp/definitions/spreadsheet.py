"""Spreadsheet cells: the one home of the rule that keeps exported text inert, and the CSV/XLSX writers.

Rule (OWASP "CSV Injection"): a text cell whose first character is ``=``, ``+``, ``-``, ``@``, a tab
or a carriage return may be evaluated as a formula by Excel, LibreOffice or Google Sheets. Such text
is written to CSV with a leading apostrophe (``'=HYPERLINK(…)``) so that it is shown, not run; text
that already starts with apostrophes before such a character gets one more, so that reading the file
back (``restore_text``, every CSV import through ``csv_dicts``) removes exactly the one the export added
and an export → import round trip is exact. In XLSX the text is written as it is, as a string cell
(never a formula; ``quotePrefix`` set so that editing the cell in Excel keeps it text). Numbers
(``int``/``float``, not ``bool``) stay numbers and dates stay dates: only text is ever prefixed, so
``-3`` as a number is a number and ``"-3"`` as text is inert text.

Every export writes through ``cell_text`` (CSV) or ``write_xlsx`` / ``type_text_cells`` (XLSX), and
every CSV import reads through ``csv_dicts``; nothing else decides.
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


def needs_quote(text: str) -> bool:
    """True when ``text``, once its leading apostrophes are set aside, starts with a formula trigger: such
    text gets the protecting apostrophe in CSV (and ``quotePrefix`` in XLSX)."""
    return text.lstrip("'").startswith(FORMULA_TRIGGERS)


def inert_text(text: str) -> str:
    """``text`` made inert for a CSV cell: one ``'`` added when ``needs_quote`` (``=1`` → ``'=1``,
    ``'=1`` → ``''=1``); other text unchanged. The inverse is ``restore_text``."""
    return "'" + text if needs_quote(text) else text


def restore_text(text: str) -> str:
    """The text a CSV cell written by ``inert_text`` stood for: one leading ``'`` removed when the rest
    ``needs_quote`` (``'=1`` → ``=1``, ``''=1`` → ``'=1``); anything else (``'quoted'``, ``-3``) unchanged.
    ``restore_text(inert_text(t)) == t`` for every string ``t``."""
    return text[1:] if text.startswith("'") and needs_quote(text[1:]) else text


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
    """A write-only openpyxl cell for ``value``: numbers and dates typed; text as it is, typed string (never a
    formula, no visible apostrophe; ``quotePrefix`` when it starts like a formula)."""
    from openpyxl.cell import WriteOnlyCell

    if value is None or is_number(value) or isinstance(value, dt.datetime | dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, dt.datetime):
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        return cell
    return text_cell(WriteOnlyCell(sheet, value=str(value)))


def text_cell(cell):
    """``cell`` (holding a str) typed as a string, whatever the text: openpyxl types text starting with
    ``=`` as a formula otherwise. Excel's "quote prefix" is set on text that ``needs_quote`` so that
    editing it keeps it text; the stored value is the text itself. Returns the cell."""
    cell.data_type = "s"
    if needs_quote(cell.value):
        cell.quotePrefix = True
    return cell


def type_text_cells(workbook) -> None:
    """Every text cell of an (ordinary, not write-only) openpyxl ``workbook`` through ``text_cell``."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    text_cell(cell)


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


def csv_dicts(text: str) -> tuple[list[str], list[dict[str, Any]]]:
    """A CSV file's header and rows (dicts by header name, as ``csv.DictReader``; a BOM at the start is
    ignored), every text field through ``restore_text`` so that a file this app exported reads back as
    it was. The one reader of every CSV import (organisations, accounts)."""
    reader = csv.DictReader(io.StringIO(text.removeprefix(BOM)))
    header = list(reader.fieldnames or [])
    rows = [{key: restore_text(value) if isinstance(value, str) else value for key, value in row.items()}
            for row in reader]  # fmt: skip
    return header, rows
