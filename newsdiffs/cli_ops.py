"""CLI commands for running newsdiffs unattended: cron, status."""

from __future__ import annotations

from .cli import DB_OPTION, cli, open_store  # noqa: F401
