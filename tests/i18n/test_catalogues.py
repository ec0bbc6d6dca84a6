"""The catalogues cover every message of the code, in French and Spanish."""

from __future__ import annotations

from babel.messages.catalog import Catalog

from app.i18n import catalogues


def test_every_message_of_the_code_is_translated_and_compiled():
    problems = catalogues.problems()
    assert problems == [], (
        "Run scripts/translations, translate what `scripts/translations todo LANG` lists, "
        "and commit translations/:\n" + "\n".join(problems[:40])
    )


def test_the_check_reports_a_missing_fuzzy_or_broken_message(monkeypatch, tmp_path):
    template = Catalog(locale=None)
    template.add("Hello %(name)s")
    template.add("Only in the code")
    template.add("Fuzzy one")
    template.add(("%(num)d day", "%(num)d days"))
    for lang in catalogues.TRANSLATED:
        catalog = Catalog(locale=lang)
        catalog.add("Hello %(name)s", "Bonjour %(nom)s")
        catalog.add("Fuzzy one", "Un flou", flags=["fuzzy"])
        catalog.add(("%(num)d day", "%(num)d days"), ("%(num)d jour", "jours"))
        path = tmp_path / lang / "LC_MESSAGES" / "messages.po"
        catalogues._write_po(catalog, path)
        path.with_suffix(".mo").write_bytes(catalogues.mo_bytes(catalogues.read(path, lang)))
    monkeypatch.setattr(catalogues, "CATALOGUES", tmp_path)
    monkeypatch.setattr(catalogues, "ROOT", tmp_path)
    found = "\n".join(catalogues.problems(template))
    assert "'Only in the code' is missing" in found
    assert "'Fuzzy one' is fuzzy" in found
    assert "'Hello %(name)s' has placeholders ['%(nom)s']" in found
    # A plural form may drop %(num)d ("jours") but not invent a placeholder.
    assert "plural form" not in found


def test_placeholders_ignore_literal_percent_signs():
    assert catalogues.placeholders("%(p)d%% alike") == ["%(p)d"]
    assert catalogues.placeholders("%(p)d %% de similitude") == ["%(p)d"]
