"""Front-end assets: from static/vendor when `make assets` put them there, else a pinned CDN + SRI.

Versions and hashes are those of the npm packages pinned in package.json; a test checks that the
vendored files match them.
"""

from __future__ import annotations

import os

from flask import url_for
from markupsafe import Markup, escape

PACKAGES = {"dsfr": ("@gouvfr/dsfr", "1.15.3", "dist"), "htmx": ("htmx.org", "2.0.11", "dist")}

FILES = {
    (
        "dsfr",
        "dsfr.min.css",
    ): "sha384-4wpI8Llc2UUHtcY7yHu3Oim5ehqTpPK04DMn+rRCXUCwH1g2ChPUDO85/A1YdgFF",
    ("dsfr", "utility/icons/icons.min.css"): (
        "sha384-eZttJ6GiCRGDB0vSXDFErzpOrPQjG4MIkulDX4nwR7drxWPMBsiZ5aqaF3WB3WHf"
    ),
    ("dsfr", "dsfr.module.min.js"): (
        "sha384-Cw5CS2Fvr/DGphoVDgLsI2KeLYMzyATr8PRwDeI+zalFEZ0G8Ig7ZLg8CsMUQW5W"
    ),
    ("dsfr", "dsfr.nomodule.min.js"): (
        "sha384-tkAKezl+bRSEV/4mX62A5YqSF/UFUouij71dC4iScRuUnrvVPr1OYbhpUBA9tiOj"
    ),
    (
        "htmx",
        "htmx.min.js",
    ): "sha384-2OatzQy1H+Zd/IIrjr1TcuDGqLXeHhbooAyJY1KdQMKnr4LZ22k31GBLdYKHmVjg",
}


class Assets:
    def __init__(self, app):
        self.cdn = app.config["ASSETS_CDN"]
        self.vendor_dir = os.path.join(app.static_folder, "vendor")
        self.local = {
            key: os.path.isfile(os.path.join(self.vendor_dir, key[0], key[1])) for key in FILES
        }
        self.all_local = all(self.local.values())
        app.extensions["assets"] = self
        app.jinja_env.globals["asset_tag"] = self.tag

    def url(self, package: str, path: str) -> tuple[str, str | None]:
        if self.local[(package, path)]:
            return url_for("static", filename=f"vendor/{package}/{path}"), None
        name, version, folder = PACKAGES[package]
        return f"{self.cdn}/{name}@{version}/{folder}/{path}", FILES[(package, path)]

    def tag(self, package: str, path: str, module: bool | None = None) -> Markup:
        href, integrity = self.url(package, path)
        sri = f' integrity="{integrity}" crossorigin="anonymous"' if integrity else ""
        if path.endswith(".css"):
            return Markup(f'<link rel="stylesheet" href="{escape(href)}"{sri}>')  # noqa: S704 (escaped)
        kind = ' type="module"' if module else (" nomodule" if module is False else "")
        return Markup(f'<script src="{escape(href)}"{kind}{sri} defer></script>')  # noqa: S704 (escaped)
