"""Build the portal's front end from the pinned npm packages: `python -m app.core.assetbuild`.

`make assets` runs it after `npm ci`. It writes app/static/dist/ (not committed):

- `portal.css`: the DSFR core, only the DSFR components whose classes the templates and code use
  (with the components they depend on, read from each component's README), the dark-mode scheme,
  only the icons shown (their SVG inlined, so icons cost no request), then static/css/portal.css.
  Each font face points at fingerprinted woff2 files: cut to the Latin characters, and whole for
  the rest (`unicode-range`), so a page in French loads half of each font.
- `dsfr.module.js` / `dsfr.nomodule.js`: the DSFR scripts of those components only.
- `portal.js`: htmx, then static/js/portal.js.

Then Flask-Static-Digest fingerprints every file (`<name>-<md5>.<ext>`) and writes gzip and brotli
copies beside it plus `static/cache_manifest.json`; WhiteNoise serves them (app/core/assets.py).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
STATIC = APP / "static"
DIST = STATIC / "dist"
NODE = ROOT / "node_modules"
DSFR = NODE / "@gouvfr" / "dsfr" / "dist"
HTMX = NODE / "htmx.org" / "dist" / "htmx.min.js"

# A component is included when a class of the portal starts with one of its prefixes.
# By default the prefix is `fr-<component>`; these components use other names.
PREFIXES = {
    "button": ("fr-btn",),
    "content": ("fr-content",),
    "form": ("fr-fieldset", "fr-message", "fr-label", "fr-hint-text", "fr-form"),
    "navigation": ("fr-nav", "fr-menu", "fr-mega-menu"),
    "search": ("fr-search",),
    "skiplink": ("fr-skiplink",),
    "tab": ("fr-tabs",),
}
CLASS = re.compile(r"fr-[a-z0-9][a-z0-9_-]*")
ICON = re.compile(r"\bfr-(?:icon|fi)-([a-z0-9-]+?-(?:line|fill))\b")
SELECTOR_CLASS = re.compile(r"\.(fr-[a-zA-Z0-9_-]+)")
NOT = re.compile(r":not\([^()]*\)")
URL = re.compile(r"url\(([^)]+)\)")


def portal_sources() -> str:
    """Every template, Python module and script of the app: where DSFR classes are named."""
    texts = []
    for pattern in ("**/*.html", "**/*.py", "static/js/*.js"):
        for path in sorted(APP.glob(pattern)):
            if DIST not in path.parents:
                texts.append(path.read_text(encoding="utf-8"))
    return "\n".join(texts)


def dependencies(component: str) -> list[str]:
    readme = (DSFR / "component" / component / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Dépendances", 1)[-1].split("## ", 1)[0]
    return [name for name in re.findall(r"└─ ([a-z]+)", section) if name not in ("core", "legacy")]


def used_components(classes: set[str]) -> list[str]:
    """Components used by the portal, each after the components it depends on."""
    available = sorted(p.name for p in (DSFR / "component").iterdir() if p.is_dir())

    def uses(component: str) -> bool:
        prefixes = PREFIXES.get(component, (f"fr-{component}",))
        return any(
            c == p or c[len(p) : len(p) + 1] in ("-", "_", "s") and c.startswith(p)
            for c in classes
            for p in prefixes
        )

    ordered: list[str] = []

    def visit(component: str) -> None:
        if component in ordered:
            return
        for dependency in dependencies(component):
            visit(dependency)
        ordered.append(component)

    for component in available:
        if uses(component):
            visit(component)
    return ordered


def svg_data_uri(path: Path) -> str:
    svg = re.sub(r"\s+", " ", path.read_text(encoding="utf-8")).strip().replace('"', "'")
    return '"data:image/svg+xml,' + quote(svg, safe=" '/:=;,()-.") + '"'


def rewrite_urls(css: str, folder: Path) -> str:
    """Inline the SVGs (fonts are handled by split_font_faces)."""

    def replace(match: re.Match) -> str:
        target = match.group(1).strip("'\"")
        if target.startswith("data:") or target.endswith((".woff", ".woff2")):
            return match.group(0)
        path = (folder / target).resolve()
        if path.suffix == ".svg":
            return f"url({svg_data_uri(path)})"
        raise ValueError(f"unexpected asset {target} in {folder}")

    return URL.sub(replace, css)


def split_rules(css: str) -> list[tuple[str, str]]:
    """Top-level (prelude, body) pairs of minified CSS; comments dropped."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules, depth, start, prelude = [], 0, 0, ""
    for i, char in enumerate(css):
        if char == "{":
            if depth == 0:
                prelude, start = css[start:i].strip(), i + 1
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                rules.append((prelude, css[start:i]))
                start = i + 1
    return rules


def split_selectors(prelude: str) -> list[str]:
    """Split a selector list on the commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(prelude):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(prelude[start:i])
            start = i + 1
    parts.append(prelude[start:])
    return parts


def purge(css: str, keep_class) -> str:
    """Drop the selectors naming a DSFR class that neither the portal nor the DSFR scripts use."""
    out = []
    for prelude, body in split_rules(css):
        if prelude.startswith(("@media", "@supports", "@layer", "@container")):
            inner = purge(body, keep_class)
            if inner:
                out.append(f"{prelude}{{{inner}}}")
            continue
        if prelude.startswith("@"):
            out.append(f"{prelude}{{{body}}}")
            continue
        selectors = [
            s
            for s in split_selectors(prelude)
            if all(keep_class(c) for c in SELECTOR_CLASS.findall(NOT.sub("", s)))
        ]
        if selectors:
            out.append(f"{','.join(selectors)}{{{body}}}")
    return "".join(out)


def class_filter(classes: set[str], script: str):
    """Whether a DSFR class may appear on a page: named by the portal, or by the DSFR scripts
    (which add state modifiers such as `--expanded` to the blocks they handle)."""
    words = set(re.findall(r"[a-z][a-z0-9_-]*", script))

    def keep(name: str) -> bool:
        if name in classes or name[3:] in words:
            return True
        base, _, modifier = name[3:].partition("--")
        return bool(modifier) and modifier in words and (f"fr-{base}" in classes or base in words)

    return keep


def drop_unused_variables(css: str, script: str) -> str:
    """Remove custom properties that no `var()` of the stylesheet and no script reads."""
    declaration = re.compile(r"(?<=[{;])(--[A-Za-z0-9_-]+):[^;{}]*(?:;|(?=}))")
    while True:
        read = set(re.findall(r"var\((--[A-Za-z0-9_-]+)", css)) | set(
            re.findall(r"--[A-Za-z0-9_-]+", script)
        )
        pruned = declaration.sub(lambda m, read=read: m.group(0) if m.group(1) in read else "", css)
        pruned = re.sub(r";}", "}", pruned)
        if pruned == css:
            return re.sub(r"(?<=})[^{}@]+\{\}", "", css)
        css = pruned


def keep_icons(css: str, icons: set[str]) -> str:
    """The rules of an icon sheet that style `icons` (selectors reduced to those icons)."""
    out = []
    for prelude, body in split_rules(css):
        if prelude.startswith("@"):
            inner = keep_icons(body, icons)
            if inner:
                out.append(f"{prelude}{{{inner}}}")
            continue
        selectors = [
            s
            for s in prelude.split(",")
            if (m := re.match(r"\.fr-(?:icon|fi)-([a-z0-9-]+?)(?::|$)", s)) and m.group(1) in icons
        ]
        if selectors:
            out.append(f"{','.join(selectors)}{{{body}}}")
    return "".join(out)


# The characters of French and of most Latin-script names (Google Fonts' "latin" range): a font
# cut to them weighs half; the rest of the font loads only on a page that shows other characters.
LATIN = (
    [*range(0x00, 0x100), 0x131, 0x152, 0x153, 0x178, 0x2BB, 0x2BC, 0x2C6, 0x2DA, 0x2DC]
    + [0x304, 0x308, 0x329, *range(0x2000, 0x2070), 0x20AC, 0x2122, 0x2191, 0x2193, 0x2212]
    + [0x2215, 0xFEFF, 0xFFFD]
)


def unicode_range(codepoints) -> str:
    ranges: list[list[int]] = []
    for cp in sorted(codepoints):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return ",".join(f"U+{a:04X}" if a == b else f"U+{a:04X}-{b:04X}" for a, b in ranges)


def fingerprinted(path: Path, stem: str) -> str:
    digest = hashlib.md5(path.read_bytes()).hexdigest()  # noqa: S324 (a fingerprint)
    name = f"{stem}-{digest}.woff2"
    path.rename(path.with_name(name))
    return name


def build_fonts() -> dict[str, tuple[str, str, str]]:
    """Each woff2 font twice under fingerprinted names: cut to LATIN, and whole.
    Returns {font file: (latin file, whole file, unicode-range of the rest)}."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    logging.getLogger("fontTools").setLevel(logging.ERROR)
    folder = DIST / "fonts"
    folder.mkdir(parents=True)
    faces = {}
    for font in sorted((DSFR / "fonts").glob("*.woff2")):
        whole = folder / font.name
        shutil.copyfile(font, whole)
        cut = TTFont(font)
        rest = set(cut.getBestCmap()) - set(LATIN)
        options = subset.Options(flavor="woff2", layout_features=["*"], recalc_timestamp=False)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=LATIN)
        subsetter.subset(cut)
        latin = folder / f"{font.stem}-latin.woff2"
        subset.save_font(cut, str(latin), options)
        faces[font.name] = (
            fingerprinted(latin, f"{font.stem}-latin"),
            fingerprinted(whole, font.stem),
            unicode_range(rest),
        )
    return faces


def split_font_faces(css: str, faces: dict[str, tuple[str, str, str]]) -> str:
    """One @font-face per font becomes two: its LATIN cut, and the whole font for the rest."""

    def split(match: re.Match) -> str:
        body = match.group(1)
        name = re.search(r"url\(\.\./fonts/([^)]+\.woff2)\)", body).group(1)
        latin, whole, rest = faces[name]
        src = re.compile(r"src:[^;}]*")
        return (
            "@font-face{"
            + src.sub(f'src:url(fonts/{latin}) format("woff2")', body)
            + f";unicode-range:{unicode_range(LATIN)}}}"
            + "@font-face{"
            + src.sub(f'src:url(fonts/{whole}) format("woff2")', body)
            + f";unicode-range:{rest}}}"
        )

    return re.sub(r"@font-face\{([^}]*)\}", split, css)


def build_css(
    components: list[str],
    icons: set[str],
    fonts: dict[str, tuple[str, str, str]],
    classes: set[str],
    script: str,
) -> str:
    keep_class = class_filter(classes, script)
    parts = []
    sheets = [DSFR / "core" / "core.main.min.css", DSFR / "core" / "core.print.min.css"]
    for component in components:
        folder = DSFR / "component" / component
        sheets += [folder / f"{component}.main.min.css", folder / f"{component}.print.min.css"]
    sheets.append(DSFR / "scheme" / "scheme.min.css")
    for sheet in sheets:
        if sheet.exists():
            text = purge(sheet.read_text(encoding="utf-8"), keep_class)
            text = split_font_faces(text, fonts) if "@font-face" in text else text
            parts.append(rewrite_urls(text, sheet.parent))
    found = set()
    for sheet in sorted((DSFR / "utility" / "icons").glob("icons-*/icons-*.main.min.css")):
        kept = keep_icons(sheet.read_text(encoding="utf-8"), icons)
        if kept:
            found |= {i for i in icons if f"-{i}:" in kept}
            parts.append(rewrite_urls(kept, sheet.parent))
    missing = icons - found
    if missing:
        raise SystemExit(f"Icônes DSFR inconnues : {', '.join(sorted(missing))}")
    parts.append((STATIC / "css" / "portal.css").read_text(encoding="utf-8"))
    banner = (
        "/*! DSFR v1.15.3 | SPDX-License-Identifier: Etalab-2.0 | License-Filename: LICENSE.md */"
    )
    return banner + "\n" + drop_unused_variables("\n".join(parts), script)


def build_js(components: list[str], kind: str) -> str:
    """One script of the DSFR's core, components and scheme; each file in its own block."""
    files = [DSFR / "core" / f"core.{kind}.min.js"]
    files += [DSFR / "component" / c / f"{c}.{kind}.min.js" for c in components]
    files.append(DSFR / "scheme" / f"scheme.{kind}.min.js")
    if kind == "nomodule":
        files.insert(0, DSFR / "legacy" / "legacy.nomodule.min.js")
    return "\n".join("{\n" + f.read_text(encoding="utf-8") + "\n}" for f in files if f.exists())


def main() -> None:
    if not DSFR.exists() or not HTMX.exists():
        sys.exit("node_modules absent : lancez `npm ci` (ou `make assets`).")
    from flask_static_digest import digester

    sources = portal_sources()
    classes = set(CLASS.findall(sources))
    icons = set(ICON.findall(sources))
    components = used_components(classes)
    shutil.rmtree(DIST, ignore_errors=True)
    for stale in STATIC.glob("cache_manifest.json"):
        stale.unlink()
    fonts = build_fonts()
    scripts = {kind: build_js(components, kind) for kind in ("module", "nomodule")}
    for kind, script in scripts.items():
        (DIST / f"dsfr.{kind}.js").write_text(script, encoding="utf-8")
    css = build_css(components, icons, fonts, classes, scripts["module"])
    (DIST / "portal.css").write_text(css, encoding="utf-8")
    portal_js = HTMX.read_text(encoding="utf-8") + "\n" + (STATIC / "js" / "portal.js").read_text()
    (DIST / "portal.js").write_text(portal_js, encoding="utf-8")
    shutil.copyfile(STATIC / "favicon.svg", DIST / "favicon.svg")
    digester.compile(
        input_path=f"{DIST}{os.sep}",
        output_path=f"{STATIC}{os.sep}",
        digest_blacklist_filter=[],
        gzip_files=True,
        brotli_files=True,
    )
    print(f"DSFR : {', '.join(components)} ; icônes : {', '.join(sorted(icons))}")


if __name__ == "__main__":
    main()
