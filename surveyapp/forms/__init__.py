"""Static forms, and (in ``questionnaire``) the builder registry for questionnaire forms."""
