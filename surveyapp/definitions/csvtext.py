"""Reading an uploaded CSV file's bytes as text, whatever a Chinese office saved it as.

UTF-8 with or without a byte-order mark, and the GB encodings Excel and WPS use on Chinese
Windows (GBK / GB18030; read as GB18030, its superset). Other encodings are guessed by
charset-normalizer; when nothing fits, ``CSVEncodingError`` says so.
"""

from __future__ import annotations

from charset_normalizer import from_bytes

CANDIDATES = ("utf_8", "gb18030", "big5")


class CSVEncodingError(ValueError):
    pass


def decode_csv(data: bytes) -> str:
    """The text of ``data`` (bytes of a CSV file), without a BOM. Raises CSVEncodingError."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=list(CANDIDATES)).best()
    if best is None:
        raise CSVEncodingError("the file is neither UTF-8 nor GBK/GB18030 text")
    return str(best)
