"""Operations as ``flask`` commands, one module per command group. Each command parses its options, calls a
service (the same ones the views call) and prints the outcome; no rule lives here."""

from __future__ import annotations

from flask import Flask

from surveyapp.cli.api import api_cli
from surveyapp.cli.clock import clock_cli
from surveyapp.cli.demo import demo_cli
from surveyapp.cli.doctor import doctor_command
from surveyapp.cli.inspect import inspect_cli
from surveyapp.cli.invitations import invitations_cli
from surveyapp.cli.org import org_cli
from surveyapp.cli.questionnaire import questionnaire_cli
from surveyapp.cli.rectification import rectification_cli
from surveyapp.cli.report import report_cli
from surveyapp.cli.rounds import rounds_cli
from surveyapp.cli.scores import scores_cli
from surveyapp.cli.users import users_cli


def register_commands(app: Flask) -> None:
    app.cli.add_command(doctor_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(questionnaire_cli)
    app.cli.add_command(rounds_cli)
    app.cli.add_command(org_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(scores_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(api_cli)
    app.cli.add_command(clock_cli)
    app.cli.add_command(invitations_cli)
    app.cli.add_command(inspect_cli)
    app.cli.add_command(rectification_cli)
