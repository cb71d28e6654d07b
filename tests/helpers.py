"""Helpers shared by test modules: sign a test client in, answer pages as a browser would, seed demo data.

Test modules import helpers from here (and fixtures come from ``conftest.py``), never from each other.
"""

import re

from surveyapp.services.questionnaires import get_questionnaire

PASSWORD = "correct horse battery"


def sign_in(client, email, lang="zh_Hant"):
    client.get(f"/language/{lang}")
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, "sign-in failed"


def sign_out(client):
    client.post("/logout")


def valid_value(item):
    """An answer that passes validation, as a browser would send it."""
    return {
        "likert5": "4",
        "yesno": "yes",
        "single_choice": item.options[0].value if item.options else None,
        "multi_choice": [item.options[0].value] if item.options else None,
        "number": str(int(item.minimum or 0) + 3 if (item.maximum or 99) >= 3 else item.maximum),
        "date": "2026-01-15",
        "text": "ok",
        "evidence_url": "https://example.gov.cn/notice",
    }.get(item.kind)


def page_data(part, page, action="next", **overrides):
    data = {"action": action}
    for item in part.sections[page].items:
        value = valid_value(item)
        if value is not None:
            data[item.key] = value
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def start(client, round_id, part):
    response = client.post(f"/rounds/{round_id}/{part}/start")
    assert response.status_code == 302
    match = re.search(r"/responses/(\d+)/page/(\d+)", response.headers["Location"])
    return int(match.group(1)), int(match.group(2))


def submit_complete(app, client, round_id, part_key, version=1):
    response_id, _ = start(client, round_id, part_key)
    with app.app_context():
        part = get_questionnaire("transparency", version).part(part_key)
    for page in range(len(part.sections)):
        assert client.post(f"/responses/{response_id}/page/{page}", data=page_data(part, page)).status_code == 302
    assert client.post(f"/responses/{response_id}/submit").status_code == 302
    return response_id


def seed(runner, departments=4, respondents=5, seed_value=7):
    result = runner.invoke(
        args=[
            "demo",
            "seed",
            "--departments",
            str(departments),
            "--respondents",
            str(respondents),
            "--seed",
            str(seed_value),
        ]
    )
    assert result.exit_code == 0, result.output
    return int(result.output.strip().split("round_id=")[1])


def overlapping_characters(pdf: bytes, share: float = 0.2) -> list[tuple[int, str, str, float, float]]:
    """Pairs of printed characters whose boxes overlap by more than ``share`` of the smaller box, read with
    pdfplumber: (page, first, second, x, top). Text printed over other text shows up here."""
    import io
    from collections import defaultdict

    import pdfplumber

    found = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for number, page in enumerate(document.pages, 1):
            chars = [c for c in page.chars if c["text"].strip()]
            grid = defaultdict(list)
            for index, c in enumerate(chars):
                for gx in range(int(c["x0"] // 20), int(c["x1"] // 20) + 1):
                    for gy in range(int(c["top"] // 20), int(c["bottom"] // 20) + 1):
                        grid[(gx, gy)].append(index)
            pairs = set()
            for cell in grid.values():
                pairs.update((a, b) for i, a in enumerate(cell) for b in cell[i + 1 :])
            for a, b in pairs:
                p, q = chars[a], chars[b]
                width = min(p["x1"], q["x1"]) - max(p["x0"], q["x0"])
                height = min(p["bottom"], q["bottom"]) - max(p["top"], q["top"])
                smaller = min((c["x1"] - c["x0"]) * (c["bottom"] - c["top"]) for c in (p, q))
                if width > 0.5 and height > 0.5 and width * height > share * smaller:
                    found.append((number, p["text"], q["text"], p["x0"], p["top"]))
    return found


def inspector_settings(tmp_path, **extra) -> dict:
    """Settings for tests that inspect local fixture sites: no pacing, loopback hosts allowed, a short
    timeout, WARC files under ``tmp_path``; ``extra`` adds to them."""
    return {"INSPECT_MIN_INTERVAL_SECONDS": 0, "INSPECT_ALLOW_PRIVATE_HOSTS": True, "INSPECT_TIMEOUT_SECONDS": 3,
            "INSPECTIONS_DIR": str(tmp_path / "inspections"), **extra}  # fmt: skip
