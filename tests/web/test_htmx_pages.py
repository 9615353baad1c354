def test_full_page_and_partial_vary_on_hx_request(client):
    page = client.get("/crisis-lines")
    assert page.status_code == 200
    assert b"<html" in page.data
    assert "HX-Request" in page.headers["Vary"]


def test_error_partial_for_htmx_full_page_otherwise(client):
    full = client.get("/no-such-page")
    assert full.status_code == 404 and b"<html" in full.data
    partial = client.get("/no-such-page", headers={"HX-Request": "true"})
    assert partial.status_code == 404
    assert b"<html" not in partial.data
    assert b'id="error-message"' in partial.data


def test_boosted_and_history_restore_get_full_pages(client):
    for extra in ({"HX-Boosted": "true"}, {"HX-History-Restore-Request": "true"}):
        response = client.get("/no-such-page", headers={"HX-Request": "true", **extra})
        assert b"<html" in response.data


def test_base_template_carries_csrf_header_and_vendored_htmx(client):
    html = client.get("/").get_data(as_text=True)
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert "/static/vendor/htmx-2.0.11.min.js" in html
    assert "http://" not in html.replace('xmlns="http://', "")
    assert "https://" not in html
