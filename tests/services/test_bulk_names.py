"""Bulk ZIP member names (issue 18): department names in them, with safe characters only."""

import re

import pytest

from surveyapp.services.bulk import MEMBER_NAME_CHARS, member_name


@pytest.mark.parametrize(
    "code, name",
    [
        ("D001", "示範部門 0001"),
        ("D002", "../../etc/passwd"),
        ("D003", "市🙂$x$ <b>应急管理局网络安全与信息化综合执法支队新媒体融合平台运维中心第三科室ABCDEFGHIJKLMNOPQRST"),
        ("D004", '=HYPERLINK("http://x")'),
        ("D005", "\x00\r\n\t"),
        (".hidden", "Ünïcödé — name / with \\ slashes"),
    ],
)
def test_member_names_are_safe_and_keep_the_name(code, name):
    member = member_name(code, name)
    assert member.endswith(".pdf") and "/" not in member and "\\" not in member and ".." not in member[:-4]
    assert not member.startswith((".", "-", "_"))
    stem = member[: -len(".pdf")]
    assert re.fullmatch(r"[\w-]+", stem), member  # letters of any script, digits, _ and -
    assert not any(c in member for c in '$<>🙂 \x00\r\n\t="')
    assert len(stem) <= len(code) + 1 + MEMBER_NAME_CHARS
    letters = [c for c in name if c.isalnum()]
    assert "".join(letters)[:20] in stem.replace("_", "") or len(letters) == 0


def test_member_name_examples():
    assert member_name("D001", "示範部門 0001") == "D001-示範部門_0001.pdf"
    assert member_name("D005", "\x00\r\n") == "D005.pdf"
    assert member_name("D003", "市🙂$x$ <b>应急").startswith("D003-市_x_b_应急")
