"""Reading an uploaded CSV file's bytes as text, whatever a Chinese office saved it as.

The one decoder of every CSV upload (organisations, accounts): UTF-8 with or without a byte-order
mark, else GB18030 (which includes GBK and GB2312, what Excel and WPS write on Chinese Windows) when
charset-normalizer finds it among the most plausible readings; anything else is refused with
``CsvEncodingError``, whose message says how to save the file.
"""

from __future__ import annotations

import csv
import io

HOW_TO_SAVE_CSV = (
    'save it as UTF-8 (Excel: File → Save As → "CSV UTF-8 (Comma delimited) (*.csv)"; '
    "WPS/LibreOffice: choose the character set UTF-8) or as GB18030/GBK"
)


class CsvEncodingError(ValueError):
    """The bytes are neither UTF-8 nor GB18030/GBK; the message says how to save the file."""


# The encodings an uploaded CSV plausibly comes in; charset-normalizer chooses among these only
# (left free it takes short GBK text for Korean cp949). Only GB18030 is accepted of them.
CANDIDATES = ("gb18030", "big5", "shift_jis", "cp1252", "utf_16")


def decode_csv(data: bytes) -> str:
    """The text of a CSV file (see ``_decode``), refused with ``CsvEncodingError`` when the ``csv`` module
    cannot read it (NUL characters, a field over its size limit, a broken quote at the end): such a file
    is not a text CSV, whatever its encoding."""
    text = _decode(data)
    if "\x00" in text:
        raise CsvEncodingError(f"not a text CSV file (it contains NUL characters); {HOW_TO_SAVE_CSV}")
    try:
        for _ in csv.reader(io.StringIO(text)):
            pass
    except csv.Error as error:
        raise CsvEncodingError(f"not a text CSV file ({error}); {HOW_TO_SAVE_CSV}") from None
    return text


def _decode(data: bytes) -> str:
    """The text of a CSV file: UTF-8 with or without a BOM, else GB18030 (which includes GBK and GB2312,
    what Excel on Chinese Windows writes) when ``charset-normalizer`` finds GB18030 the most plausible
    reading among ``CANDIDATES`` or among its own least chaotic readings. Raises ``CsvEncodingError``
    otherwise (e.g. Big5, Shift-JIS, UTF-16, Latin-1)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(CANDIDATES)).best()
    matches = list(from_bytes(data))
    least_chaos = min((match.chaos for match in matches), default=0.0)
    if (best is not None and best.encoding == "gb18030") or any(
        m.encoding == "gb18030" and m.chaos <= least_chaos + 1e-9 for m in matches
    ):
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError:
            pass
    raise CsvEncodingError(f"the file is neither UTF-8 nor GB18030/GBK text; {HOW_TO_SAVE_CSV}")
