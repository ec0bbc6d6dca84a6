"""A publication inherits the translations attached to its frozen version."""

from __future__ import annotations

import datetime as dt

from app.drafting import service as drafting
from app.translation import service as translations


def test_publication_reader_offers_the_versions_translation(
    client, session, make_standard, published, secretariat
):
    standard = make_standard(slug="translated-std")
    publication = published(standard, "1.0", dt.date(2020, 1, 1))
    node = drafting.version_nodes(session, publication.version)[1]
    translations.save_clause(
        session,
        secretariat,
        publication.version,
        "es",
        node.uid,
        heading="Criterio 1",
        body="La Entidad informa cada año.",
    )
    session.commit()
    page = client.get("/standards/translated-std/1.0?text=es").get_data(as_text=True)
    assert '<span lang="es">Criterio 1</span>' in page
    assert '<div class="clause-body clause-translation" lang="es">' in page
    assert "The English text is authoritative" in page
    english = client.get("/standards/translated-std/1.0").get_data(as_text=True)
    assert "La Entidad informa" not in english
    assert 'href="/standards/translated-std/1.0?text=es" hreflang="es"' in english
