"""Rendering: scorecard data, charts, PDF and the render worker. Pure (no Flask, no database)."""
