"""A Datasette plugin: the SQL functions of a newsdiffs database on Datasette's connections.

Bodies are stored packed (README "Database schema"): the ``version_texts`` view and the
*search* and *history* queries of ``metadata.json`` read them with ``newsdiffs_body(id)``
and ``newsdiffs_snippet(id, query)``. Installing newsdiffs registers this module with
Datasette (the ``datasette`` entry point in ``pyproject.toml``), so
``datasette newsdiffs.db -m metadata.json`` run from the same environment has them.
"""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

from .store import register_functions


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    register_functions(conn)
