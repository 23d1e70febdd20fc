"""CLI commands for sources and extraction: sources, extract, reextract."""

from __future__ import annotations

from .cli import DB_OPTION, cli, open_store  # noqa: F401
