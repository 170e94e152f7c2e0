"""Code names searched like words: SearchEntry.code_text, and on PostgreSQL the generated
`search_vector` over `text` and `code_text` (migration 0005_search_vector made it over
`text` alone; a generated column cannot be altered, so it is dropped and added again, with
its GIN index). Entries indexed before this have no code_text until `rebuild_index`.
"""

from django.db import migrations, models

TABLE = "insights_searchentry"
# As in 0005_search_vector: characters PostgreSQL's parser would glue words with become
# postgres_backend.STANDINS, which it takes for spaces.
STANDINS = "'<>-/.@:', E'\\uE000\\uE001\\uE002\\uE003\\uE004\\uE005\\uE006'"


def vector_sql(source: str) -> list[str]:
    return [
        "DROP INDEX IF EXISTS search_entry_vector_gin",
        f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector",
        f"""
        ALTER TABLE {TABLE}
        ADD COLUMN search_vector tsvector
        GENERATED ALWAYS AS (
            to_tsvector('cxresearch_english'::regconfig, translate({source}, {STANDINS}))
        ) STORED
        """,
        f"CREATE INDEX search_entry_vector_gin ON {TABLE} USING gin (search_vector)",
    ]


def with_code_names(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in vector_sql("text || E'\\n' || code_text"):
            schema_editor.execute(statement)


def text_only(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in vector_sql("text"):
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0015_search_entry_ranking_and_passage"),
    ]

    operations = [
        migrations.AddField(
            model_name="searchentry",
            name="code_text",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.RunPython(with_code_names, text_only),
    ]
