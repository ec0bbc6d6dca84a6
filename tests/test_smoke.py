def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "reachable"}


def test_home_lists_standards(client, make_standard):
    make_standard(title="Smoke Standard")
    page = client.get("/").get_data(as_text=True)
    assert "Smoke Standard" in page
