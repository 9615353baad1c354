"""Bad input gets a clear message and a 4xx, never a 500."""

import pytest


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        ({}, None),
        ({"email": "x" * 5000, "password": "y"}, None),
        ({"email": "not-an-email", "password": ""}, None),
        ('{"email": "a@b.c", "password": "x"}', "application/json"),
        ("\xff\xfe garbage", "text/plain"),
        (b"--broken\r\nmultipart", "multipart/form-data; boundary=broken"),
    ],
)
def test_malformed_login_posts_are_4xx(client, data, content_type):
    kwargs = {"data": data}
    if content_type:
        kwargs["content_type"] = content_type
    response = client.post("/login", **kwargs)
    assert 400 <= response.status_code < 500, response.status_code


def test_oversize_body_is_413_with_a_message(client, app):
    body = b"a" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/login", data=body, content_type="application/octet-stream")
    assert response.status_code == 413
    assert "larger than we accept" in response.get_data(as_text=True)


def test_oversize_form_field_is_rejected(client, app):
    response = client.post("/login", data={"email": "a" * (3 * 1024 * 1024), "password": "x"})
    assert response.status_code in (413, 422)
    html = response.get_data(as_text=True)
    assert "larger than we accept" in html or "254 characters" in html


def test_missing_fields_re_render_the_form_with_errors(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html and "This field is required" in html


@pytest.mark.parametrize("token", ["", "x", "a.b.c", "%00", "../../etc/passwd"])
def test_garbage_activation_tokens(client, token):
    response = client.get(f"/activate/{token}")
    assert response.status_code in (400, 404)


def test_unknown_method_is_405_with_page(client):
    response = client.put("/login")
    assert response.status_code == 405
    assert "not allowed" in response.get_data(as_text=True)
