"""Blueprints, one per audience. Views load, check permission, validate, call one service, redirect."""
