"""CLI commands for reading changes: site, changes, search, export."""

from __future__ import annotations

from .cli import DB_OPTION, cli, find_article, open_store  # noqa: F401
