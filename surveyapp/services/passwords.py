"""Password rules: length, strength (zxcvbn) and no reuse of the current or one-time password.

Strength is estimated with zxcvbn (Dropbox's estimator, Python port ``zxcvbn``): a score from 0
(too guessable) to 4; ``PASSWORD_MIN_STRENGTH`` (default 3, "safely unguessable" in zxcvbn's
terms: about 10^8 guesses or more) is required. The account's e-mail and name count as known
words, and so do the words and numbers Chinese users build passwords from (pinyin names and words,
5201314...: ``surveyapp/wordlists/chinese_passwords.txt``), which zxcvbn's English lists lack.
OWASP ASVS 4.0 V2.1.7 (refuse breached / common passwords), NIST SP 800-63B 5.1.1.2.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

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


CHINESE_WORDS = Path(__file__).resolve().parent.parent / "wordlists" / "chinese_passwords.txt"
_CHINESE_LIST = "chinese_passwords"  # the name of that list among zxcvbn's dictionaries
# What people put between the words and numbers of a password: any run of symbols, punctuation or spaces.
_SEPARATORS = re.compile(r"[\W_]+")


@cache
def _zxcvbn():
    """zxcvbn, with the Chinese list added to its ranked dictionaries (``matching.add_frequency_lists``,
    zxcvbn's own way to add lists) once per process, on the first password check."""
    from zxcvbn import matching, zxcvbn

    words = [line.strip().lower() for line in CHINESE_WORDS.read_text(encoding="utf-8").splitlines()]
    matching.add_frequency_lists({_CHINESE_LIST: [w for w in words if w and not w.startswith("#")]})
    return zxcvbn


class PasswordRejected(ValueError):
    """The new password breaks a rule; ``str(exc)`` is the translated reason."""


# How many earlier passwords (one-time passwords included) may not be chosen again.
PASSWORD_HISTORY = 5

# Personal words shorter than this are not looked for inside a password (too many false matches).
_MIN_PERSONAL_WORD = 3


def normalised(password: str) -> str:
    """The form passwords are compared in: surrounding white space removed, case folded
    (``" AbC "`` and ``"abc"`` count as the same password)."""
    return (password or "").strip().casefold()


def personal_words(email: str, display_name: str = "") -> list[str]:
    """The account's e-mail, its local part and display name, normalised, each long enough to look for."""
    email = normalised(email)
    words = [email, email.split("@", 1)[0], normalised(display_name)]
    return [w for w in dict.fromkeys(words) if len(w) >= _MIN_PERSONAL_WORD]


def check_not_personal(password: str, *, email: str, display_name: str = "") -> None:
    """Refuse a password that contains the account's e-mail address, its local part or the display
    name, in any case and with anything around it (``Admin@Localhost1``). Raises PasswordRejected."""
    candidate = normalised(password)
    if any(word in candidate for word in personal_words(email, display_name)):
        raise PasswordRejected(
            _l("This password is too easy to guess: %(reason)s Use a longer one, for example a few unrelated words.",
               reason=_l("It contains your e-mail address or name."))
        )  # fmt: skip


def check_password_strength(password: str, *, known_words: tuple[str, ...] = ()) -> None:
    """Refuse a password shorter than ``PASSWORD_MIN_LENGTH`` or scoring below
    ``PASSWORD_MIN_STRENGTH`` in zxcvbn. ``known_words`` (e-mail, name) count as easy to guess.

    Raises PasswordRejected with a translated message that says why.
    """
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise PasswordRejected(_l("The password must have at least %(n)d characters.", n=minimum))
    words = [part for word in known_words if word for part in re.split(r"[@.\s_+-]+", word.lower()) if part]
    zxcvbn = _zxcvbn()  # its word lists load on the first password check, not at start-up
    inputs = [*words, "surveyapp"]
    result = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=inputs)
    # Symbols between guessable parts ("zhang-wei-1988", "ZhangWei@1988") add little to a guesser's work but
    # made zxcvbn count each part apart. When the parts run together are all guessable (no stretch zxcvbn
    # can only brute-force), the password is judged as that: random symbols and letters keep their worth.
    joined = _SEPARATORS.sub("", password)
    if joined and joined != password:
        parts = zxcvbn(joined[:_ZXCVBN_MAX_LENGTH], user_inputs=inputs)
        guessable = all(match.get("pattern") != "bruteforce" for match in parts["sequence"])
        if guessable and parts["score"] < result["score"]:
            result = parts
    if result["score"] >= current_app.config["PASSWORD_MIN_STRENGTH"]:
        return
    warning = result["feedback"].get("warning") or ""
    reason = _WARNINGS.get(warning)
    matched = {
        m.get("matched_word", "") for m in result.get("sequence", ()) if m.get("dictionary_name") == "user_inputs"
    }
    chinese = [m for m in result.get("sequence", ()) if m.get("dictionary_name") == _CHINESE_LIST]
    if reason is None and matched & set(words):
        reason = _l("It contains your e-mail address or name.")
    elif reason is None and matched:
        reason = _l("It contains the name of this application.")
    elif reason is None and chinese:
        reason = _l("It contains common pinyin names or words, or number phrases like 5201314.")
    if reason is None:
        reason = _l("It follows a pattern that is quick to guess.")
    raise PasswordRejected(
        _l(
            "This password is too easy to guess: %(reason)s Use a longer one, for example a few unrelated words.",
            reason=reason,
        )
    )
