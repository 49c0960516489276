"""The citizens ``sefer bench load`` sends (a locustfile: only the ``locust`` process imports it).

Each simulated citizen opens the public page in one of the three languages, reads the feeds, revalidates what
it already holds with ``If-None-Match`` (a ``304`` is the only right answer while the plan does not change) and
is probed by ``/livez``, pausing ``SEFER_LOAD_THINK_S`` seconds on average between requests (0: flat out).
"""

from __future__ import annotations

import os
import random

from locust import FastHttpUser, between, constant, task

_THINK_S = float(os.environ.get("SEFER_LOAD_THINK_S", "1.0"))
_LANGS = ("az", "ru", "en")
_FEEDS = ("/public/stops", "/public/stops.geojson", "/public/stops.ics")


class Citizen(FastHttpUser):
    wait_time = between(_THINK_S / 2, _THINK_S * 1.5) if _THINK_S > 0 else constant(0)

    def on_start(self) -> None:
        self.etags: dict[str, str] = {}

    def _full(self, url: str, name: str) -> None:
        with self.client.get(url, name=name, catch_response=True) as answer:
            etag = answer.headers.get("ETag")
            if answer.status_code != 200 or not etag:
                answer.failure(f"{answer.status_code}, ETag {etag!r}")
                return
            self.etags[url] = etag

    def _conditional(self, url: str, name: str) -> None:
        if url not in self.etags:
            self._full(url, name.replace(" (If-None-Match)", ""))
            return
        headers = {"If-None-Match": self.etags[url]}
        with self.client.get(url, name=name, headers=headers, catch_response=True) as answer:
            if answer.status_code != 304:
                answer.failure(f"{answer.status_code} instead of 304")

    @task(2)
    def page(self) -> None:
        self._full(f"/?lang={random.choice(_LANGS)}", "GET /")

    @task(4)
    def page_again(self) -> None:
        self._conditional(f"/?lang={random.choice(_LANGS)}", "GET / (If-None-Match)")

    @task(2)
    def feed(self) -> None:
        url = random.choice(_FEEDS)
        self._full(url, f"GET {url}")

    @task(2)
    def feed_again(self) -> None:
        url = random.choice(_FEEDS)
        self._conditional(url, f"GET {url} (If-None-Match)")

    @task(1)
    def livez(self) -> None:
        self.client.get("/livez", name="GET /livez")
