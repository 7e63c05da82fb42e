"""The Procfile's server settings (`gunicorn.conf.py`): what each worker does once the app is
loaded."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_a_worker_moves_the_loaded_app_out_of_the_collectors_watch():
    settings = runpy.run_path(str(CONF))
    thresholds = gc.get_threshold()
    try:
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() > 10_000  # the app's modules, mappers, routes, templates
        assert gc.get_threshold() == settings["GC_THRESHOLDS"]
        assert gc.get_threshold()[0] > thresholds[0]
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
