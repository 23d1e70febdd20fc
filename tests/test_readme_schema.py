"""The README's schema section is the contract users query: it must match the database."""

import re
from pathlib import Path

from newsdiffs.store import Store

README = Path(__file__).resolve().parents[1] / "README.md"


def documented_columns() -> dict[str, set[str]]:
    """Column names per table from the README's "Database schema" tables."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## Database schema", 1)[1].split("\n## ", 1)[0]
    tables: dict[str, set[str]] = {}
    current = None
    for line in section.splitlines():
        heading = re.match(r"\*\*`(\w+)`\*\*", line)
        if heading:
            current = heading.group(1)
            tables[current] = set()
        elif current and line.startswith("| `"):
            first_cell = line.split("|")[1]
            tables[current].update(re.findall(r"`(\w+)`", first_cell))
    return tables


def test_readme_schema_matches_database(db_path):
    documented = documented_columns()
    assert {"articles", "versions", "checks"} <= set(documented)
    with Store(db_path) as store:
        for table, columns in documented.items():
            actual = set(store.db[table].columns_dict)
            assert columns == actual, (
                f"{table}: undocumented {sorted(actual - columns)}, "
                f"documented but missing {sorted(columns - actual)}")
