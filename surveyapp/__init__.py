"""surveyapp: a self-assessment and scorecard tool for government information disclosure.

This package module deliberately imports nothing from Flask, so that ``surveyapp.domain``
(questionnaire, scoring, statistics, charts, PDF) can be imported and tested on its own.
The web application is built by ``surveyapp.app.create_app``.
"""

__version__ = "0.1.0"
