"""A small hand-made XLSForm, as an author would write it in a spreadsheet program."""

from openpyxl import Workbook

L = ["label::简体中文 (zh-Hans)", "label::繁體中文 (zh-Hant)", "label::English (en)"]


def sample_xlsform(path, *, survey_extra=None, relevant="${has_hotline} = 'yes'"):
    workbook = Workbook()
    survey = workbook.active
    survey.title = "survey"
    survey.append(
        [
            "type",
            "name",
            *L,
            "hint::English (en)",
            "hint::简体中文 (zh-Hans)",
            "hint::繁體中文 (zh-Hant)",
            "required",
            "relevant",
            "dimension",
            "bands",
        ]
    )
    survey.append(
        [
            "select_one yn",
            "has_hotline",
            "是否开通热线？",
            "是否開通熱線？",
            "Is there a hotline?",
            None,
            None,
            None,
            "yes",
            None,
            "P1",
            None,
        ]
    )
    survey.append(
        [
            "integer",
            "hotline_hours",
            "热线每周开放小时数",
            "熱線每週開放時數",
            "Hotline hours per week",
            "Count all staffed hours",
            "计算所有有人值守的小时",
            "計算所有有人值守的時數",
            "yes",
            relevant,
            "P1",
            ">=40:100; >=20:50; *:0",
        ]
    )
    survey.append(
        [
            "select_one quality",
            "answer_quality",
            "答复质量如何？",
            "答覆品質如何？",
            "How good are the answers?",
            None,
            None,
            None,
            "yes",
            None,
            "P2",
            None,
        ]
    )
    survey.append(
        ["text", "comment", "其他意见", "其他意見", "Other remarks", None, None, None, "no", None, "P2", None]
    )
    for row in survey_extra or []:
        survey.append(row)
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", *L, "score"])
    choices.append(["yn", "yes", "是", "是", "Yes", 100])
    choices.append(["yn", "no", "否", "否", "No", 0])
    choices.append(["quality", "good", "好", "好", "Good", 100])
    choices.append(["quality", "fair", "一般", "普通", "Fair", 50])
    choices.append(["quality", "poor", "差", "差", "Poor", 0])
    settings = workbook.create_sheet("settings")
    settings.append(
        [
            "form_id",
            "version",
            "form_title::简体中文 (zh-Hans)",
            "form_title::繁體中文 (zh-Hant)",
            "form_title::English (en)",
        ]
    )
    settings.append(["hotline", "2026112701", "热线服务自评", "熱線服務自評", "Hotline self-assessment"])
    dimensions = workbook.create_sheet("dimensions")
    dimensions.append(["key", *L, "weight"])
    dimensions.append(["P1", "可及性", "可及性", "Access", 2])
    dimensions.append(["P2", "质量", "品質", "Quality", 1])
    workbook.save(path)
    return path
