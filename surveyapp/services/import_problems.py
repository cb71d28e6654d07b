"""One problem of an uploaded CSV file (organisations, accounts), worded in the reader's language.

Built with lazy translations, so the same problem reads in 简体中文, 繁體中文 or English on the page that
shows it, and in English in the command line (``force_locale("en")``). Column names are the file's own
header names and are never translated.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

# An upload that is not UTF-8 or GBK text (``definitions.csvtext.CsvEncodingError``): how to save it.
SAVE_AS_CSV = _l(
    "Save the file as UTF-8 or GBK text (CSV): in Excel, File → Save As → “CSV UTF-8 (Comma delimited)”; "
    "in WPS or LibreOffice, choose the character set UTF-8."
)


@dataclass(frozen=True)
class RowProblem:
    row: int  # the line number in the file (the header is row 1); 0 for the file as a whole
    column: str  # a header name of the file ("" for the row or file as a whole; "header" for the header)
    message: object  # a (lazy) translated message
    source: str = ""  # the file's name, when the problem names it

    def __str__(self) -> str:
        if self.column == "header":
            where = _l("header")
        else:
            where = _l("row %(n)d", n=self.row) if self.row else _l("file")
        column = "" if self.column == "header" else self.column
        text = (
            _l("%(where)s: %(column)s: %(message)s", where=where, column=column, message=self.message)
            if column
            else _l("%(where)s: %(message)s", where=where, message=self.message)
        )
        return str(_l("%(file)s: %(problem)s", file=self.source, problem=text)) if self.source else str(text)
