"""``blinacheck serve``: the CDS Hooks service, its audit log and the pharmacists' web page.

Importing this package loads nothing optional: ``blinacheck audit export`` of a SQLite log
needs neither FastAPI nor psycopg (docs/cds-hooks.md).
"""
