""" "Why we ask" for respondents: the item's own ``why``, else its dimension's, else an overlay file.

The overlay (``questionnaires/why/<key>-v<version>.yaml``, a mapping ``dimensions: {D1: {zh_Hans: …}}``)
gives respondent texts to a published definition whose bytes must not change (the built-in version 1).
The scholarly ``basis`` is never shown to respondents; it stays for administrators and the PDF.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from surveyapp.domain.questionnaire import LANGUAGES, Item, Questionnaire, Text

QUESTIONNAIRES = Path(__file__).resolve().parent.parent / "questionnaires"


@cache
def overlay(key: str, version: int) -> dict[str, Text]:
    """Dimension key → Text from the overlay file of ``key`` / ``version`` ({} when there is none)."""
    path = QUESTIONNAIRES / "why" / f"{key}-v{version}.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if data.get("key") != key or data.get("version") != version:
        raise ValueError(f"{path.name}: key/version do not match {key} v{version}")
    texts = {}
    for dimension, by_lang in (data.get("dimensions") or {}).items():
        missing = [lang for lang in LANGUAGES if not str((by_lang or {}).get(lang, "")).strip()]
        if missing:
            raise ValueError(f"{path.name}: dimension {dimension}: missing {', '.join(missing)}")
        texts[str(dimension)] = Text(**{lang: str(by_lang[lang]).strip() for lang in LANGUAGES})
    return texts


def respondent_why(questionnaire: Questionnaire, item: Item) -> Text | None:
    """The text to show a respondent under "Why we ask" for ``item``, or None."""
    if any(item.why.as_dict().values()):
        return item.why
    dimension = next((d for d in questionnaire.dimensions if d.key == item.dimension), None)
    if dimension is not None and any(dimension.why.as_dict().values()):
        return dimension.why
    return overlay(questionnaire.key, questionnaire.version).get(item.dimension)
