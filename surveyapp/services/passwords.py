"""Password rules: length, strength (zxcvbn) and no reuse of the current or one-time password.

Strength is estimated with zxcvbn (Dropbox's estimator, Python port ``zxcvbn``): a score from 0
(too guessable) to 4; ``PASSWORD_MIN_STRENGTH`` (default 3, "safely unguessable" in zxcvbn's
terms: about 10^8 guesses or more) is required. The account's e-mail and name count as known
words. OWASP ASVS 4.0 V2.1.7 (refuse breached / common passwords), NIST SP 800-63B 5.1.1.2.
"""

from __future__ import annotations

import re

from flask import current_app
from flask_babel import lazy_gettext as _l

# zxcvbn only looks at this many characters; a longer password is judged by its start.
_ZXCVBN_MAX_LENGTH = 72

# zxcvbn's warnings (English, fixed strings) and the catalogue's translation of each.
_WARNINGS = {
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    'Repeats like "aaa" are easy to guess.': _l('Repeats like "aaa" are easy to guess.'),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _l(
        'Repeats like "abcabcabc" are only slightly harder to guess than "abc".'
    ),
    'Sequences like "abc" or "6543" are easy to guess.': _l('Sequences like "abc" or "6543" are easy to guess.'),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Dates are often easy to guess.": _l("Dates are often easy to guess."),
    "This is a top-10 common password.": _l("This is one of the 10 most common passwords."),
    "This is a top-100 common password.": _l("This is one of the 100 most common passwords."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l("This is similar to a commonly used password."),
    "A word by itself is easy to guess.": _l("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l("Names and surnames by themselves are easy to guess."),
    "Common names and surnames are easy to guess.": _l("Common names and surnames are easy to guess."),
}


class PasswordRejected(ValueError):
    """The new password breaks a rule; ``str(exc)`` is the translated reason."""


def check_password_strength(password: str, *, known_words: tuple[str, ...] = ()) -> None:
    """Refuse a password shorter than ``PASSWORD_MIN_LENGTH`` or scoring below
    ``PASSWORD_MIN_STRENGTH`` in zxcvbn. ``known_words`` (e-mail, name) count as easy to guess.

    Raises PasswordRejected with a translated message that says why.
    """
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise PasswordRejected(_l("The password must have at least %(n)d characters.", n=minimum))
    words = [part for word in known_words if word for part in re.split(r"[@.\s_+-]+", word.lower()) if part]
    from zxcvbn import zxcvbn  # its word lists load on the first password check, not at start-up

    result = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=[*words, "surveyapp"])
    if result["score"] >= current_app.config["PASSWORD_MIN_STRENGTH"]:
        return
    warning = result["feedback"].get("warning") or ""
    reason = _WARNINGS.get(warning)
    if reason is None and any(m.get("dictionary_name") == "user_inputs" for m in result.get("sequence", ())):
        reason = _l("It contains your e-mail address or name.")
    if reason is None:
        reason = _l("It follows a pattern that is quick to guess.")
    raise PasswordRejected(
        _l(
            "This password is too easy to guess: %(reason)s Use a longer one, for example a few unrelated words.",
            reason=reason,
        )
    )
