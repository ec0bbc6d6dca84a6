"""Choosing the interface language: address, profile, cookie, browser, in that order."""

from __future__ import annotations

from tests.conftest import csrf_token


def _lang(page: str) -> str:
    return page.split('<html lang="', 1)[1].split('"', 1)[0]


def test_browser_preference_is_followed_and_the_alternates_are_announced(client):
    response = client.get("/consultations", headers={"Accept-Language": "es-MX,es;q=0.9"})
    page = response.get_data(as_text=True)
    assert _lang(page) == "es" and "Consultas públicas" in page
    assert "Accept-Language" in response.headers["Vary"] and "Cookie" in response.headers["Vary"]
    for code in ("en", "fr", "es"):
        assert (
            f'<link rel="alternate" hreflang="{code}" '
            f'href="http://clausewise.test/consultations?lang={code}">' in page
        )
    # Nothing we offer: English.
    assert _lang(client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)) == "en"


def test_switch_without_javascript_sets_a_cookie_and_returns_to_the_page(client):
    token = csrf_token(client, "/consultations")
    response = client.post(
        "/language", data={"language": "fr", "next": "/consultations?lang=es", "csrf_token": token}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/consultations"  # an older ?lang= no longer wins
    assert "lang=fr" in response.headers["Set-Cookie"]
    page = client.get("/consultations", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert _lang(page) == "fr" and "Consultations publiques" in page
    current = 'name="language" value="fr" lang="fr" class="link" aria-current="true">'
    assert current in page


def test_switch_refuses_other_sites_and_unknown_languages(client):
    token = csrf_token(client, "/")
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post(
            "/language", data={"language": "es", "next": target, "csrf_token": token}
        )
        assert response.headers["Location"] == "/"
    response = client.post("/language", data={"language": "xx", "next": "/", "csrf_token": token})
    assert response.status_code == 303
    assert not any(c.startswith("lang=") for c in response.headers.getlist("Set-Cookie"))
    assert client.post("/language", data={"language": "fr"}).status_code == 400  # CSRF


def test_signed_in_choice_is_kept_in_the_profile_and_wins_over_the_browser(
    client, auth, make_user, session
):
    user = make_user()
    auth.sign_in(user)
    token = csrf_token(client, "/profile")
    client.post("/language", data={"language": "es", "next": "/profile", "csrf_token": token})
    session.refresh(user)
    assert user.language == "es"
    client.delete_cookie("lang", domain="clausewise.test")
    page = client.get("/profile", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert _lang(page) == "es"
    assert '<option selected value="es">Español</option>' in page
    # The profile form changes it too, and ?lang= shows one page in another language.
    response = client.post(
        "/profile",
        data={
            "name": user.name,
            "organisation": "",
            "stakeholder_group": "individual",
            "timezone": "UTC",
            "language": "fr",
            "csrf_token": csrf_token(client, "/profile"),
        },
    )
    assert response.status_code == 302
    session.refresh(user)
    assert user.language == "fr"
    assert _lang(client.get("/profile?lang=en").get_data(as_text=True)) == "en"
    assert _lang(client.get("/profile").get_data(as_text=True)) == "fr"
