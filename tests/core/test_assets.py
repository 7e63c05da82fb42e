"""Front end served light: one fingerprinted stylesheet and scripts built by `make assets`,
precompressed and cached for a year; compressed HTML; only the icons the portal shows."""

import json
import os
import re

import pytest

from app.core import assetbuild


@pytest.fixture(scope="module")
def manifest(app):
    path = os.path.join(app.static_folder, "cache_manifest.json")
    if not os.path.isfile(path):
        pytest.fail(
            "Front end not built: run `make assets` (npm ci + python -m app.core.assetbuild)."
        )
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def test_pages_link_the_fingerprinted_bundle_from_our_origin_only(client, manifest):
    response = client.get("/connexion")
    html = response.text
    for name in ("dist/portal.css", "dist/dsfr.module.js", "dist/portal.js"):
        assert f'"/static/{manifest[name]}"' in html
    assert re.search(
        r'rel="preload" href="/static/dist/fonts/Marianne-Regular-latin-[0-9a-f]{32}\.woff2"', html
    )
    assert "cdn" not in html and "http" not in response.headers["Content-Security-Policy"]
    assert '<script type="module" src="' in html and " defer></script>" in html
    assert not re.search(r'type="module"[^>]*defer', html)


def test_static_files_precompressed_and_cached_for_a_year(client, manifest):
    url = "/static/" + manifest["dist/portal.css"]
    brotli = client.get(url, headers={"Accept-Encoding": "gzip, br"})
    assert brotli.status_code == 200
    assert brotli.headers["Content-Encoding"] == "br"
    assert "immutable" in brotli.headers["Cache-Control"]
    assert "max-age=315360000" in brotli.headers["Cache-Control"] or (
        "max-age=31536000" in brotli.headers["Cache-Control"]
    )
    assert brotli.headers["X-Content-Type-Options"] == "nosniff"
    gzipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"
    plain = client.get(url)
    assert "Content-Encoding" not in plain.headers
    assert len(brotli.data) < len(gzipped.data) < len(plain.data) / 5
    assert plain.data.startswith(b"/*! DSFR v1.15.3")


def test_html_is_compressed(client):
    response = client.get("/connexion", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert response.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert response.headers["Cache-Control"] == "no-store"


def test_the_stylesheet_has_the_icons_the_portal_shows_and_no_other(manifest, app):
    sources = assetbuild.portal_sources()
    used = set(assetbuild.ICON.findall(sources))
    assert {"lock-line", "logout-box-r-line"} <= used
    with open(os.path.join(app.static_folder, "dist", "portal.css"), encoding="utf-8") as f:
        css = f.read()
    defined = set(re.findall(r"\.fr-icon-([a-z0-9-]+):before", css))
    assert defined == used
    # Icons are inlined; the only files a page fetches from the stylesheet are its fonts.
    urls = {u for u in re.findall(r"url\(([^)]+)\)", css) if not u.strip("\"'").startswith("data:")}
    assert urls and all(re.fullmatch(r"fonts/[A-Za-z_-]+-[0-9a-f]{32}\.woff2", u) for u in urls)


def test_only_the_components_the_portal_uses_are_built():
    components = assetbuild.used_components({"fr-btn", "fr-header__brand", "fr-input-group"})
    # header needs link, logo, button, search, translate, navigation, modal; input needs form.
    assert components.index("button") < components.index("header")
    assert {"header", "navigation", "modal", "input", "form", "logo"} <= set(components)
    assert "table" not in components and "tile" not in components


def test_templates_write_htmx_as_data_attributes():
    """htmx reads `data-hx-*` too, and only that form is valid HTML (the Nu validator checks the
    pages the browser tests visit; this checks every template, visited or not)."""
    from pathlib import Path

    bare = re.compile(r"(?<![\w-])hx-[a-z-]+=")
    offenders = [
        f"{path}:{number}"
        for path in Path("app").rglob("*.html")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if bare.search(line)
    ]
    assert offenders == []
