"""Front-end assets built by `make assets` (app/core/assetbuild.py) into static/dist/.

- Flask-Static-Digest: templates call `static_url_for("static", filename="dist/portal.css")`, which
  answers the fingerprinted name from static/cache_manifest.json.
- WhiteNoise serves /static/ before Flask: the brotli or gzip copy the browser accepts, and
  fingerprinted files with `Cache-Control: max-age=31536000, public, immutable`.
- Flask-Compress compresses what Flask renders (HTML, htmx fragments, JSON).
"""

from __future__ import annotations

import os
import re

from flask_compress import Compress
from flask_static_digest import FlaskStaticDigest
from markupsafe import Markup, escape
from whitenoise import WhiteNoise

YEAR = 365 * 24 * 3600
FINGERPRINTED = re.compile(r"-[0-9a-f]{32}\.")
# Faces the pages render before anything else: body text and headings. Others load on demand.
PRELOADED_FONTS = ("Marianne-Regular-latin", "Marianne-Bold-latin")
compress = Compress()


def _static_headers(headers, path, url):
    headers["X-Content-Type-Options"] = "nosniff"


class Assets:
    def __init__(self, app):
        app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
        # Brotli 3 for pages, made on every response: a search page (40 KB) in ~0.3 ms where
        # level 5 took ~0.8 ms (1.4 ms inside a request, its tables out of the CPU's cache), for
        # 8 % more bytes (a few hundred); the bytes are won back by sending less HTML (the
        # commune list of the search loads on demand). Static files: once, at the highest level.
        app.config.setdefault("COMPRESS_BR_LEVEL", 3)
        # A 256 KB window (brotli's default is 4 MB): the same bytes for any page smaller than
        # that, and no 4 MB window set up for each response.
        app.config.setdefault("COMPRESS_BR_WINDOW", 18)
        app.config.setdefault("COMPRESS_REGISTER", True)
        compress.init_app(app)
        self.digest = FlaskStaticDigest(app)
        self._head: Markup | None = None
        self.manifest = os.path.join(app.static_folder, "cache_manifest.json")
        self.built = os.path.isfile(self.manifest)
        fonts = os.path.join(app.static_folder, "dist", "fonts")
        self.fonts = sorted(
            f"dist/fonts/{name}"
            for name in (os.listdir(fonts) if os.path.isdir(fonts) else ())
            if name.rsplit("-", 1)[0] in PRELOADED_FONTS
        )
        app.wsgi_app = WhiteNoise(
            app.wsgi_app,
            root=app.static_folder,
            prefix=app.static_url_path,
            max_age=60,
            immutable_file_test=lambda path, url: bool(FINGERPRINTED.search(url)),
            add_headers_function=_static_headers,
        )
        app.extensions["assets"] = self
        app.jinja_env.globals["asset_head"] = self.head

    def head(self) -> Markup:
        """The <head> links: preloaded fonts, the stylesheet, the icon, the scripts."""
        if self._head is None:
            url = self.digest.static_url_for
            tags = [
                f'<link rel="preload" href="{escape(url("static", filename=font))}" as="font" '
                'type="font/woff2" crossorigin>'
                for font in self.fonts
            ]
            css, icon = (
                url("static", filename="dist/portal.css"),
                url("static", filename="dist/favicon.svg"),
            )
            tags += [
                f'<link rel="stylesheet" href="{escape(css)}">',
                f'<link rel="icon" href="{escape(icon)}" type="image/svg+xml">',
                f'<script type="module" src="{escape(url("static", filename="dist/dsfr.module.js"))}"></script>',
                f'<script nomodule src="{escape(url("static", filename="dist/dsfr.nomodule.js"))}" defer></script>',
                f'<script src="{escape(url("static", filename="dist/portal.js"))}" defer></script>',
            ]
            self._head = Markup("\n  ".join(tags))  # noqa: S704 (every URL escaped)
        return self._head
