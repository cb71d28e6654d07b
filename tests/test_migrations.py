"""The schema comes only from migrations: the models and the migrated database must agree."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from surveyapp.extensions import db


def test_models_match_migrated_schema(app_ctx):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], f"models differ from migrations; run `flask db migrate`: {differences}"
