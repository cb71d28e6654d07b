"""Work every gunicorn worker would otherwise repeat after it is forked, done once in the master.

With ``preload_app`` the master imports the app and forks its workers; a worker recycled after
``max_requests`` starts from the master's memory again. Whatever a worker builds lazily on its first
requests (compiled templates, the parsed questionnaires, the questionnaire pages' form classes, the
ORM's mapper configuration) it builds anew after every recycle: about 65 ms of CPU on its first
questionnaire page alone, paid by a respondent's request. ``warm_up`` builds those in the master,
so every forked worker inherits them.

Everything here is a cache of immutable things (template sources shipped with the app, stored
questionnaire versions, which never change once stored), so inheriting them is safe; the
database connections opened for it are closed before the workers are forked.
"""

from __future__ import annotations

import logging

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import configure_mappers

logger = logging.getLogger(__name__)


def warm_up(app: Flask) -> dict[str, int]:
    """Compile every template of ``app`` (the web pages' and, per language, the PDF documents'),
    configure the ORM mappers, parse the stored questionnaire versions and build their pages' form
    classes in every language.

    Returns the counts ``{"templates": n, "questionnaires": n, "forms": n}``. Raises
    ``jinja2.TemplateError`` for a template that does not compile; a database that is not migrated
    yet (or unreachable) leaves the questionnaires to the workers, as before, with a warning in the log.
    """
    from surveyapp.extensions import db
    from surveyapp.forms.questionnaire import page_form_class
    from surveyapp.models import QuestionnaireVersion
    from surveyapp.reporting.report import DOCUMENT_TEMPLATES, environment

    counts = {"templates": 0, "questionnaires": 0, "forms": 0}
    configure_mappers()
    documents = {f"reports/{name}" for name in DOCUMENT_TEMPLATES}
    for name in app.jinja_env.list_templates(extensions=("html",)):
        if name not in documents:
            app.jinja_env.get_template(name)
            counts["templates"] += 1
    for lang in app.config["LANGUAGES"]:
        for name in DOCUMENT_TEMPLATES:
            environment(lang).get_template(name)
            counts["templates"] += 1
    with app.app_context():
        try:
            for stored in db.session.scalars(select(QuestionnaireVersion)):
                questionnaire = stored.questionnaire
                counts["questionnaires"] += 1
                for part in questionnaire.parts:
                    for page in range(len(part.sections)):
                        for lang in app.config["LANGUAGES"]:
                            page_form_class(questionnaire, part.key, page, lang)
                            counts["forms"] += 1
        except SQLAlchemyError as error:  # e.g. not migrated yet: one line, not a traceback
            reason = str(getattr(error, "orig", None) or error).splitlines()[0]
            logger.warning("warm-up: stored questionnaires not read (%s); workers will read them", reason)
        finally:
            db.session.remove()
            db.engine.dispose()  # no connection of the master's may reach a forked worker
    return counts
