"""The moved tables take this app's names: ``legal_offence``, ``legal_legalbasis``, ``legal_offencepenalty``.

A rename keeps every row, and the foreign keys that point at the tables
(crime reports, disclosures, penalties) follow it on SQLite and PostgreSQL.
Django finds the tables' constraints and indexes by introspection, except
PostgreSQL's ``_like`` indexes on the slug keys, which it finds by a name
made from the table's: those are renamed to match.
"""

from typing import Any

from django.db import migrations

# The tables with a slug key: (old name, new name, the key's column).
SLUG_KEYS = (
    ("investigations_offence", "legal_offence", "key"),
    ("sharing_legalbasis", "legal_legalbasis", "code"),
)


def rename_like_indexes(apps: Any, schema_editor: Any) -> None:
    _rename_like_indexes(schema_editor, forwards=True)


def rename_like_indexes_back(apps: Any, schema_editor: Any) -> None:
    _rename_like_indexes(schema_editor, forwards=False)


def _rename_like_indexes(schema_editor: Any, forwards: bool) -> None:
    """Runs while the tables have their new names, in either direction."""
    if schema_editor.connection.vendor != "postgresql":
        return
    for old_table, new_table, column in SLUG_KEYS:
        names = [schema_editor._create_index_name(t, [column], suffix="_like") for t in (old_table, new_table)]
        before, after = names if forwards else names[::-1]
        with schema_editor.connection.cursor() as cursor:
            indexes = schema_editor.connection.introspection.get_constraints(cursor, new_table)
        if before in indexes:
            schema_editor.execute(
                f"ALTER INDEX {schema_editor.quote_name(before)} RENAME TO {schema_editor.quote_name(after)}"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("legal", "0001_initial"),
        # Every foreign key to the tables points at ``legal`` by now.
        ("investigations", "0004_offence_moved_to_legal"),
        ("sharing", "0004_legal_reference_moved"),
    ]

    operations = [
        migrations.AlterModelTable(name="offence", table=None),
        migrations.AlterModelTable(name="legalbasis", table=None),
        migrations.AlterModelTable(name="offencepenalty", table=None),
        migrations.RunPython(rename_like_indexes, rename_like_indexes_back),
    ]
