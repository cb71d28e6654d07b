"""Pure domain code: plain data in, plain data out. No Flask and no SQLAlchemy here."""
