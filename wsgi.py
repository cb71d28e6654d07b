"""WSGI entry point: ``gunicorn -c gunicorn.conf.py wsgi:app``; ``flask`` finds the app here too."""

from surveyapp.app import create_app

app = create_app()
