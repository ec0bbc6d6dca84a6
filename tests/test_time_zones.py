"""The zone picker offers real places grouped by region, and keeps an older choice."""

from __future__ import annotations

from app.time_zones import offered_zones, place_name, zone_choices


def test_only_real_zones_are_offered():
    zones = offered_zones()
    assert zones[0] == "UTC"
    assert "Europe/Berlin" in zones and "America/Argentina/Buenos_Aires" in zones
    for odd in ("Factory", "localtime", "posixrules", "Etc/GMT+3", "US/Eastern", "GB", "EST5EDT"):
        assert odd not in zones
    assert len(zones) == len(set(zones))


def test_choices_are_grouped_by_region_with_place_names(app):
    with app.test_request_context():
        choices = zone_choices()
    groups = {c.optgroup for c in choices}
    assert {"Europe", "Africa", "Americas", "Coordinated time"} <= groups
    berlin = next(c for c in choices if c.value == "Europe/Berlin")
    assert (berlin.label, berlin.optgroup) == ("Berlin", "Europe")
    assert place_name("America/Argentina/Buenos_Aires") == "Argentina – Buenos Aires"


def test_an_older_choice_stays_offered(app):
    with app.test_request_context():
        assert "Etc/GMT+3" in {c.value for c in zone_choices("Etc/GMT+3")}
        assert "Etc/GMT+3" not in {c.value for c in zone_choices("Europe/Berlin")}


def test_the_profile_offers_grouped_zones_and_marks_the_zone_as_chosen(client, auth, make_user):
    auth.sign_in(make_user())
    page = client.get("/profile").get_data(as_text=True)
    assert '<optgroup label="Europe">' in page
    assert '<option value="Europe/Berlin">Berlin</option>' in page
    assert "Factory" not in page and "posixrules" not in page
    assert "data-zone-chosen" in page  # site.js leaves the server's times alone


def test_anonymous_pages_let_the_browser_show_its_zone(client):
    assert "data-zone-chosen" not in client.get("/").get_data(as_text=True)
