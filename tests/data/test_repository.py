"""The database layer: migrations, reference sync, plan storage, and connection errors."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, delete, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.db import DatabaseUnavailable, alembic_config, make_engine, migrate
from data.fleet import list_vehicles
from data.models import Base, CentreRow, LegRow, PlaceRow, PlanRow, StationRow, StopRow, VehicleRow
from data.places import list_places
from data.plans import get_plan, latest_plan_id, save_plan, upcoming_stops
from data.queue_schema import is_queue_object
from data.reference_sync import sync_reference
from scheduler.calendar import BAKU
from scheduler.domain import Fleet
from scheduler.plan import Plan, plan_to_dict
from tests.factories import WEEK_START, make_fleet, make_network, make_plan

REFERENCE_ROWS = (PlaceRow, StationRow, CentreRow, VehicleRow)


def _snapshot(session: Session) -> dict[str, list[tuple[object, ...]]]:
    snapshot = {}
    for model in REFERENCE_ROWS:
        columns = list(model.__table__.columns)
        rows = session.execute(select(*columns).order_by(model.__table__.c.id)).all()
        snapshot[model.__tablename__] = [tuple(row) for row in rows]
    return snapshot


def _synced(session: Session) -> None:
    network = make_network()
    sync_reference(session, network=network, fleet=make_fleet(network))
    session.commit()


# --- migrations ---


def test_migration_matches_models(engine: Engine) -> None:
    """After ``migrate`` on an empty database, autogenerate finds no difference from the models."""
    with engine.connect() as connection:
        opts = {"compare_type": True, "include_name": lambda name, *_: not is_queue_object(name)}
        context = MigrationContext.configure(connection, opts=opts)
        assert compare_metadata(context, Base.metadata) == []


def test_migrate_twice_is_harmless(engine: Engine) -> None:
    """Running ``migrate`` on an up-to-date database changes nothing and raises nothing."""
    migrate(engine)
    tables = {t for t in inspect(engine).get_table_names() if not is_queue_object(t)}
    assert tables == {*Base.metadata.tables, "alembic_version"}


# --- reference data ---


def test_sync_reference_twice_leaves_the_same_rows(session: Session) -> None:
    """``sync_reference`` is an idempotent upsert: a second run adds, changes and removes nothing."""
    _synced(session)
    first = _snapshot(session)
    _synced(session)
    assert _snapshot(session) == first
    assert len(first["places"]) == 3
    assert len(first["stations"]) == 1
    assert len(first["centres"]) == 1
    assert len(first["vehicles"]) == 2


def test_sync_reference_updates_changed_rows(session: Session) -> None:
    """A place whose data changed is updated in place, not duplicated."""
    _synced(session)
    network = make_network()
    changed = dataclasses.replace(network.places[1], population=12_345, name_ru="Самух")
    network = dataclasses.replace(network, places=(network.places[0], changed, network.places[2]))
    sync_reference(session, network=network, fleet=make_fleet(network))
    session.commit()
    assert session.scalar(select(func.count()).select_from(PlaceRow)) == 3
    assert list_places(session)[2] == changed  # ordered by id: AZ-BA, AZ-NV, AZ-SMX


def test_list_places_returns_domain_places(session: Session) -> None:
    """Stored places come back as the very ``Place`` objects that went in (None population included)."""
    _synced(session)
    assert list_places(session) == sorted(make_network().places, key=lambda p: p.id)


def test_list_vehicles_returns_domain_vehicles(session: Session) -> None:
    """Stored vehicles come back equal to the fleet's, ordered by id."""
    _synced(session)
    network = make_network()
    assert list_vehicles(session) == sorted(make_fleet(network).vehicles, key=lambda v: v.id)


# --- plans ---


def _saved(session: Session, plan: Plan) -> int:
    plan_id = save_plan(session, plan=plan)
    session.commit()
    session.expunge_all()  # read back from the database, not from the identity map
    return plan_id


def test_plan_round_trip(session: Session) -> None:
    """``get_plan`` rebuilds exactly the saved plan: stops, legs, paths, locked flags, KPIs, Baku times."""
    _synced(session)
    plan = make_plan(make_network())
    loaded = get_plan(session, plan_id=_saved(session, plan))
    assert loaded == plan
    assert loaded is not None
    assert plan_to_dict(loaded) == plan_to_dict(plan)
    assert [s.locked for s in loaded.stops] == [False, True, False, True]
    for stop in loaded.stops:
        assert stop.arrive.tzinfo == BAKU and stop.depart.tzinfo == BAKU
    assert loaded.routes[0].legs[0].path == plan.routes[0].legs[0].path


def test_plan_times_are_stored_as_utc(session: Session) -> None:
    """Stop and leg times and ``created_at`` are aware UTC in the database, at the same instants."""
    _synced(session)
    before = datetime.now(UTC)
    plan = make_plan(make_network())
    plan_id = _saved(session, plan)
    stops = session.scalars(select(StopRow).where(StopRow.plan_id == plan_id).order_by(StopRow.id)).all()
    assert [row.arrive for row in stops] == [s.arrive for s in plan.stops]
    assert all(row.arrive.utcoffset() == timedelta(0) for row in stops)
    assert stops[0].arrive.hour == 6  # 10:00 in Baku (UTC+4)
    leg = session.scalars(select(LegRow).where(LegRow.plan_id == plan_id).order_by(LegRow.id)).first()
    assert leg is not None and leg.depart.utcoffset() == timedelta(0)
    created_at = session.get_one(PlanRow, plan_id).created_at
    assert created_at.utcoffset() == timedelta(0) and before <= created_at <= datetime.now(UTC)


def test_save_plan_upserts_its_vehicles(session: Session) -> None:
    """A plan saved before any sync stores its own vehicles, so it can still be rebuilt."""
    network = make_network()
    sync_reference(session, network=network, fleet=Fleet(vehicles=()))
    plan = make_plan(network)
    assert get_plan(session, plan_id=_saved(session, plan)) == plan


def test_save_plan_refuses_naive_times(session: Session) -> None:
    """A naive datetime in a plan is refused with a message, and nothing is stored."""
    _synced(session)
    plan = make_plan(make_network())
    route = plan.routes[1]
    naive = dataclasses.replace(route.stops[0], arrive=route.stops[0].arrive.replace(tzinfo=None))
    bad = dataclasses.replace(plan, routes=(plan.routes[0], dataclasses.replace(route, stops=(naive,))))
    with pytest.raises(ValueError, match="naive datetime"):
        save_plan(session, plan=bad)
    session.rollback()
    assert latest_plan_id(session) is None


def test_save_plan_refuses_a_route_with_another_vehicles_stop(session: Session) -> None:
    """A stop filed under the wrong vehicle's route is refused rather than stored out of place."""
    _synced(session)
    plan = make_plan(make_network())
    bus, train = plan.routes
    mixed = dataclasses.replace(train, stops=(*train.stops, bus.stops[0]))
    with pytest.raises(ValueError, match="TEST-BUS-1"):
        save_plan(session, plan=dataclasses.replace(plan, routes=(bus, mixed)))


def test_get_plan_of_unknown_id_is_none(session: Session) -> None:
    """Asking for a plan that does not exist gives None, not an error."""
    assert get_plan(session, plan_id=7) is None


def test_latest_plan_id(session: Session) -> None:
    """``latest_plan_id`` is None on an empty database, then the id of the newest saved plan."""
    assert latest_plan_id(session) is None
    _synced(session)
    first = _saved(session, make_plan(make_network()))
    second = _saved(session, make_plan(make_network(), week_start=WEEK_START + timedelta(days=7)))
    assert second > first
    assert latest_plan_id(session) == second


def test_upcoming_stops_filters_by_date(session: Session) -> None:
    """``upcoming_stops`` keeps the stops on or after the given date, in date and arrival order."""
    _synced(session)
    plan = make_plan(make_network())
    plan_id = _saved(session, plan)
    monday, tuesday = plan.service_dates
    assert len(upcoming_stops(session, plan_id=plan_id, from_date=monday)) == 4
    tuesday_stops = upcoming_stops(session, plan_id=plan_id, from_date=tuesday)
    assert [(s.vehicle_id, s.arrive.hour) for s in tuesday_stops] == [("TEST-BUS-1", 9), ("TEST-TRAIN-1", 10)]
    assert all(s.date >= tuesday for s in tuesday_stops)
    assert upcoming_stops(session, plan_id=plan_id, from_date=tuesday + timedelta(days=1)) == []
    assert upcoming_stops(session, plan_id=plan_id + 1, from_date=date(2000, 1, 1)) == []


def test_deleting_a_plan_deletes_its_stops_and_legs(session: Session) -> None:
    """Foreign keys are enforced (SQLite included): deleting a plan cascades to its stops and legs."""
    _synced(session)
    plan_id = _saved(session, make_plan(make_network()))
    session.execute(delete(PlanRow).where(PlanRow.id == plan_id))
    session.commit()
    assert session.scalar(select(func.count()).select_from(StopRow)) == 0
    assert session.scalar(select(func.count()).select_from(LegRow)) == 0


def test_foreign_keys_are_enforced(session: Session) -> None:
    """A stop pointing at a plan that does not exist is refused by the database."""
    _synced(session)
    stop = make_plan(make_network()).stops[0]
    session.add(
        StopRow(
            plan_id=999,
            vehicle_id=stop.vehicle_id,
            seq=0,
            date=stop.date,
            place_id=stop.place_id,
            site_id=stop.site_id,
            lat=stop.lat,
            lon=stop.lon,
            arrive=stop.arrive,
            depart=stop.depart,
            expected_citizens=1,
            locked=False,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


# --- connection errors ---


def test_unreachable_database_raises_database_unavailable() -> None:
    """A server that does not answer gives DatabaseUnavailable: one line naming the URL, no password."""
    url = "postgresql+psycopg://nobody:secret@127.0.0.1:1/none"
    with pytest.raises(DatabaseUnavailable) as caught:
        make_engine(url)
    message = str(caught.value)
    assert "\n" not in message
    assert "postgresql+psycopg://nobody@127.0.0.1:1/none" in message
    assert "secret" not in message


@pytest.mark.parametrize(
    "url",
    ["not a database url", "postgresql+psycopg://nobody:secret@127.0.0.1:port/none", "nosuchdialect://x/y"],
)
def test_malformed_url_raises_database_unavailable(url: str) -> None:
    """A URL that does not parse or names no known driver gives DatabaseUnavailable, never the password."""
    with pytest.raises(DatabaseUnavailable) as caught:
        make_engine(url)
    message = str(caught.value)
    assert "\n" not in message
    assert "secret" not in message


def test_unopenable_sqlite_file_raises_database_unavailable(tmp_path: Path) -> None:
    """A SQLite file in a directory that does not exist gives DatabaseUnavailable."""
    with pytest.raises(DatabaseUnavailable, match="database unavailable"):
        make_engine(f"sqlite:///{tmp_path}/missing/dir/sefer.db")


def test_downgrade_removes_every_table(engine: Engine) -> None:
    """The initial migration can be undone: downgrading to base leaves only Alembic's own table."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
