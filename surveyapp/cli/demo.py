"""Synthetic data: ``flask demo``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

demo_cli = AppGroup("demo", help="Synthetic data for demos, tests and benchmarks.")


@demo_cli.command("seed")
@click.option("--departments", type=click.IntRange(1, 100000), default=10, show_default=True)
@click.option(
    "--respondents",
    type=click.IntRange(0, 10000),
    default=8,
    show_default=True,
    help="Staff respondents per department.",
)
@click.option("--seed", type=int, default=1, show_default=True)
def demo_seed(departments, respondents, seed):
    """Create an agency, departments, staff, a round and realistic submitted responses; print the round id."""
    from surveyapp.services.demo import seed_demo

    result = seed_demo(departments, respondents, seed)
    click.echo(f"Seeded agency {result.agency_code}: {result.departments} departments, {result.responses} responses.")
    click.echo(f"round_id={result.round_id}")


@demo_cli.command("site")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
def demo_site(host, port):
    """Serve a small local government-style site (a stale column, a blank column, feeds) for offline trials."""
    from werkzeug.serving import run_simple

    from surveyapp.inspector.demo_site import app

    base = f"http://{host}:{port}"
    click.echo(f"Demo site on {base}/ - it is on a loopback address, so run the inspector with")
    click.echo("  export SURVEYAPP_INSPECT_ALLOW_PRIVATE_HOSTS=true")
    click.echo("and register it with:")
    click.echo(f"  flask inspect add-target --department CODE --url {base}/ --kind website")
    click.echo(f"  flask inspect add-target --department CODE --url {base}/feed.xml --kind feed")
    click.echo(f"  flask inspect add-target --department CODE --url {base}/stale-feed.xml --kind feed")
    run_simple(host, port, app, threaded=True)
