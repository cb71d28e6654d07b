"""Stored scores: ``flask scores``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

scores_cli = AppGroup("scores", help="Stored scores.")


@scores_cli.command("rebuild")
@click.option("--round", "round_id", type=int, help="Only this round (default: all).")
def scores_rebuild(round_id):
    """Recompute stored scores after a rule change and print what changed."""
    from surveyapp.services.scores import rebuild_scores

    changes = rebuild_scores(round_id)
    for change in changes:
        before = "-" if change.before is None else f"{change.before:.2f}"
        after = "-" if change.after is None else f"{change.after:.2f}"
        click.echo(f"response {change.response_id}: {before} ({change.grade_before}) -> {after} ({change.grade_after})")
    click.echo(f"{len(changes)} response(s) changed.")
