"""PostgreSQL full-text search: one document table with a generated, weighted tsvector

Each row is a document the search indexer wrote (a clause of a version or of the
working draft, or a comment): its facet values, who may find it, its text, and a
generated `search_vector` (clause number and heading A, body B, proposed change and
published response C) under a GIN index. `search_word` holds the unstemmed words
did-you-mean draws on. SQLite uses the Whoosh engine: nothing to do there.

Revision ID: 0005_search_fulltext
Revises: 0004_page_text_append_only
"""

from alembic import op

revision = "0005_search_fulltext"
down_revision = "0004_page_text_append_only"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        """
        CREATE TABLE search_document (
            key varchar(40) PRIMARY KEY,
            kind varchar(16) NOT NULL,
            access varchar(16) NOT NULL,
            public_from bigint NOT NULL DEFAULT 0,
            hidden boolean NOT NULL DEFAULT false,
            standard varchar(80) NOT NULL,
            version varchar(16) NOT NULL,
            round varchar(16) NOT NULL DEFAULT '',
            clause varchar(24) NOT NULL DEFAULT '',
            clause_kind varchar(16) NOT NULL DEFAULT '',
            stakeholder varchar(32) NOT NULL DEFAULT '',
            comment_type varchar(16) NOT NULL DEFAULT '',
            decision varchar(32) NOT NULL DEFAULT '',
            public_decision varchar(32) NOT NULL DEFAULT '',
            title text NOT NULL DEFAULT '',
            receipt varchar(40) NOT NULL DEFAULT '',
            comment_id integer,
            heading text NOT NULL DEFAULT '',
            body text NOT NULL DEFAULT '',
            proposed text NOT NULL DEFAULT '',
            response text NOT NULL DEFAULT '',
            search_vector tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english', heading), 'A')
                || setweight(to_tsvector('english', body), 'B')
                || setweight(to_tsvector('english', proposed), 'C')
                || setweight(to_tsvector('english', response), 'C')
            ) STORED
        )
        """
    )
    op.execute(
        "CREATE INDEX ix_search_document_search_vector ON search_document USING gin (search_vector)"
    )
    op.execute("CREATE INDEX ix_search_document_round ON search_document (round)")
    op.execute("CREATE TABLE search_word (word varchar(64) PRIMARY KEY)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TABLE search_word")
    op.execute("DROP TABLE search_document")
