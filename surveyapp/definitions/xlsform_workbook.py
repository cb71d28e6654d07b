"""Reading a spreadsheet upload safely: size limits first, then openpyxl in read-only mode.

An .xlsx file is a zip archive; a few hundred kilobytes can hold gigabytes of XML. The declared
uncompressed sizes are checked before openpyxl opens anything (Python's ``zipfile`` never
returns more bytes than an entry declares, so the check bounds what is read). Then each sheet
is read row by row with limits on rows, columns and characters per cell. A formula cell counts
with the value the spreadsheet program stored; a formula without a stored value is refused,
since the app does not evaluate formulas.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

MAX_FILE_BYTES = 5 * 1024 * 1024  # the .xlsx file as uploaded
MAX_UNCOMPRESSED_BYTES = 30 * 1024 * 1024  # all entries of the archive, as declared
MAX_SHEETS = 50
MAX_ROWS = 5000  # rows with a value, per sheet (empty rows do not count)
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000

_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003)


@dataclass
class SheetRows:
    """One worksheet: its header cells as written and its non-empty rows with their numbers."""

    name: str
    header: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class CellProblem:
    sheet: str | None  # None: the whole file
    row: int | None
    column: str
    message: str


class WorkbookRefused(ValueError):
    def __init__(self, problems: list[CellProblem]):
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


def read_sheets(path_or_bytes: str | Path | bytes) -> list[SheetRows]:
    """Every worksheet's cell values, within the limits above; raise ``WorkbookRefused``.

    Cell values are as openpyxl gives them (str, int, float, datetime, bool or None); a formula
    cell gives its stored value. Rows with no value are left out; row numbers are the sheet's.
    """
    content = _content(path_or_bytes)
    _check_archive(content)
    problems: list[CellProblem] = []
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises several types for a damaged workbook
        raise WorkbookRefused([CellProblem(None, None, "-", f"not a readable .xlsx workbook: {exc}")]) from None
    sheets: list[SheetRows] = []
    formulas: dict[str, list[tuple[int, int]]] = {}
    try:
        if len(workbook.worksheets) > MAX_SHEETS:
            raise WorkbookRefused(
                [CellProblem(None, None, "-", f"has {len(workbook.worksheets)} sheets; at most {MAX_SHEETS}")]
            )
        for worksheet in workbook.worksheets:
            sheets.append(_read_sheet(worksheet, problems, formulas.setdefault(worksheet.title, [])))
    finally:
        workbook.close()
    if any(formulas.values()):
        _fill_formula_values(content, sheets, formulas, problems)
    if problems:
        raise WorkbookRefused(problems)
    return sheets


def _content(path_or_bytes: str | Path | bytes) -> bytes:
    if isinstance(path_or_bytes, bytes):
        content = path_or_bytes
    else:
        path = Path(path_or_bytes)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise WorkbookRefused([CellProblem(None, None, "-", _too_big(size))])
            content = path.read_bytes()
        except OSError as exc:
            raise WorkbookRefused([CellProblem(None, None, "-", f"cannot read: {exc.strerror}")]) from None
    if len(content) > MAX_FILE_BYTES:
        raise WorkbookRefused([CellProblem(None, None, "-", _too_big(len(content)))])
    return content


def _too_big(size: int) -> str:
    return f"the file has {size / 1024 / 1024:.1f} MB; at most {MAX_FILE_BYTES // 1024 // 1024} MB"


def _check_archive(content: bytes) -> None:
    if content.startswith(_OLE_SIGNATURE):
        message = "an .xls (Excel 97-2003) workbook; save it as .xlsx (Excel Workbook) and try again"
        raise WorkbookRefused([CellProblem(None, None, "-", message)])
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise WorkbookRefused([CellProblem(None, None, "-", f"not a readable .xlsx workbook: {exc}")]) from None
    total = sum(entry.file_size for entry in entries)
    if total > MAX_UNCOMPRESSED_BYTES:
        message = (
            f"unpacks to {total / 1024 / 1024:.0f} MB; at most {MAX_UNCOMPRESSED_BYTES // 1024 // 1024} MB "
            "(a questionnaire is far smaller: look for a very large cell or sheet)"
        )
        raise WorkbookRefused([CellProblem(None, None, "-", message)])


def _read_sheet(worksheet, problems: list[CellProblem], formulas: list[tuple[int, int]]) -> SheetRows:
    sheet = SheetRows(worksheet.title, [])
    too_wide = False
    # The declared dimension (often A1:AMJ1048576 from LibreOffice) would make openpyxl pad every
    # row to it; read only the rows and cells the file holds. Gaps between rows cost little: an
    # .xlsx sheet has at most 1,048,576 rows.
    worksheet.reset_dimensions()
    for number, cells in enumerate(worksheet.iter_rows(), start=1):
        if len(sheet.rows) >= MAX_ROWS:
            problems.append(CellProblem(worksheet.title, None, "-", f"has more than {MAX_ROWS} rows with values"))
            break
        values: list[Any] = []
        for index, cell in enumerate(cells):
            value = getattr(cell, "value", None)
            if value is None:
                values.append(None)
                continue
            if index >= MAX_COLUMNS:
                too_wide = True
                break
            if getattr(cell, "data_type", None) == "f":
                formulas.append((number, index))
                value = None  # replaced by the stored value, or refused
            elif isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                problems.append(
                    CellProblem(
                        worksheet.title,
                        number,
                        _column_name(sheet.header, index),
                        f"the cell has {len(value)} characters; at most {MAX_CELL_CHARS}",
                    )
                )
                value = value[:MAX_CELL_CHARS]
            values.append(value)
        while values and values[-1] is None:
            values.pop()
        if number == 1:
            sheet.header = ["" if v is None else str(v).strip() for v in values]
        elif any(v is not None and str(v).strip() != "" for v in values):
            sheet.rows.append((number, values))
    if too_wide:
        problems.append(CellProblem(worksheet.title, None, "-", f"uses more than {MAX_COLUMNS} columns"))
    return sheet


def _column_name(header: list[str], index: int) -> str:
    """The column's header text, or its letter when it has none."""
    if index < len(header) and header[index]:
        return header[index]
    return get_column_letter(index + 1)


def _fill_formula_values(content: bytes, sheets: list[SheetRows], formulas, problems: list[CellProblem]) -> None:
    """Put each formula cell's stored value in place, or refuse the cell."""
    workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        for sheet in sheets:
            wanted = formulas.get(sheet.name) or []
            if not wanted:
                continue
            positions = set(wanted)
            stored: dict[tuple[int, int], Any] = {}
            last_row = max(row for row, _ in positions)
            for number, cells in enumerate(workbook[sheet.name].iter_rows(max_row=last_row), start=1):
                for index, cell in enumerate(cells):
                    if (number, index) in positions:
                        stored[(number, index)] = getattr(cell, "value", None)
            rows = {number: values for number, values in sheet.rows}
            for number, index in wanted:
                value = stored.get((number, index))
                if value is None:
                    problems.append(
                        CellProblem(
                            sheet.name,
                            number,
                            _column_name(sheet.header, index),
                            "a formula without a stored value; the app does not calculate formulas: type the value, "
                            "or open and save the file in a spreadsheet program",
                        )
                    )
                    continue
                if number == 1:
                    while len(sheet.header) <= index:
                        sheet.header.append("")
                    sheet.header[index] = str(value).strip()
                    continue
                values = rows.get(number)
                if values is None:
                    values = []
                    sheet.rows.append((number, values))
                    sheet.rows.sort(key=lambda pair: pair[0])
                    rows[number] = values
                while len(values) <= index:
                    values.append(None)
                values[index] = value
    finally:
        workbook.close()
