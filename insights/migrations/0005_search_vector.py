"""The PostgreSQL full-text column and index behind insights.search.postgres_backend.

On PostgreSQL only:
1. a text search configuration, cxresearch_english: english (the Snowball stemmer) without
   its stop-word list, so every word is indexed; the backend leaves stop words out of queries
   itself (the same short list as the Whoosh backend);
2. a generated `search_vector` column over `text`, with the characters that PostgreSQL's parser
   would glue words with (- / . @ :) or read as HTML tags (< >) turned into separators, so
   the index splits words as the query language does (postgres_backend.SEPARATED);
3. a GIN index on it.
SQLite has no tsvector and never uses that backend, so there this migration does nothing.

The column depends on `text`: a later migration that alters `text` must drop the column first
and add it back (rerun this migration's SQL), or PostgreSQL refuses the change.
"""

from django.db import migrations

TABLE = "insights_searchentry"

ADD_SQL = [
    "CREATE TEXT SEARCH DICTIONARY cxresearch_english_stem"
    " (TEMPLATE = snowball, Language = english)",
    "CREATE TEXT SEARCH CONFIGURATION cxresearch_english (COPY = english)",
    "ALTER TEXT SEARCH CONFIGURATION cxresearch_english"
    " ALTER MAPPING REPLACE english_stem WITH cxresearch_english_stem",
    # The private-use characters are postgres_backend.STANDINS; the parser takes them for spaces.
    f"""
    ALTER TABLE {TABLE}
    ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        to_tsvector(
            'cxresearch_english'::regconfig,
            translate(text, '<>-/.@:', E'\\uE000\\uE001\\uE002\\uE003\\uE004\\uE005\\uE006')
        )
    ) STORED
    """,
    # Every search: WHERE search_vector @@ <tsquery>.
    f"CREATE INDEX search_entry_vector_gin ON {TABLE} USING gin (search_vector)",
]

DROP_SQL = [
    "DROP INDEX IF EXISTS search_entry_vector_gin",
    f"ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS cxresearch_english",
    "DROP TEXT SEARCH DICTIONARY IF EXISTS cxresearch_english_stem",
]


def add_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in ADD_SQL:
            schema_editor.execute(statement)


def drop_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP_SQL:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0004_search_entries"),
    ]

    operations = [
        migrations.RunPython(add_search_vector, drop_search_vector),
    ]
