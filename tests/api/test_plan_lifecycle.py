"""A stored plan's life through the real app on each available database: versions, hand edits checked by the
independent validator, publishing, re-optimising in the background.

The plan is small and built by hand on the bundled data (``scheduler.assemble.build_plan`` on the week's problem)
so that it is valid without a solve: BUS-01 serves Qəbələ (its depot) on Monday and Oğuz on Tuesday, BUS-10 serves
Naxçıvan (its depot, in the exclave) on Monday.
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from api.http.deps import get_today
from api.services.principals import Role
from api.services.solving import PlanningParams, week_inputs
from data.plans import get_plan, save_plan
from routing.travel import GraphTravelModel
from scheduler.assemble import build_plan
from scheduler.domain import Fleet, Network
from scheduler.pipeline import week_problem
from scheduler.plan import Plan
from scheduler.problem import Problem, Solution, Visit
from scheduler.validator import validate
from tests.api.tokens import make_token

WEEK = date(2026, 11, 23)
MONDAY_9 = 9 * 60
TUESDAY_9 = 24 * 60 + 9 * 60


def _sessions(app: FastAPI) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = app.state.session_factory
    return factory


def _problem(app: FastAPI) -> Problem:
    network: Network = app.state.network
    fleet: Fleet = app.state.fleet
    with _sessions(app)() as session:
        inputs = week_inputs(session, fleet=fleet, week_start=WEEK, params=PlanningParams())
    return week_problem(inputs, network=network, travel=GraphTravelModel(network))


def _valid_plan(app: FastAPI) -> Plan:
    network: Network = app.state.network
    problem = _problem(app)

    def slot(vehicle_id: str, place_id: str, start_min: int) -> Visit:
        candidate = next(
            c
            for c in problem.candidates
            if c.place_id == place_id and vehicle_id in c.vehicle_ids and not c.locked and not c.request_ids
        )
        return Visit(candidate.id, start_min)

    solution = Solution(
        (
            ("BUS-01", (slot("BUS-01", "AZ-QAB", MONDAY_9), slot("BUS-01", "AZ-OGU", TUESDAY_9))),
            ("BUS-10", (slot("BUS-10", "AZ-NV", MONDAY_9),)),
        ),
        0,
        0.0,
    )
    plan = build_plan(problem, solution, GraphTravelModel(network))
    assert validate(plan, problem=problem, network=network) == ()
    return plan


FRIDAY_BEFORE = date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _today_is_the_friday_before(app: FastAPI) -> None:
    """The week of the hand-made plan is the coming week: publishing it is allowed."""
    app.dependency_overrides[get_today] = lambda: FRIDAY_BEFORE


@pytest.fixture
def plan_id(app: FastAPI, client: TestClient) -> int:
    """The hand-made valid plan, stored (version 1, not published)."""
    with _sessions(app).begin() as session:
        return save_plan(session, plan=_valid_plan(app))


def _another_draft(app: FastAPI) -> int:
    """A second valid plan of the same week, stored after the first."""
    with _sessions(app).begin() as session:
        return save_plan(session, plan=_valid_plan(app))


def _status(client: TestClient, plan_id: int) -> str:
    listed = {p["id"]: p for p in client.get("/plans").json()}
    status: str = listed[plan_id]["status"]
    return status


def _public_vehicle_days(client: TestClient) -> set[tuple[str, str]]:
    return {(s["vehicle_id"], s["date"]) for s in client.get("/public/stops").json()}


def _stop(body: dict[str, Any], vehicle_id: str, day: str, place_id: str) -> dict[str, Any]:
    matches = [s for s in body["stops"] if (s["vehicle_id"], s["date"], s["place_id"]) == (vehicle_id, day, place_id)]
    assert len(matches) == 1, body["stops"]
    return matches[0]


def _edit(action: str, vehicle_id: str, day: str, place_id: str, version: int, **to: str) -> dict[str, Any]:
    return {"version": version, "vehicle_id": vehicle_id, "date": day, "place_id": place_id, "action": action, **to}


def test_plan_json_carries_version_and_published(client: TestClient, plan_id: int) -> None:
    """GET /plans/{id} adds the plan's version (1 when stored) and whether it is published to the plan JSON."""
    body = client.get(f"/plans/{plan_id}").json()
    assert (body["version"], body["published"]) == (1, False)
    assert body["week_start"] == WEEK.isoformat()
    assert len(body["stops"]) == 3


def test_lock_and_unlock_round_trip(client: TestClient, plan_id: int) -> None:
    """Locking a stop raises the version and shows locked; unlocking raises it again and clears it; the
    validator finds nothing in either."""
    locked = client.patch(f"/plans/{plan_id}/stops", json=_edit("lock", "BUS-01", "2026-11-24", "AZ-OGU", 1))
    assert locked.status_code == 200
    assert locked.json() == {"version": 2, "violations": [], "plan_id": plan_id}
    body = client.get(f"/plans/{plan_id}").json()
    assert body["version"] == 2
    assert _stop(body, "BUS-01", "2026-11-24", "AZ-OGU")["locked"] is True
    assert _stop(body, "BUS-01", "2026-11-23", "AZ-QAB")["locked"] is False

    unlocked = client.patch(f"/plans/{plan_id}/stops", json=_edit("unlock", "BUS-01", "2026-11-24", "AZ-OGU", 2))
    assert unlocked.json() == {"version": 3, "violations": [], "plan_id": plan_id}
    body = client.get(f"/plans/{plan_id}").json()
    assert body["version"] == 3
    assert _stop(body, "BUS-01", "2026-11-24", "AZ-OGU")["locked"] is False


def test_a_stale_version_is_409_for_edits_and_publishing(client: TestClient, plan_id: int) -> None:
    """Once the plan is at version 2, an edit or a publish naming version 1 is refused and changes nothing."""
    assert client.patch(f"/plans/{plan_id}/stops", json=_edit("lock", "BUS-01", "2026-11-23", "AZ-QAB", 1)).is_success
    before = client.get(f"/plans/{plan_id}").json()

    edit = client.patch(f"/plans/{plan_id}/stops", json=_edit("unlock", "BUS-01", "2026-11-23", "AZ-QAB", 1))
    assert edit.status_code == 409
    assert edit.json() == {"detail": f"plan {plan_id} is at version 2, not 1: reload it and try again"}
    published = client.post(f"/plans/{plan_id}/publish", json={"version": 1})
    assert published.status_code == 409
    assert "is at version 2, not 1" in published.json()["detail"]
    assert client.get(f"/plans/{plan_id}").json() == before


def test_moving_a_stop_to_another_service_day_keeps_its_times_and_redraws_the_route(
    client: TestClient, plan_id: int
) -> None:
    """A move to Wednesday keeps the stop's hours, redraws BUS-01's legs (still from and back to its depot) and
    breaks no rule."""
    before = client.get(f"/plans/{plan_id}").json()
    original = _stop(before, "BUS-01", "2026-11-24", "AZ-OGU")
    response = client.patch(
        f"/plans/{plan_id}/stops", json=_edit("move", "BUS-01", "2026-11-24", "AZ-OGU", 1, to_date="2026-11-25")
    )
    assert response.json() == {"version": 2, "violations": [], "plan_id": plan_id}
    body = client.get(f"/plans/{plan_id}").json()
    moved = _stop(body, "BUS-01", "2026-11-25", "AZ-OGU")
    hours = (original["arrive"][10:], original["depart"][10:])
    assert (moved["arrive"], moved["depart"]) == tuple(f"2026-11-25{h}" for h in hours)
    legs = [leg for leg in body["legs"] if leg["vehicle_id"] == "BUS-01"]
    assert legs[0]["from_site_id"] == legs[-1]["to_site_id"] == "AZ-QAB"
    assert legs[-1]["depart"] == moved["depart"]
    assert body["kpis"]["expected_citizens"] == before["kpis"]["expected_citizens"]


def test_a_move_that_breaks_rules_is_stored_with_its_violations_and_cannot_be_published(
    client: TestClient, plan_id: int
) -> None:
    """Moving a stop to Saturday answers the validator's not_a_service_day; the edit is stored (version 2),
    and publishing that version is refused with the violations."""
    response = client.patch(
        f"/plans/{plan_id}/stops", json=_edit("move", "BUS-01", "2026-11-24", "AZ-OGU", 1, to_date="2026-11-28")
    )
    assert response.status_code == 200
    result = response.json()
    assert result["version"] == 2
    assert "not_a_service_day" in {v["code"] for v in result["violations"]}
    assert _stop(client.get(f"/plans/{plan_id}").json(), "BUS-01", "2026-11-28", "AZ-OGU")["arrive"].startswith(
        "2026-11-28T09:00"
    )

    refused = client.post(f"/plans/{plan_id}/publish", json={"version": 2})
    assert refused.status_code == 409
    detail = refused.json()["detail"]
    assert detail["message"].endswith("cannot be published")
    assert detail["violations"] == result["violations"]
    assert client.get(f"/plans/{plan_id}").json()["published"] is False


def test_handing_a_naxcivan_stop_to_a_mainland_bus_is_an_exclave_violation(client: TestClient, plan_id: int) -> None:
    """No road links Naxçıvan with the mainland: BUS-10's stop given to BUS-01 breaks the exclave rule (and the
    drives cannot exist)."""
    response = client.patch(
        f"/plans/{plan_id}/stops", json=_edit("move", "BUS-10", "2026-11-23", "AZ-NV", 1, to_vehicle_id="BUS-01")
    )
    assert response.status_code == 200
    codes = {(v["code"], v["vehicle_id"]) for v in response.json()["violations"]}
    assert ("exclave", "BUS-01") in codes
    assert ("unreachable", "BUS-01") in codes
    body = client.get(f"/plans/{plan_id}").json()
    assert _stop(body, "BUS-01", "2026-11-23", "AZ-NV")["vehicle_id"] == "BUS-01"
    assert not [s for s in body["stops"] if s["vehicle_id"] == "BUS-10"]


def test_a_stop_moved_to_a_vehicle_without_a_route_gets_one(client: TestClient, plan_id: int) -> None:
    """BUS-02 (depot Şəki) has no route in the plan; given Oğuz on Tuesday it drives there and back."""
    response = client.patch(
        f"/plans/{plan_id}/stops", json=_edit("move", "BUS-01", "2026-11-24", "AZ-OGU", 1, to_vehicle_id="BUS-02")
    )
    assert response.json() == {"version": 2, "violations": [], "plan_id": plan_id}
    legs = [g for g in client.get(f"/plans/{plan_id}").json()["legs"] if g["vehicle_id"] == "BUS-02"]
    assert [(g["from_site_id"], g["to_site_id"]) for g in legs] == [("AZ-SA", "AZ-OGU"), ("AZ-OGU", "AZ-SA")]


def test_edits_refused_as_asked(client: TestClient, plan_id: int) -> None:
    """Unknown plan or stop: 404; a locked stop cannot move: 409; a vehicle not in the plan or a date outside its
    week: 422 naming the field; a move without a target, or targets on a lock: 422. None raises the version."""
    url = f"/plans/{plan_id}/stops"
    assert client.patch("/plans/999/stops", json=_edit("lock", "BUS-01", "2026-11-23", "AZ-QAB", 1)).status_code == 404
    missing = client.patch(url, json=_edit("lock", "BUS-01", "2026-11-25", "AZ-QAB", 1))
    assert missing.status_code == 404
    assert missing.json() == {"detail": f"plan {plan_id} has no stop of BUS-01 on 2026-11-25 at AZ-QAB"}

    bad_vehicle = client.patch(url, json=_edit("move", "BUS-01", "2026-11-24", "AZ-OGU", 1, to_vehicle_id="BUS-99"))
    assert bad_vehicle.status_code == 422
    assert bad_vehicle.json()["detail"][0]["loc"] == ["body", "to_vehicle_id"]
    bad_date = client.patch(url, json=_edit("move", "BUS-01", "2026-11-24", "AZ-OGU", 1, to_date="2026-12-01"))
    assert bad_date.status_code == 422
    assert bad_date.json()["detail"][0]["loc"] == ["body", "to_date"]
    no_target = client.patch(url, json=_edit("move", "BUS-01", "2026-11-24", "AZ-OGU", 1))
    assert no_target.status_code == 422
    assert "to_vehicle_id or to_date" in no_target.json()["detail"][0]["msg"]
    target_on_lock = client.patch(url, json=_edit("lock", "BUS-01", "2026-11-24", "AZ-OGU", 1, to_date="2026-11-25"))
    assert target_on_lock.status_code == 422
    assert client.patch(url, json=_edit("pin", "BUS-01", "2026-11-24", "AZ-OGU", 1)).status_code == 422

    assert client.patch(url, json=_edit("lock", "BUS-01", "2026-11-24", "AZ-OGU", 1)).json()["version"] == 2
    locked_move = client.patch(url, json=_edit("move", "BUS-01", "2026-11-24", "AZ-OGU", 2, to_date="2026-11-25"))
    assert locked_move.status_code == 409
    assert "is locked: unlock it first" in locked_move.json()["detail"]
    assert client.get(f"/plans/{plan_id}").json()["version"] == 2


def test_a_move_onto_a_day_the_vehicle_already_serves_the_place_is_refused(app: FastAPI, client: TestClient) -> None:
    """BUS-01 at Oğuz on Monday and on Tuesday: moving Tuesday's stop to Monday (or Monday's to Tuesday) would
    make two stops of one bus at one place on one day, which no edit can name apart: 422 naming ``to_date``, and
    the plan keeps its version."""
    problem = _problem(app)
    first, second = [
        c
        for c in problem.candidates
        if c.place_id == "AZ-OGU" and "BUS-01" in c.vehicle_ids and not c.locked and not c.request_ids
    ][:2]
    solution = Solution((("BUS-01", (Visit(first.id, MONDAY_9), Visit(second.id, TUESDAY_9))),), 0, 0.0)
    with _sessions(app).begin() as session:
        plan_id = save_plan(session, plan=build_plan(problem, solution, GraphTravelModel(app.state.network)))
    url = f"/plans/{plan_id}/stops"
    for day, to_date in (("2026-11-24", "2026-11-23"), ("2026-11-23", "2026-11-24")):
        response = client.patch(url, json=_edit("move", "BUS-01", day, "AZ-OGU", 1, to_date=to_date))
        assert response.status_code == 422, response.json()
        [error] = response.json()["detail"]
        assert error["loc"] == ["body", "to_date"]
        assert f"BUS-01 already stops at AZ-OGU on {to_date}" in error["msg"]
    assert client.get(f"/plans/{plan_id}").json()["version"] == 1


def test_publishing_a_valid_plan(app: FastAPI, client: TestClient, plan_id: int) -> None:
    """Publishing the current version marks the plan published and raises its version; publishing again at the
    new version keeps it published."""
    response = client.post(f"/plans/{plan_id}/publish", json={"version": 1})
    assert response.status_code == 200
    body = response.json()
    assert (body["plan_id"], body["version"], body["published"]) == (plan_id, 2, True)
    assert body["published_at"]
    stored = client.get(f"/plans/{plan_id}").json()
    assert (stored["version"], stored["published"]) == (2, True)
    assert client.post(f"/plans/{plan_id}/publish", json={"version": 2}).json()["version"] == 3
    assert client.post("/plans/999/publish", json={"version": 1}).status_code == 404


@pytest.mark.slow
def test_reoptimize_runs_as_a_job_and_keeps_locked_stops(app: FastAPI, client: TestClient, plan_id: int) -> None:
    """POST /plans/{id}/reoptimize answers 202 with a reoptimize job; it stores a new plan of the same week that
    keeps the locked stop, and leaves the original plan as it was."""
    client.patch(f"/plans/{plan_id}/stops", json=_edit("lock", "BUS-01", "2026-11-24", "AZ-OGU", 1))
    response = client.post(f"/plans/{plan_id}/reoptimize", json={"time_limit_s": 2})
    assert response.status_code == 202
    job = response.json()
    assert response.headers["location"] == f"/jobs/{job['id']}"
    assert (job["kind"], job["status"], job["params"]["plan_id"]) == ("reoptimize", "queued", plan_id)

    stop = time.monotonic() + 120
    while (job := client.get(f"/jobs/{job['id']}").json())["status"] in ("queued", "running"):
        assert time.monotonic() < stop, job
        time.sleep(0.2)
    assert job["status"] == "succeeded", job
    new = client.get(f"/plans/{job['plan_id']}").json()
    assert job["plan_id"] != plan_id
    assert new["week_start"] == WEEK.isoformat()
    assert _stop(new, "BUS-01", "2026-11-24", "AZ-OGU")["locked"] is True
    with _sessions(app)() as session:
        original = get_plan(session, plan_id=plan_id)
    assert original is not None and len(original.stops) == 3
    assert client.post("/plans/999/reoptimize").status_code == 404


def test_lifecycle_endpoints_need_a_planner_token(app: FastAPI, client: TestClient, plan_id: int) -> None:
    """Without a token 401, with an office's token 403, for edits, publishing and re-optimising."""
    office = {"Authorization": f"Bearer {make_token(app, Role.OFFICE, ('AZ-OGU',))}"}
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("PATCH", f"/plans/{plan_id}/stops", _edit("lock", "BUS-01", "2026-11-24", "AZ-OGU", 1)),
        ("POST", f"/plans/{plan_id}/publish", {"version": 1}),
        ("POST", f"/plans/{plan_id}/reoptimize", {"time_limit_s": 5}),
        ("GET", f"/plans/{plan_id}", {}),
    ]
    for method, url, body in calls:
        assert client.request(method, url, json=body, headers={"Authorization": ""}).status_code == 401, url
        assert client.request(method, url, json=body, headers=office).status_code == 403, url
    assert client.get(f"/plans/{plan_id}").json()["version"] == 1


def test_every_transition_of_the_plan_lifecycle(app: FastAPI, client: TestClient, plan_id: int) -> None:
    """draft → published; a newer draft published supersedes it; the older one comes back only with force; the
    public always shows the one published plan and never a draft."""
    assert _status(client, plan_id) == "draft"
    assert _public_vehicle_days(client) == set()  # nothing published: the public sees no draft
    assert client.post(f"/plans/{plan_id}/publish", json={"version": 1}).status_code == 200
    assert _status(client, plan_id) == "published"
    shown = _public_vehicle_days(client)
    assert shown

    newer = _another_draft(app)
    assert _status(client, newer) == "draft"
    assert client.post(f"/plans/{newer}/publish", json={"version": 1}).status_code == 200
    assert (_status(client, plan_id), _status(client, newer)) == ("superseded", "published")

    back = client.post(f"/plans/{plan_id}/publish", json={"version": 2})
    assert back.status_code == 409
    assert f"older than plan {newer}" in back.json()["detail"]
    assert _status(client, newer) == "published"
    assert client.post(f"/plans/{plan_id}/publish", json={"version": 2, "force": True}).status_code == 200
    assert (_status(client, plan_id), _status(client, newer)) == ("published", "superseded")
    assert [p["id"] for p in client.get("/plans", params={"week": WEEK.isoformat()}).json()] == [newer, plan_id]
    assert client.get("/plans", params={"week": "2026-11-30"}).json() == []


def test_an_edit_of_a_published_plan_is_a_new_draft(app: FastAPI, client: TestClient, plan_id: int) -> None:
    """Locking a stop of the published plan stores a new draft (version 1); the published plan and the public
    page stay as they were until the draft is published."""
    client.post(f"/plans/{plan_id}/publish", json={"version": 1})
    before = client.get(f"/plans/{plan_id}").json()
    shown = _public_vehicle_days(client)
    edit = client.patch(f"/plans/{plan_id}/stops", json=_edit("lock", "BUS-01", "2026-11-24", "AZ-OGU", 2))
    assert edit.status_code == 200
    draft = edit.json()["plan_id"]
    assert draft != plan_id and edit.json()["version"] == 1
    assert _stop(client.get(f"/plans/{draft}").json(), "BUS-01", "2026-11-24", "AZ-OGU")["locked"] is True
    after = client.get(f"/plans/{plan_id}").json()
    assert {k: v for k, v in after.items() if k != "version"} == {k: v for k, v in before.items() if k != "version"}
    assert _public_vehicle_days(client) == shown
    assert (_status(client, plan_id), _status(client, draft)) == ("published", "draft")


def test_a_week_that_is_over_is_neither_planned_nor_published(app: FastAPI, client: TestClient, plan_id: int) -> None:
    """After the week ends, publishing its plan is 409 and planning it is 422 naming week_start."""
    app.dependency_overrides[get_today] = lambda: date(2026, 11, 30)
    refused = client.post(f"/plans/{plan_id}/publish", json={"version": 1})
    assert refused.status_code == 409
    assert "which is over" in refused.json()["detail"]
    planned = client.post("/plans", json={"week_start": WEEK.isoformat(), "time_limit_s": 5})
    assert planned.status_code == 422
    assert planned.json()["detail"][0]["loc"] == ["body", "week_start"]
    assert _status(client, plan_id) == "draft"


def test_a_plan_with_violations_is_not_published(client: TestClient, plan_id: int) -> None:
    """A move onto Saturday is stored as the next version with its violations; publishing it is 409 listing them,
    and the plan stays a draft."""
    moved = client.patch(
        f"/plans/{plan_id}/stops", json=_edit("move", "BUS-01", "2026-11-24", "AZ-OGU", 1, to_date="2026-11-28")
    )
    assert moved.json()["violations"]
    refused = client.post(f"/plans/{plan_id}/publish", json={"version": 2})
    assert refused.status_code == 409
    assert {v["code"] for v in refused.json()["detail"]["violations"]} >= {"not_a_service_day"}
    assert _status(client, plan_id) == "draft"


def test_a_request_cancelled_after_it_was_scheduled_flags_the_published_plan(app: FastAPI, client: TestClient) -> None:
    """The published plan keeps the stop of a request cancelled after publication, and GET /plans warns the
    planner about it instead of the plan silently breaking."""
    body = {
        "place_id": "AZ-OGU",
        "window_start": "2026-11-24",
        "window_end": "2026-11-24",
        "expected_citizens": 30,
        "services": ["passport"],
        "priority": "normal",
    }
    request_id = client.post("/requests", json=body).json()["id"]
    network: Network = app.state.network
    fleet: Fleet = app.state.fleet
    with _sessions(app)() as session:
        inputs = week_inputs(session, fleet=fleet, week_start=WEEK, params=PlanningParams())
    problem = week_problem(inputs, network=network, travel=GraphTravelModel(network))
    asked = next(c for c in problem.candidates if request_id in c.request_ids and "BUS-01" in c.vehicle_ids)
    solution = Solution((("BUS-01", (Visit(asked.id, TUESDAY_9),)),), 0, 0.0)
    plan = build_plan(problem, solution, GraphTravelModel(network))
    with _sessions(app).begin() as session:
        plan_id = save_plan(session, plan=plan)
    assert client.post(f"/plans/{plan_id}/publish", json={"version": 1}).status_code == 200
    assert client.get(f"/requests/{request_id}").json()["status"] == "scheduled"
    assert client.post(f"/requests/{request_id}/cancel").status_code == 200
    listed = {p["id"]: p for p in client.get("/plans").json()}
    assert len(listed[plan_id]["warnings"]) == 1
    assert request_id in listed[plan_id]["warnings"][0]
