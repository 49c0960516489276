"""The public answers carry a strong ETag made from what they depend on, and answer 304 to a client whose copy is
still current, so a citizen's browser or a proxy re-asks cheaply."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.http.deps import get_today
from data.plans import bump_plan_version, public_plan_id, publish_plan, save_plan
from scheduler.domain import Network
from scheduler.plan import Plan
from tests.factories import make_plan

PUBLIC_URLS = ["/public/stops", "/public/stops.geojson", "/public/stops.ics", "/"]


def _publish(app: FastAPI, plan: Plan) -> int:
    factory: sessionmaker[Session] = app.state.session_factory
    with factory.begin() as session:
        plan_id = save_plan(session, plan=plan)
        publish_plan(session, plan_id=plan_id)
    return plan_id


def _published(app: FastAPI) -> Plan:
    network: Network = app.state.network
    plan = make_plan(network)
    _publish(app, plan)
    app.dependency_overrides[get_today] = lambda: plan.week_start
    return plan


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_the_same_answer_twice_has_the_same_strong_etag(app: FastAPI, anonymous: TestClient, url: str) -> None:
    """Two reads of an unchanged plan carry one strong (unquoted W/-free) tag and the public cache policy."""
    _published(app)
    first, second = anonymous.get(url), anonymous.get(url)
    assert first.status_code == second.status_code == 200
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["ETag"].startswith('"') and not first.headers["ETag"].startswith("W/")
    assert first.headers["Cache-Control"] == "public, max-age=60"


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_a_current_copy_gets_304_without_a_body(app: FastAPI, anonymous: TestClient, url: str) -> None:
    """If-None-Match with the tag answers 304, no body, the same validators; a stale tag gets the full answer."""
    _published(app)
    etag = anonymous.get(url).headers["ETag"]
    again = anonymous.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "public, max-age=60"
    listed = anonymous.get(url, headers={"If-None-Match": f'"stale", W/{etag}'})
    assert listed.status_code == 304  # one of several tags, and its weak form, match too
    stale = anonymous.get(url, headers={"If-None-Match": '"stale"'})
    assert stale.status_code == 200 and stale.content


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_a_new_publication_changes_the_tag(app: FastAPI, anonymous: TestClient, url: str) -> None:
    """Once another plan is published, the old tag no longer matches: the client gets the new stops."""
    plan = _published(app)
    etag = anonymous.get(url).headers["ETag"]
    _publish(app, dataclasses.replace(plan, routes=plan.routes[:1]))
    fresh = anonymous.get(url, headers={"If-None-Match": etag})
    assert fresh.status_code == 200
    assert fresh.headers["ETag"] != etag


def test_a_new_version_of_the_public_plan_changes_the_tag(app: FastAPI, anonymous: TestClient) -> None:
    """Publishing raises the plan's version; a tag made at the old version no longer matches."""
    _published(app)
    etag = anonymous.get("/public/stops").headers["ETag"]
    factory: sessionmaker[Session] = app.state.session_factory
    with factory.begin() as session:
        plan_id = public_plan_id(session)
        assert plan_id is not None
        assert bump_plan_version(session, plan_id=plan_id, expected=1) == 2
    assert anonymous.get("/public/stops", headers={"If-None-Match": etag}).status_code == 200


def test_the_tag_changes_with_the_day(app: FastAPI, anonymous: TestClient) -> None:
    """Stops are shown from today on, so tomorrow's answer has another tag."""
    plan = _published(app)
    etag = anonymous.get("/public/stops").headers["ETag"]
    app.dependency_overrides[get_today] = lambda: plan.service_dates[1]
    assert anonymous.get("/public/stops", headers={"If-None-Match": etag}).status_code == 200


def test_each_language_filter_and_feed_has_its_own_tag(app: FastAPI, anonymous: TestClient) -> None:
    """Another language, place or date, or another feed of the same plan, is another answer with another tag."""
    plan = _published(app)
    place = plan.routes[0].stops[0].place_id
    urls = [
        "/",
        "/?lang=en",
        "/?lang=ru",
        f"/?place={place}",
        f"/?date={plan.week_start.isoformat()}",
        "/public/stops",
        "/public/stops.geojson",
        f"/public/stops.geojson?place={place}",
        "/public/stops.ics",
        "/public/stops.ics?lang=en",
    ]
    tags = [anonymous.get(url).headers["ETag"] for url in urls]
    assert len(set(tags)) == len(urls)


def test_the_tag_is_there_before_anything_is_published(anonymous: TestClient) -> None:
    """An empty public page is cacheable too, and its 304 works."""
    etag = anonymous.get("/public/stops").headers["ETag"]
    assert anonymous.get("/public/stops", headers={"If-None-Match": etag}).status_code == 304
