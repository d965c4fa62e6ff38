"""``blinacheck serve``: the CDS Hooks service (docs/cds-hooks.md), its audit log and the
pharmacists' web page; the ``[serve]`` extra.

Importing this package loads nothing optional: ``blinacheck lint`` and ``import blinacheck``
never import it, FastAPI, uvicorn, httpx and PyJWT load only when the service starts, and
``blinacheck audit export`` of a SQLite log needs neither FastAPI nor psycopg.
"""
