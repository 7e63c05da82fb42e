"""Import of the délégataire's commitments and payments: a dry run, then « Importer ».

The confirm form re-posts the file's content with a seal (`app.core.grants`) on its digest, bound
to the user and valid half an hour: a forged, altered or stale content is refused, and the whole
file is checked again through the ledger's service functions before anything is kept. A file
already imported is refused (`imports.AlreadyImportedError`, 409): a double click imports once.
"""

from __future__ import annotations

import base64
import binascii

from flask import flash, render_template, request, url_for

from app.core import grants, htmx
from app.finance import bp, forms, imports, perms
from app.finance.queries import KIND_LABELS
from app.finance.views.common import allowed, me

PURPOSE = "ledger-import"
SEAL_SECONDS = 30 * 60


def _page(form, report=None, encoded="", status=200):
    return (
        render_template(
            "finance/import.html",
            form=form,
            report=report,
            encoded=encoded,
            signature=grants.seal(me(), PURPOSE, report.digest) if encoded else "",
            columns=imports.COLUMNS,
            kinds=KIND_LABELS,
            max_errors=imports.MAX_ERRORS,
        ),
        status,
    )


def _confirmed_content(form) -> bytes | None:
    try:
        content = base64.b64decode(form.content.data or "", validate=True)
    except (binascii.Error, ValueError):
        return None
    sealed = grants.vouches(
        form.signature.data, me(), PURPOSE, imports.digest_of(content), max_age=SEAL_SECONDS
    )
    return content if sealed else None


@bp.route("/import", methods=["GET", "POST"])
@allowed(perms.can_record_ledger)
def import_ledger():
    form = forms.LedgerImportForm()
    if request.method == "GET":
        return _page(form)
    if not form.validate_on_submit():
        return _page(form, status=422)
    confirm = request.form.get("action") == "import"
    if confirm:
        content = _confirmed_content(form)
        if content is None:
            form.file.errors = [
                "Le fichier vérifié n'a pas pu être relu (modifié, ou vérifié il y a plus de "
                f"{SEAL_SECONDS // 60} minutes) : déposez-le à nouveau."
            ]
            return _page(form, status=422)
    else:
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            form.file.errors = ["Choisissez un fichier CSV à importer."]
            return _page(form, status=422)
        content = upload.read(imports.MAX_BYTES + 1)
    try:
        report = imports.run(me(), content, confirm=confirm)
    except imports.FileRefusedError as refused:
        form.file.errors = [str(refused)]
        return _page(form, status=409 if isinstance(refused, imports.AlreadyImportedError) else 422)
    if report.recorded:
        flash(f"{len(report.rows)} écritures importées.", "success")
        return htmx.redirect(url_for("finance.home"))
    encoded = base64.b64encode(content).decode() if report.clean else ""
    return _page(form, report, encoded, 200 if report.clean else 422)


@bp.context_processor
def _import_link():
    """The finance navigation offers the import to the délégataire only."""
    return {"can_import_ledger": perms.can_record_ledger(me())}
