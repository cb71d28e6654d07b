"""A small valid definition that tests copy and break one field at a time."""

import copy

T = {"zh_Hans": "简", "zh_Hant": "繁", "en": "en"}


def minimal_definition() -> dict:
    return copy.deepcopy(
        {
            "key": "mini",
            "version": 1,
            "title": T,
            "likert_labels": {lang: ["1", "2", "3", "4", "5"] for lang in T},
            "grades": [
                {"key": "good", "min": 75, "label": T},
                {"key": "pass", "min": 60, "label": T},
                {"key": "fail", "min": 0, "label": T},
            ],
            "maturity_levels": [{"min": m, "label": T} for m in (0, 20, 40, 60, 80)],
            "dimensions": [{"key": "D1", "title": T}, {"key": "D2", "title": T, "weight": 2}],
            "parts": [
                {
                    "key": "staff",
                    "respondent": "staff",
                    "title": T,
                    "sections": [
                        {
                            "dimension": "D1",
                            "items": [
                                {"key": "q1", "kind": "yesno", "text": T},
                                {
                                    "key": "q2",
                                    "kind": "likert5",
                                    "text": T,
                                    "show_if": {"item": "q1", "equals": "yes"},
                                },
                            ],
                        },
                        {
                            "dimension": "D2",
                            "items": [
                                {
                                    "key": "q3",
                                    "kind": "single_choice",
                                    "text": T,
                                    "options": [
                                        {"value": "a", "label": T, "score": 100},
                                        {"value": "b", "label": T, "score": 0},
                                    ],
                                },
                            ],
                        },
                    ],
                }
            ],
        }
    )
