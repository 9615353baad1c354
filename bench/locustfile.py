"""Mixed traffic for `make load` (bench/load.py runs it: locust headless, loopback only).

* officers (most users): directory search (htmx partial), mental-health professionals near a
  ZIP code (htmx partial), a peer supporter's profile, the crisis-lines page; one shared
  signed-in session (sign-in itself is not what is measured);
* one chief: a 13,000-row roster import (upload and preview, then confirm), once, a few
  seconds in, while the officers keep going;
* one finance user: the billing overview (contract and invoice list), every few seconds.

Officers and finance use locust's FastHttpUser (geventhttpclient): the load generator runs on
the same two cores as the server, and the `requests`-based client would spend several times
more of them per request. The chief's upload needs multipart, which only HttpUser sends.

Cookies and the roster file come from bench/load.py through the environment. Each response is
recorded with its time, so the driver can take officer latencies during the import apart.
"""

from __future__ import annotations

import json
import os
import random
import re
import time
from urllib.parse import urlencode

from locust import FastHttpUser, HttpUser, between, constant, events, task

OFFICER = os.environ["LOAD_OFFICER_COOKIE"]
CHIEF = os.environ["LOAD_CHIEF_COOKIE"]
FINANCE = os.environ["LOAD_FINANCE_COOKIE"]
CHIEF_CSRF = os.environ["LOAD_CHIEF_CSRF"]
ROSTER = os.environ["LOAD_ROSTER_FILE"]
RECORD = os.environ["LOAD_RECORD_FILE"]
QUERIES = json.loads(os.environ["LOAD_QUERIES"])
PROFESSIONAL_PATHS = json.loads(os.environ["LOAD_PROFESSIONAL_PATHS"])
PROFILES = json.loads(os.environ["LOAD_PROFILES"])
HX = {"HX-Request": "true"}
# Each user sends its session cookie ("name=value") itself: the production cookie is
# `__Host-` and Secure, which a client's cookie jar keeps off plain loopback http.

_records: list[tuple[str, float, float, int]] = []
_import_window: list[float] = []


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **kw):
    status = 0 if exception else kw["response"].status_code
    _records.append((name, time.time(), response_time, status))


@events.quitting.add_listener
def _write(environment, **kw):
    with open(RECORD, "w") as handle:
        json.dump({"records": _records, "import": _import_window}, handle)


class Officer(FastHttpUser):
    weight = 14
    wait_time = constant(0)

    headers = {"Cookie": OFFICER}

    @task(5)
    def search(self):
        query = random.choice(QUERIES)  # noqa: S311 - load mix, not security
        self.client.get(
            "/directory/?" + urlencode(query, doseq=True),
            headers={**HX, **self.headers},
            name="officer: search",
        )

    @task(2)
    def professionals(self):
        path = random.choice(PROFESSIONAL_PATHS)  # noqa: S311
        self.client.get(path, headers={**HX, **self.headers}, name="officer: professionals search")

    @task(2)
    def profile(self):
        entry = random.choice(PROFILES)  # noqa: S311
        self.client.get(f"/directory/{entry}", headers=self.headers, name="officer: profile")

    @task(1)
    def crisis(self):
        self.client.get("/crisis-lines", headers=self.headers, name="officer: crisis lines")


class Chief(HttpUser):
    fixed_count = 1
    wait_time = constant(3600)

    def on_start(self):
        self.done = False

    @task
    def import_roster(self):
        if self.done:
            return
        self.done = True
        time.sleep(5)
        started = time.time()
        with open(ROSTER, "rb") as handle:
            preview = self.client.post(
                "/department/roster/import",
                files={"roster": ("roster.csv", handle, "text/csv")},
                data={"mode": "update", "csrf_token": CHIEF_CSRF},
                headers={"Cookie": CHIEF},
                name="chief: import preview",
                timeout=300,
            )
        ticket = re.search(r'name="ticket" value="([^"]+)"', preview.text)
        if ticket:
            self.client.post(
                "/department/roster/import/confirm",
                data={"ticket": ticket.group(1), "csrf_token": CHIEF_CSRF},
                headers={"Cookie": CHIEF},
                name="chief: import confirm",
                allow_redirects=False,
                timeout=300,
            )
        _import_window[:] = [started, time.time()]


class Finance(FastHttpUser):
    fixed_count = 1
    wait_time = between(2, 4)

    @task
    def invoices(self):
        self.client.get("/billing/", headers={"Cookie": FINANCE}, name="finance: invoices")
