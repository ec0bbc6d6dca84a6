"""Translations of frozen versions: import, clause edits, out-of-date marking, the reader."""

from __future__ import annotations

import pytest

from app.auth.permissions import SYSTEM
from app.drafting import service as drafting
from app.drafting.importing import import_source
from app.errors import PermissionDenied, ValidationError
from app.translation import service
from tests.conftest import csrf_token

SMALL = """---
slug: small
title: Small Standard
summary: A tiny one.
uid-prefix: SM
---

# 1 First principle {#SM-0001 .principle}

Intro text.

## 1.1 A criterion {#SM-0002 .criterion}

The Entity shall **not** exceed the limit.

## 1.2 Another criterion {#SM-0003 .criterion}

The Entity shall report yearly.
"""

SMALL_FR = """---
slug: small
title: Petite norme
summary: Une toute petite.
uid-prefix: SM
---

# 1 Premier principe {#SM-0001 .principle}

Texte d’introduction.

## 1.1 Un critère {#SM-0002 .criterion}

L’Entité ne dépasse **pas** la limite.
"""


@pytest.fixture
def small(session):
    """Return (standard, v1, v2): v2 changes 1.1 and renumbers nothing else."""
    standard = import_source(session, SYSTEM, SMALL, "small.md").standard
    v1 = drafting.freeze(session, SYSTEM, standard, label="1.0-draft-1")
    changed = SMALL.replace("shall **not** exceed the limit", "shall stay under the limit")
    import_source(session, SYSTEM, changed, "small.md")
    v2 = drafting.freeze(session, SYSTEM, standard, label="1.0-draft-2")
    return standard, v1, v2


def _by_uid(session, version, language):
    nodes = {n.clause_id: n.uid for n in drafting.version_nodes(session, version)}
    return {nodes[k]: v for k, v in service.read(session, version, language).items()}


def test_import_attaches_a_translation_by_uid(session, small, secretariat):
    _, v1, _ = small
    result = service.import_translation(session, secretariat, v1, "fr", SMALL_FR)
    assert (result.written, result.unchanged) == (2, 0)
    read = _by_uid(session, v1, "fr")
    assert set(read) == {"SM-0001", "SM-0002"}  # 1.2 is not translated
    assert read["SM-0002"].heading == "Un critère"
    assert "ne dépasse **pas**" in read["SM-0002"].body
    assert not any(t.out_of_date for t in read.values())
    assert service.translated_title(session, v1, "fr") == "Petite norme"
    again = service.import_translation(session, secretariat, v1, "fr", SMALL_FR)
    assert (again.written, again.unchanged) == (0, 2)


def test_a_clause_changed_after_its_translation_is_out_of_date(session, small, secretariat):
    _, v1, v2 = small
    service.import_translation(session, secretariat, v1, "fr", SMALL_FR)
    # The later version inherits the translation; only the clause whose text changed is stale.
    read = _by_uid(session, v2, "fr")
    assert read["SM-0001"].out_of_date is False
    assert read["SM-0002"].out_of_date is True
    assert read["SM-0002"].from_version == "1.0-draft-1"
    assert service.languages_for(session, v2) == ["fr"]
    # Translating the clause again against the new version brings it up to date.
    service.save_clause(
        session,
        secretariat,
        v2,
        "fr",
        "SM-0002",
        heading="Un critère",
        body="Reste sous la limite.",
    )
    read = _by_uid(session, v2, "fr")
    assert read["SM-0002"].out_of_date is False and read["SM-0002"].from_version == "1.0-draft-2"
    # The earlier version keeps its own translation.
    assert "ne dépasse" in _by_uid(session, v1, "fr")["SM-0002"].body


def test_import_refuses_unknown_clauses_other_standards_and_non_staff(
    session, small, secretariat, make_user
):
    _, v1, _ = small
    with pytest.raises(ValidationError, match="SM-9999"):
        service.import_translation(
            session, secretariat, v1, "fr", SMALL_FR.replace("SM-0002", "SM-9999")
        )
    with pytest.raises(ValidationError, match="translates other"):
        service.import_translation(
            session, secretariat, v1, "fr", SMALL_FR.replace("slug: small", "slug: other")
        )
    with pytest.raises(ValidationError):
        service.import_translation(session, secretariat, v1, "xx", SMALL_FR)
    with pytest.raises(PermissionDenied):
        service.import_translation(session, make_user(), v1, "fr", SMALL_FR)
    assert service.read(session, v1, "fr") == {}


def test_cli_imports_a_translation(runner, session, small, tmp_path):
    path = tmp_path / "small.fr.md"
    path.write_text(SMALL_FR, encoding="utf-8")
    result = runner.invoke(
        args=["translations", "import", str(path), "--version", "1.0-draft-1", "--lang", "fr"]
    )
    assert result.exit_code == 0, result.output
    assert "2 clauses written" in result.output
    bad = runner.invoke(
        args=["translations", "import", str(path), "--version", "9.9", "--lang", "fr"]
    )
    assert bad.exit_code != 0 and "no version 9.9" in bad.output


def test_reader_switches_the_text_language_and_is_told_english_is_authoritative(
    client, session, small, secretariat
):
    _, v1, v2 = small
    service.import_translation(session, secretariat, v1, "fr", SMALL_FR)
    session.commit()
    page = client.get("/standards/small/versions/1.0-draft-2?text=fr").get_data(as_text=True)
    assert '<html lang="en">' in page  # the interface stays English
    assert '<span lang="fr">Premier principe</span>' in page
    assert "The English text is authoritative" in page
    assert "translation out of date" in page
    # The authoritative text stays on the page, marked as English.
    assert "shall stay under the limit" in page
    english = client.get("/standards/small/versions/1.0-draft-2").get_data(as_text=True)
    assert (
        "Premier principe" not in english
        and 'href="/standards/small/versions/1.0-draft-2?text=fr"' in english
    )
    # In a French interface, the French text is announced in French.
    french = client.get("/standards/small/versions/1.0-draft-1?text=fr&lang=fr").get_data(
        as_text=True
    )
    assert '<html lang="fr">' in french and "Le texte anglais fait foi" in french


def test_secretariat_translates_clause_by_clause_in_the_browser_form(
    client, auth, session, small, secretariat
):
    _, _, v2 = small
    session.commit()
    auth.sign_in(secretariat)
    url = "/standards/small/versions/1.0-draft-2/translations/es/SM-0003"
    response = client.post(
        url,
        data={
            "heading": "Otro criterio",
            "body": "La Entidad informa cada año.",
            "csrf_token": csrf_token(client, url),
        },
    )
    assert response.status_code == 303
    listing = client.get("/standards/small/versions/1.0-draft-2/translations/es")
    assert "Otro criterio" not in listing.get_data(as_text=True)  # titles stay English there
    assert _by_uid(session, v2, "es")["SM-0003"].body == "La Entidad informa cada año."
    upload = client.post(
        "/standards/small/versions/1.0-draft-2/translations",
        data={
            "language": "fr",
            "text": SMALL_FR.replace("SM-0002", "SM-9999"),
            "csrf_token": csrf_token(client, "/standards/small/versions/1.0-draft-2/translations"),
        },
    )
    assert upload.status_code == 422 and "SM-9999" in upload.get_data(as_text=True)


def test_only_the_secretariat_reaches_the_translation_pages(
    client, auth, small, make_user, session
):
    session.commit()
    assert client.get("/standards/small/versions/1.0-draft-1/translations").status_code == 302
    auth.sign_in(make_user())
    assert client.get("/standards/small/versions/1.0-draft-1/translations").status_code == 403


def test_demo_ships_a_french_translation_marked_where_draft_2_changed(db, session):
    from app.demo import translations
    from app.demo.standard import load_standard

    load_standard(db)
    lines = translations.load(db)
    assert "12 clauses written" in lines[0]
    assert "0 clauses written" in translations.load(db)[0]  # safe to run twice
    standard = drafting.get_standard(session, "responsible-aluminium")
    draft_2 = drafting.get_version(session, standard, "3.0-draft-2")
    read = _by_uid(session, draft_2, "fr")
    assert read["RA-1f28"].heading == "Respect de la législation"
    assert read["RA-1f28"].out_of_date is False
    # 1.2.1 gained gifts and hospitality, 1.2.2 a 48-hour deadline, 1.3 grievances.
    assert {uid for uid, t in read.items() if t.out_of_date} >= {"RA-d03e", "RA-8767", "RA-7c58"}
    assert "RA-2b8b" not in read  # new in draft 2: not translated
