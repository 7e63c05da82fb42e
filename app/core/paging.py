"""One screenful at a time: the page a list shows, read from the query string and kept within
the list (the links come from the `pagination` macro, `includes/pagination.html`).

A page number is a bounded integer (`app.core.bounds`): absent, invalid, zero or negative is the
first page; beyond the last page is the last page (a stale link still shows rows and a way back).
"""

from __future__ import annotations

import math

from flask import request

PAGE_SIZE = 50


def requested_page() -> int:
    """The `page` query argument: 1 when absent, invalid, below 1 or beyond the integer bounds."""
    return max(request.args.get("page", 1, type=int) or 1, 1)


def within(page: int, total: int, page_size: int = PAGE_SIZE) -> int:
    """`page`, or the last page of `total` rows if it lies beyond it (1 for an empty list)."""
    return min(page, max(1, math.ceil(total / page_size)))


def offset(page: int, page_size: int = PAGE_SIZE) -> int:
    return (page - 1) * page_size


def window_page(paged, count_all, page: int, page_size: int = PAGE_SIZE):
    """One page of `paged`, a SELECT whose last column is the number of rows in all
    (`func.count().over()`): (rows, total, the page shown). The first page is one query, its rows
    carrying the total; a further page counts apart (`count_all()`: a page past the last has no
    row to carry it) and, past the last page, shows the last one. As many queries whatever the
    size of the list."""
    from app.extensions import db

    if page <= 1:
        rows = db.session.execute(paged.limit(page_size)).all()
        return rows, (rows[0][-1] if rows else 0), 1
    total = count_all()
    page = within(page, total, page_size)
    rows = db.session.execute(paged.limit(page_size).offset(offset(page, page_size))).all()
    return rows, total, page
