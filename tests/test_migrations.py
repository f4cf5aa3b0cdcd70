"""Models and migrations agree (what `alembic check` verifies), on both databases."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from bot.migrate import upgrade
from services.db import Database
from services.schema import metadata


async def test_models_match_migrations(db: Database) -> None:
    await upgrade(db)  # idempotent on a migrated database

    def diff(connection):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, metadata)

    async with db.engine.connect() as connection:
        differences = await connection.run_sync(diff)
    assert differences == []


async def test_every_table_is_created(db: Database) -> None:
    def tables(connection):  # type: ignore[no-untyped-def]
        from sqlalchemy import inspect

        return set(inspect(connection).get_table_names())

    async with db.engine.connect() as connection:
        present = await connection.run_sync(tables)
    assert set(metadata.tables) <= present


def test_one_head() -> None:
    """Revisions form one line, so a new revision has one parent."""
    from alembic.script import ScriptDirectory

    from bot.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()) == 1
