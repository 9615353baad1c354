"""Control characters stop at the door: one rule for every query parameter and form field.

PostgreSQL refuses a NUL byte in text (the query fails, the page answers 500) and no field of
ours has a use for C0/C1 control characters. Before any view runs:

* query parameters and form fields lose every control character except tab and line breaks
  (which text areas legitimately send): `ab%00cd` is searched as `abcd`, like the directory
  search always did; a line break arrives as one line feed, as the browser counted it against
  the field's `maxlength` (browsers send CRLF, two characters, for each);
* a path segment holding a control character matches nothing (404);
* a JSON body (SCIM, the Stripe webhook) holding an escaped NUL is refused (400).

Uploaded files are not touched here; roster files are checked by the roster parser.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, request
from werkzeug.datastructures import ImmutableMultiDict

F = TypeVar("F", bound=Callable)

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_JSON_NUL = re.compile(rb"\\u0000", re.IGNORECASE)


def clean_text(value: str) -> str:
    return CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _needs_cleaning(value: str) -> bool:
    return "\r" in value or CONTROL.search(value) is not None


def _cleaned(values: ImmutableMultiDict) -> ImmutableMultiDict | None:
    """A copy without control characters, or None when there was nothing to remove."""
    if not any(_needs_cleaning(k) or _needs_cleaning(v) for k, v in values.items(multi=True)):
        return None
    return type(values)([(clean_text(k), clean_text(v)) for k, v in values.items(multi=True)])


def request_limit(max_bytes: int) -> Callable[[F], F]:
    """Let one view accept a larger request body than MAX_CONTENT_LENGTH (set before the
    guard below reads the form, so the limit holds from the first byte)."""

    def mark(view: F) -> F:
        view.wnwa_max_content_length = max_bytes  # type: ignore[attr-defined]
        return view

    return mark


def register_input_guard(app: Flask) -> None:
    # Registered before the other guards so that nothing downstream sees the raw values.
    @app.before_request
    def strip_control_characters():
        if request.view_args and any(
            isinstance(v, str) and CONTROL.search(v) for v in request.view_args.values()
        ):
            abort(404)
        environ = request.environ
        if environ.get("QUERY_STRING"):
            args = _cleaned(request.args)
            if args is not None:
                request.__dict__["args"] = args
                request.__dict__.pop("values", None)
        if not environ.get("CONTENT_TYPE"):
            return  # no body to read: nothing more to check
        view = current_app.view_functions.get(request.endpoint or "")
        limit = getattr(view, "wnwa_max_content_length", None)
        if limit:
            request.max_content_length = limit
        if request.mimetype in FORM_TYPES:
            form = _cleaned(request.form)
            if form is not None:
                request.__dict__["form"] = form
                request.__dict__.pop("values", None)
        elif request.is_json and _JSON_NUL.search(request.get_data(cache=True)):
            abort(400)
