"""URL converters registered app-wide.

``<int:…>`` in every route is a database id: a positive integer that fits the ``integer`` columns
of PostgreSQL and SQLite (1 … 2³¹−1). Anything else in that place — negative, zero-padded past the
range, or a thousand digits long — matches no route and is a 404, before any view or query runs.
"""

from __future__ import annotations

from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1  # PostgreSQL ``integer``


class IdConverter(IntegerConverter):
    """``<int:name>``: an integer in 0 … 2³¹−1 (larger values and signs do not match)."""

    # Ten digits at most, so a huge number is refused by the pattern without being parsed.
    regex = r"\d{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 0, max: int | None = MAX_ID) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)

    def to_python(self, value: str) -> int:
        """The id; an out-of-range one is 404 at once (a ValidationError would let a rule for the
        same path with another method answer 405)."""
        try:
            return super().to_python(value)
        except ValidationError:
            raise NotFound() from None


def register_converters(app) -> None:
    """Replace Werkzeug's unbounded ``int`` converter; call before any blueprint is registered."""
    app.url_map.converters["int"] = IdConverter


def query_id(value: str) -> int:
    """``request.args.get(name, type=query_id)``: an id from the query string, or the default
    (None) when it is not an integer in 0 … 2³¹−1 — such an id names nothing."""
    if not value.isascii() or not value.isdigit() or len(value) > 10 or int(value) > MAX_ID:
        raise ValueError(value)
    return int(value)
