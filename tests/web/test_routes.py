"""The page's files and the headers they are served with."""

from __future__ import annotations

import re

from tests.web.conftest import Site


def test_page_is_served_with_a_strict_content_security_policy(site: Site) -> None:
    page = site.client.get("/ui")
    slash = site.client.get("/ui/")
    script = site.client.get("/ui/app.js")
    style = site.client.get("/ui/app.css")

    for response in (page, slash, script, style):
        assert response.status_code == 200
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
    assert page.text == slash.text
    assert page.headers["content-type"].startswith("text/html")
    assert script.headers["content-type"].startswith("text/javascript")
    assert style.headers["content-type"].startswith("text/css")
    # Nothing the policy would block: no inline handlers, scripts or styles, nothing remote.
    assert not re.search(r"\son[a-z]+=", page.text)
    assert "<style" not in page.text
    assert re.findall(r"<script[^>]*>", page.text) == ['<script src="/ui/app.js" defer>']
    assert "http://" not in page.text
    assert "https://" not in page.text
    assert "/ui" not in site.client.get("/schema/openapi.json").text
