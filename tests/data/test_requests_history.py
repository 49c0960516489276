"""Visit requests, maintenance days, locks, publishing and the visit history, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.orm import Session

from data.fleet import book_maintenance, maintenance_days
from data.history import visit_history
from data.models import VisitRequestRow
from data.plans import get_plan, publish_plan, save_plan, set_locked
from data.reference_sync import sync_reference
from data.visit_requests import open_requests
from scheduler.requests import Priority, Reason, Unserved, VisitRequest
from tests.factories import WEEK_START, make_fleet, make_network, make_plan, store_request


def _setup(session: Session) -> tuple[str, str]:
    network = make_network()
    sync_reference(session, network=network, fleet=make_fleet(network))
    return network.places[1].id, network.places[2].id


def _request(rid: str, place: str, days: tuple[int, int] = (0, 4)) -> VisitRequest:
    start, end = WEEK_START + timedelta(days=days[0]), WEEK_START + timedelta(days=days[1])
    return VisitRequest(rid, place, start, end, 60, ("passport",), Priority.URGENT, "Office A")


def test_open_requests_are_those_whose_window_overlaps(session: Session) -> None:
    """A request is planned in a week only when its window overlaps the week; cancelled ones never."""
    p1, _ = _setup(session)
    store_request(session, _request("R1", p1))
    store_request(session, _request("R2", p1, (10, 12)))
    store_request(session, _request("R3", p1))
    session.get_one(VisitRequestRow, "R3").status = "cancelled"
    week = open_requests(session, first=WEEK_START, last=WEEK_START + timedelta(days=6))
    assert [r.id for r in week] == ["R1"]
    assert week[0] == _request("R1", p1)


def test_publishing_schedules_served_and_declines_unserved_requests(session: Session) -> None:
    """Publish: a request a stop serves becomes scheduled, one with a reason becomes declined."""
    p1, p2 = _setup(session)
    store_request(session, _request("R1", p1))
    store_request(session, _request("R2", p2))
    plan = make_plan(make_network())
    bus = plan.routes[0]
    served = replace(bus, stops=(replace(bus.stops[0], request_ids=("R1",)), *bus.stops[1:]))
    unserved = (Unserved("R2", Reason.CAPACITY, "too many"),)
    plan_id = save_plan(session, plan=replace(plan, routes=(served, *plan.routes[1:]), unserved=unserved))
    assert get_plan(session, plan_id=plan_id).unserved == unserved  # type: ignore[union-attr]
    assert publish_plan(session, plan_id=plan_id)
    assert session.get_one(VisitRequestRow, "R1").status == "scheduled"
    assert session.get_one(VisitRequestRow, "R2").status == "declined"
    assert not publish_plan(session, plan_id=plan_id + 1)


def test_visit_history_comes_from_published_plans_only(session: Session) -> None:
    """Only published plans count, and per week only its latest published plan."""
    _setup(session)
    last_week = make_plan(make_network(), week_start=WEEK_START - timedelta(days=7))
    draft = save_plan(session, plan=last_week)
    assert visit_history(session, before=WEEK_START, weeks=8) == []
    publish_plan(session, plan_id=draft)
    newer = save_plan(session, plan=last_week)
    publish_plan(session, plan_id=newer)
    history = visit_history(session, before=WEEK_START, weeks=8)
    assert len(history) == len(last_week.stops)
    assert sum(r.citizens for r in history) == sum(s.expected_citizens for s in last_week.stops)
    assert visit_history(session, before=WEEK_START - timedelta(days=7), weeks=8) == []


def test_locks_and_maintenance_are_stored(session: Session) -> None:
    """Locking a vehicle-day locks all its stops; maintenance days come back per vehicle."""
    _setup(session)
    plan = make_plan(make_network())
    plan_id = save_plan(session, plan=plan)
    bus = plan.routes[0].vehicle_id
    assert set_locked(session, plan_id=plan_id, vehicle_id=bus, day=WEEK_START, place_id=None, locked=True) == 2
    stored = get_plan(session, plan_id=plan_id)
    assert stored is not None
    assert [s.locked for s in stored.routes[0].stops] == [True, True, False]
    book_maintenance(session, vehicle_id=bus, day=WEEK_START)
    book_maintenance(session, vehicle_id=bus, day=WEEK_START)
    assert maintenance_days(session) == {bus: (WEEK_START,)}
