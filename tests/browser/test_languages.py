"""The public journey in French: switch the language, read, comment on a passage, submit."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Page, expect

from app.auth.models import User
from app.auth.personal_data import verification_token
from app.demo.accounts import DEMO_PASSWORD
from tests.browser.actions import accept_next_confirmation, select_with_mouse
from tests.browser.serve import LIVE_SECRET

CLAUSE = "RA-8270"
PASSAGE = "6 tonnes CO2e per tonne of aluminium"
TRANSLATED = "RA-1f28"  # 1.1 Legal compliance, translated into French in the demo


def test_public_journey_in_french(page: Page, live_server: str):
    marker = f"fr-{uuid.uuid4().hex[:10]}"
    page.goto(live_server)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    # The switch in the header works with one click and is remembered.
    page.get_by_role("group", name="Language").get_by_role("button", name="Français").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("link", name="Créer un compte")).to_be_visible()

    page.get_by_role("link", name="Créer un compte").click()
    page.get_by_label("Votre nom").fill(f"Camille {marker}")
    page.get_by_label("Adresse électronique").fill(f"{marker}@example.org")
    page.get_by_label("Mot de passe", exact=True).fill(DEMO_PASSWORD)
    page.get_by_label("Répétez le mot de passe").fill(DEMO_PASSWORD)
    page.get_by_label("J’accepte les conditions de participation").check()
    page.get_by_role("button", name="Créer le compte").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    # The link of the verification mail, opened as from the inbox.
    account = page.request.get(f"{live_server}/profile/data.json").json()["account"]
    token = verification_token(User(id=account["id"], email=account["email"]), LIVE_SECRET)
    page.goto(f"{live_server}/email/verify/{token}")
    page.get_by_role("button", name="Confirmer mon adresse").click()
    expect(page.get_by_role("status").filter(has_text="est confirmée")).to_be_visible()

    nav = page.get_by_role("navigation", name="Menu principal")
    nav.get_by_role("link", name="Consultations").click()
    page.get_by_role("listitem").filter(has_text="3.0-draft-2").get_by_role("link").first.click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name="Comment participer")).to_be_visible()

    # Read the text in French: English stays authoritative and the page says so.
    page.get_by_role("navigation", name="Langue du texte :").get_by_role(
        "link", name="Français"
    ).click()
    expect(page.locator(".authoritative-note")).to_contain_text("Le texte anglais fait foi")
    translated = page.locator(f"#{TRANSLATED} .clause-translation")
    expect(translated).to_have_attribute("lang", "fr")
    expect(translated).to_contain_text("L’Entité respecte l’ensemble du droit applicable")
    expect(page.locator(".badge-stale").first).to_have_text("traduction à mettre à jour")

    # Comment on a passage of the authoritative text (not translated: shown in English).
    body = page.locator(f'div.clause-body[data-clause-uid="{CLAUSE}"]')
    expect(body).to_have_attribute("lang", "en")
    select_with_mouse(page, body, PASSAGE)
    page.locator("#annotate-button").click()
    form = page.locator("form#comment-form")
    expect(page.locator("#anchor-quote")).to_have_text(PASSAGE)
    expect(form.get_by_label("Langue du commentaire")).to_have_value("fr")
    form.get_by_label("Votre commentaire").fill(f"Le seuil devrait baisser ({marker}).")
    form.get_by_role("button", name="Enregistrer dans mon brouillon de contribution").click()
    # Back at the clause: the confirmation (in French) leads to the draft submission.
    saved = page.locator(f"section#{CLAUSE} #comment-saved")
    expect(saved).to_contain_text("Commentaire enregistré")
    saved.get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Mon brouillon de contribution")
    saved = page.locator("li.comment").filter(has_text=marker)
    expect(saved.locator(".comment-text")).to_have_attribute("lang", "fr")
    # Submitting is irreversible: the page asks first, in French.
    accept_next_confirmation(page, "Envoyer vos commentaires")
    page.locator("#submit-button").click()

    expect(page.locator("#receipt")).to_have_text(re.compile(r"^RA-R2-\d{4}$"))
    received = page.get_by_role("status").filter(has_text="Reçue le")
    expect(received).to_be_visible()
    # One date format per locale: "26 nov. 2026, 14:05 UTC", no seconds, no AM/PM.
    expect(received.locator("time")).to_have_text(
        re.compile(r"^\d{1,2} \S+ \d{4}, \d{2}:\d{2} \S+$")
    )
    expect(page.locator("html")).to_have_attribute("lang", "fr")
