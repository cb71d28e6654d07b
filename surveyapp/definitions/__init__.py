"""File formats of a questionnaire definition: YAML loader/validator and writer, XLSForm. Pure (no Flask)."""
