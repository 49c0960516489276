"""The planner's fleet, places and centres pages through the real app and database: roles, CSRF, the maintenance
calendar, population and centre corrections, refusals shown beside the field, escaping."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.http.deps import get_today
from api.services.principals import Role
from maps.i18n import format_day
from tests.api.test_web import _csrf, _sign_in, _user
from tests.api.tokens import bearer, make_token

PAGES = ("/desk/fleet", "/desk/places", "/desk/centres")


@pytest.fixture
def planner(app: FastAPI, anonymous: TestClient) -> TestClient:
    _user(app, Role.PLANNER, "nigar")
    assert _sign_in(anonymous, "nigar") == (303, "/desk")
    return anonymous


def _api(app: FastAPI) -> dict[str, str]:
    return bearer(make_token(app, Role.PLANNER))


def _first_vehicle(client: TestClient, app: FastAPI) -> str:
    vehicle: str = client.get("/fleet", headers=_api(app)).json()[0]["id"]
    return vehicle


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_each_page_renders_for_a_planner(planner: TestClient, lang: str) -> None:
    for page in PAGES:
        response = planner.get(f"{page}?lang={lang}")
        assert response.status_code == 200, page
        assert "<table" in response.text and 'scope="col"' in response.text
        assert 'href="/desk/fleet"' in response.text


def test_strangers_sign_in_and_offices_are_turned_away(app: FastAPI, anonymous: TestClient) -> None:
    for page in PAGES:
        located = anonymous.get(page, follow_redirects=False).headers["location"]
        assert located.startswith("/login?next=")
    _user(app, Role.OFFICE, "Qəbələ office", ("AZ-QAB",))
    _sign_in(anonymous, "qəbələ office")
    for page in PAGES:
        assert anonymous.get(page).status_code == 403


def test_booking_and_cancelling_a_maintenance_day(app: FastAPI, planner: TestClient) -> None:
    vehicle = _first_vehicle(planner, app)
    day = get_today() + timedelta(days=3)
    page = planner.get("/desk/fleet").text
    booked = planner.post(f"/desk/fleet/{vehicle}/book", data={"csrf": _csrf(page), "day": day.isoformat()},
                          follow_redirects=False)  # fmt: skip
    assert (booked.status_code, booked.headers["location"]) == (303, "/desk/fleet?notice=booked")
    assert day.isoformat() in planner.get(f"/fleet/{vehicle}/maintenance", headers=_api(app)).text
    page = planner.get("/desk/fleet?lang=en").text
    assert f'name="day" value="{day.isoformat()}"' in page and format_day("en", day) in page
    cancelled = planner.post(f"/desk/fleet/{vehicle}/cancel", data={"csrf": _csrf(page), "day": day.isoformat()},
                             follow_redirects=False)  # fmt: skip
    assert (cancelled.status_code, cancelled.headers["location"]) == (303, "/desk/fleet?notice=cancelled")
    assert day.isoformat() not in planner.get(f"/fleet/{vehicle}/maintenance", headers=_api(app)).text
    assert f'name="day" value="{day.isoformat()}"' not in planner.get("/desk/fleet").text


@pytest.mark.parametrize("day", ["2001-01-01", "not-a-date", "<b>x</b>"])
def test_a_bad_maintenance_day_is_refused_beside_the_field(app: FastAPI, planner: TestClient, day: str) -> None:
    vehicle = _first_vehicle(planner, app)
    page = planner.get("/desk/fleet?lang=en").text
    refused = planner.post(f"/desk/fleet/{vehicle}/book?lang=en", data={"csrf": _csrf(page), "day": day})
    assert refused.status_code == 422
    assert 'class="field-error"' in refused.text and "<b>x</b>" not in refused.text
    assert planner.get(f"/fleet/{vehicle}/maintenance", headers=_api(app)).json() == []


def test_a_missing_or_wrong_csrf_changes_nothing(app: FastAPI, planner: TestClient) -> None:
    vehicle = _first_vehicle(planner, app)
    day = (get_today() + timedelta(days=2)).isoformat()
    for csrf in ("", "wrong"):
        assert planner.post(f"/desk/fleet/{vehicle}/book", data={"csrf": csrf, "day": day}).status_code == 403
        assert planner.post("/desk/places/AZ-QAB", data={"csrf": csrf, "population": "5"}).status_code == 403
        centre = planner.get("/centres", headers=_api(app)).json()[0]
        response = planner.post(f"/desk/centres/{centre['id']}", data={"csrf": csrf, "status": "planned"})
        assert response.status_code == 403
    assert planner.get(f"/fleet/{vehicle}/maintenance", headers=_api(app)).json() == []
    qab = next(p for p in planner.get("/places", headers=_api(app)).json() if p["id"] == "AZ-QAB")
    assert qab["population"] != 5
    assert planner.get("/centres", headers=_api(app)).json()[0] == centre


def test_a_population_correction_is_stored_and_a_bad_one_refused(app: FastAPI, planner: TestClient) -> None:
    page = planner.get("/desk/places").text
    saved = planner.post("/desk/places/AZ-QAB", data={"csrf": _csrf(page), "population": "41250"},
                         follow_redirects=False)  # fmt: skip
    assert (saved.status_code, saved.headers["location"]) == (303, "/desk/places?notice=population_saved")
    qab = next(p for p in planner.get("/places", headers=_api(app)).json() if p["id"] == "AZ-QAB")
    assert qab["population"] == 41250
    for bad in ("-5", "lots", "<script>alert(1)</script>"):
        refused = planner.post("/desk/places/AZ-QAB?lang=en", data={"csrf": _csrf(page), "population": bad})
        assert refused.status_code == 422
        assert 'class="field-error"' in refused.text
        assert "<script>alert(1)</script>" not in refused.text
    qab = next(p for p in planner.get("/places", headers=_api(app)).json() if p["id"] == "AZ-QAB")
    assert qab["population"] == 41250


def test_the_places_filter_matches_names_and_ids_in_any_case(planner: TestClient) -> None:
    rows = lambda text: len(re.findall(r'action="/desk/places/', text))  # noqa: E731
    everything = rows(planner.get("/desk/places").text)
    for query in ("QƏBƏLƏ", "qabala", "Gabala", "габала", "az-qab"):
        found = planner.get("/desk/places", params={"q": query}).text
        assert 'action="/desk/places/AZ-QAB"' in found, query
        assert rows(found) < everything
    escaped = planner.get("/desk/places", params={"q": '"><script>x</script>'}).text
    assert "<script>x</script>" not in escaped and "&lt;script&gt;" in escaped


def test_a_centre_edit_is_stored_and_a_bad_date_refused(app: FastAPI, planner: TestClient) -> None:
    centre = planner.get("/centres", headers=_api(app)).json()[0]
    page = planner.get("/desk/centres").text
    saved = planner.post(f"/desk/centres/{centre['id']}", data={"csrf": _csrf(page), "status": "planned",
                         "opened": "2027-03-01"}, follow_redirects=False)  # fmt: skip
    assert (saved.status_code, saved.headers["location"]) == (303, "/desk/centres?notice=centre_saved")
    after = next(c for c in planner.get("/centres", headers=_api(app)).json() if c["id"] == centre["id"])
    assert (after["status"], after["opened"]) == ("planned", "2027-03-01")
    for data in ({"status": "<i>demolished</i>"}, {"opened": "2027-13-45"}, {}):
        refused = planner.post(f"/desk/centres/{centre['id']}", data={"csrf": _csrf(page), **data})
        assert refused.status_code == 422 and 'class="field-error"' in refused.text
        assert "<i>demolished</i>" not in refused.text
    again = next(c for c in planner.get("/centres", headers=_api(app)).json() if c["id"] == centre["id"])
    assert again == after
