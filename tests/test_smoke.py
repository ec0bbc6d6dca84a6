def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["status"], body["database"]) == ("ok", "reachable")
    assert body["search"]["lagging"] is False


def test_home_lists_standards(client, make_standard):
    make_standard(title="Smoke Standard")
    page = client.get("/").get_data(as_text=True)
    assert "Smoke Standard" in page


def test_markdown_preview_is_safe_and_needs_csrf(client):
    from tests.conftest import csrf_token

    token = csrf_token(client, "/")
    response = client.post(
        "/markdown/preview",
        json={"text": "**b** <script>x</script>"},
        headers={"X-CSRFToken": token},
    )
    html = response.get_json()["html"]
    assert html == "<p><strong>b</strong> &lt;script&gt;x&lt;/script&gt;</p>\n"
    assert client.post("/markdown/preview", json={"text": "x"}).status_code == 400
