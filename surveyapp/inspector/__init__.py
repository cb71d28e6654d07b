"""The inspector's machinery outside the pure core: safe HTTP fetching (``crawler``), one inspection of a
department's targets (``run``) and a small local government-style site for offline trials (``demo_site``).
No Flask, no database: the service (``services/inspection.py``) stores what these return."""
