"""Rendering: scorecard data, charts, PDF and the render worker. Pure (no Flask, no database)."""

# The Word documents' media type. Here rather than in ``reporting.docx`` so that the views, which
# name it at start-up, do not import python-docx until a Word document is asked for.
DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
