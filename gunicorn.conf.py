"""gunicorn settings, read by the Procfile's `gunicorn wsgi:app` (gunicorn loads this file from
the working directory). The access log is JSON lines without personal data: the path without its
query string (what people typed never reaches it), no referer, secret tokens masked, and the
request id the app answered with (the same as in the app's own log lines)."""

import gc
import json
from datetime import UTC, datetime

from gunicorn.glogging import Logger

from app.core.logging import safe_path, scrub


class AccessLogger(Logger):
    def access(self, resp, req, environ, request_time):
        if not self.access_log_enabled:
            return
        headers = {name.lower(): value for name, value in (resp.headers or [])}
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "level": "info",
            "logger": "gunicorn.access",
            "method": environ.get("REQUEST_METHOD"),
            "path": safe_path(environ.get("PATH_INFO", "")),
            "status": resp.status_code,
            "duration_ms": round(request_time.total_seconds() * 1000, 1),
            "request_id": headers.get("x-request-id"),
        }
        try:
            self.access_log.info(scrub(json.dumps(entry, ensure_ascii=False)))
        except Exception:
            self.exception("access log failed")


logger_class = AccessLogger


def post_worker_init(worker):
    """Once a worker has loaded the app, its long-lived objects (modules, routes, mappers,
    templates: ~200,000) leave the garbage collector's watch (`gc.freeze`): a full collection
    walked them all every few hundred requests (~120 ms, a p99 spike and ~0.4 ms a request on
    average). Each request allocates and frees tens of thousands of objects, nearly all by
    reference counting, so the youngest generation is collected less often too."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


GC_THRESHOLDS = (10_000, 50, 50)
