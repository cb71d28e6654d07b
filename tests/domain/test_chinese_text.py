"""QA fault 13: Traditional Chinese text with simplified characters (脱產培訓) and Chinese catalogue
entries with ASCII punctuation ("状态: 进行中", "(还剩 31 天)")."""

import re

import yaml
from babel.messages.pofile import read_po

from surveyapp.config import PROJECT_ROOT

QUESTIONNAIRES = PROJECT_ROOT / "surveyapp" / "questionnaires"
TRANSLATIONS = PROJECT_ROOT / "surveyapp" / "translations"
# Characters OpenCC's s2tw rewrites although Taiwan's own standard writes them so (平台, 了解, 公布, 只, 占).
TAIWAN_STANDARD = set("台了布只占")
CJK = r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]"
ASCII_PUNCTUATION_BESIDE_CHINESE = re.compile(rf"{CJK}\s*[:;!?,(]|[:;!?,)]\s*{CJK}|\(\s*{CJK}")
# A formula in Chinese keeps its mathematical parentheses; a ratio label keeps its ratio sign.
FORMULA_OR_RATIO = re.compile(r"\(x − 1\)|\(5 − x\)| : ")


def _zh_hant_yaml_texts(path):
    texts = []

    def walk(node, where):
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "zh_Hant" and isinstance(value, str):
                    texts.append((where, value))
                else:
                    walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for number, value in enumerate(node):
                walk(value, f"{where}[{number}]")

    walk(yaml.safe_load(path.read_text(encoding="utf-8")), path.name)
    return texts


def _catalogue(lang):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle)
    return [
        (str(m.id), s) for m in catalogue if m.id for s in (m.string if isinstance(m.string, tuple) else (m.string,))
    ]


def test_traditional_chinese_text_has_no_simplified_characters():
    import opencc

    convert = opencc.OpenCC("s2tw").convert
    texts = _zh_hant_yaml_texts(QUESTIONNAIRES / "transparency-v2.yaml")  # v1 stays byte for byte as released
    texts += [t for path in sorted((QUESTIONNAIRES / "why").glob("*.yaml")) for t in _zh_hant_yaml_texts(path)]
    texts += _catalogue("zh_Hant")
    found = [
        f"{where}: {a}→{b}"
        for where, text in texts
        for a, b in zip(text, convert(text), strict=False)
        if a != b and a not in TAIWAN_STANDARD
    ]
    assert not found, found[:20]


def test_chinese_catalogues_use_full_width_punctuation():
    found = [
        f"{lang}: {text}"
        for lang in ("zh_Hans", "zh_Hant")
        for _msgid, text in _catalogue(lang)
        if text and ASCII_PUNCTUATION_BESIDE_CHINESE.search(FORMULA_OR_RATIO.sub("", text))
    ]
    assert not found, found[:20]
