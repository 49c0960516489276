"""The web pages through the real app and database: sign-in with argon2id passwords, sessions that end when they
must, throttled guessing, CSRF on forms, roles, escaping, the planner's desk and the office's counter."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.http.auth import SESSION_COOKIE
from api.services import accounts
from api.services.principals import Role
from api.services.requests import RequestFields, file_request
from data.models import UserRow, VisitRequestRow
from data.plans import save_plan
from scheduler.domain import Network
from scheduler.requests import Reason, Unserved
from tests.api.apps import app_on
from tests.api.tokens import bearer, make_token
from tests.console import run_sefer
from tests.factories import make_plan

PASSWORD = "correct horse battery"


def _user(app: FastAPI, role: Role, name: str, places: tuple[str, ...] = ()) -> None:
    factory: sessionmaker[Session] = app.state.session_factory
    with factory() as session:
        accounts.create_user(session, network=app.state.network, role=role, name=name, places=places, password=PASSWORD)


def _sign_in(client: TestClient, name: str, password: str = PASSWORD, lang: str = "az") -> tuple[int, str]:
    """Open the sign-in page (its form token) and send the form: the status and where it redirects."""
    response = _login_post(client, name, password, lang)
    return response.status_code, response.headers.get("location", "")


def _login_post(client: TestClient, name: str, password: str, lang: str = "az") -> Any:
    page = client.get(f"/login?lang={lang}").text
    form = {"name": name, "password": password, "csrf": _csrf(page)}
    return client.post(f"/login?lang={lang}", data=form, follow_redirects=False)


def _save_plan(app: FastAPI, week_start: date) -> int:
    network: Network = app.state.network
    factory: sessionmaker[Session] = app.state.session_factory
    with factory.begin() as session:
        return save_plan(session, plan=make_plan(network, week_start=week_start))


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


@pytest.fixture
def browser(anonymous: TestClient) -> TestClient:
    """A client that keeps cookies, as a browser does (the ``anonymous`` client, lifespan running)."""
    return anonymous


def test_a_planner_signs_in_and_lands_on_the_desk_with_a_safe_cookie(app: FastAPI, browser: TestClient) -> None:
    """Sign-in answers 303 to /desk and sets an HttpOnly, SameSite=Lax session cookie; the desk page has a
    policy without inline script, and is not cached."""
    _user(app, Role.PLANNER, "Aysel Məmmədova")
    login = _login_post(browser, "  AYSEL  məmmədova ", PASSWORD)
    assert (login.status_code, login.headers["location"]) == (303, "/desk")
    flags = next(c for c in login.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE)).lower()
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert browser.cookies.get(SESSION_COOKIE)
    page = browser.get("/desk")
    assert page.status_code == 200
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


def test_the_password_is_stored_as_an_argon2id_hash(app: FastAPI, anonymous: TestClient) -> None:
    """The stored hash is argon2id and does not contain the password."""
    _user(app, Role.PLANNER, "hash check")
    factory: sessionmaker[Session] = app.state.session_factory
    with factory() as session:
        stored = session.scalars(select(UserRow.password_hash)).one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_unknown_name_wrong_password_and_disabled_user_get_one_answer(app: FastAPI, browser: TestClient) -> None:
    """Each is a 401 page saying "wrong name or password" and sets no cookie."""
    _user(app, Role.PLANNER, "rauf")
    factory: sessionmaker[Session] = app.state.session_factory
    with factory() as session:
        accounts.set_disabled(session, name="Rauf", disabled=True)
    for name, password in (("nobody", PASSWORD), ("rauf", "wrong password!"), ("rauf", PASSWORD)):
        answer = _login_post(browser, name, password, "en")
        assert answer.status_code == 401
        assert "Wrong name or password." in answer.text
        assert SESSION_COOKIE not in answer.headers.get("set-cookie", "")


def test_guessing_is_throttled_per_account(app: FastAPI, browser: TestClient) -> None:
    """After five failures in fifteen minutes even the right password is refused with 429; the other accounts
    still sign in from elsewhere."""
    _user(app, Role.PLANNER, "target")
    _user(app, Role.PLANNER, "bystander")
    for _ in range(accounts.MAX_ACCOUNT_FAILURES):
        assert _sign_in(browser, "target", "not the password")[0] == 401
    assert _sign_in(browser, "target")[0] == 429
    factory: sessionmaker[Session] = app.state.session_factory
    with factory() as session:
        signed = accounts.sign_in(session, name="bystander", password=PASSWORD, address="10.0.0.9")
        assert signed.session.user.login == "bystander"
        later = accounts.sign_in(
            session,
            name="target",
            password=PASSWORD,
            address="10.0.0.9",
            now=signed.session.expires_at - accounts.SESSION_LIFETIME + accounts.THROTTLE_WINDOW + timedelta(1),
        )
        assert later.session.user.login == "target"


def test_guessing_is_throttled_per_address(app: FastAPI, anonymous: TestClient) -> None:
    """Twenty failures from one address over many names refuse the next attempt from it, whatever the name."""
    _user(app, Role.PLANNER, "someone")
    factory: sessionmaker[Session] = app.state.session_factory
    with factory() as session:
        for n in range(accounts.MAX_ADDRESS_FAILURES):
            with pytest.raises(accounts.SignInRefused):
                accounts.sign_in(session, name=f"guess {n}", password="x" * 12, address="192.0.2.7")
        with pytest.raises(accounts.TooManyAttempts):
            accounts.sign_in(session, name="someone", password=PASSWORD, address="192.0.2.7")
        assert accounts.sign_in(session, name="someone", password=PASSWORD, address="192.0.2.8")


def test_disabling_a_user_ends_their_session_at_once(app: FastAPI, browser: TestClient) -> None:
    """The next page after the user is disabled sends them to sign in; so does a password reset."""
    _user(app, Role.PLANNER, "leyla")
    _sign_in(browser, "leyla")
    assert browser.get("/desk").status_code == 200
    factory: sessionmaker[Session] = app.state.session_factory
    with factory() as session:
        accounts.set_disabled(session, name="leyla", disabled=True)
    gone = browser.get("/desk", follow_redirects=False)
    assert (gone.status_code, gone.headers["location"]) == (303, "/login?next=%2Fdesk")
    with factory() as session:
        accounts.set_disabled(session, name="leyla", disabled=False)
    _sign_in(browser, "leyla")
    with factory() as session:
        accounts.reset_password(session, name="leyla", password="a brand new secret")
    assert browser.get("/desk", follow_redirects=False).status_code == 303


def test_sign_out_needs_the_form_s_csrf_token(app: FastAPI, browser: TestClient) -> None:
    """A sign-out posted without the page's CSRF token (another site's form) leaves the session alive; with it,
    the session ends and its old cookie no longer opens a page."""
    _user(app, Role.PLANNER, "kamran")
    _sign_in(browser, "kamran")
    cookie = browser.cookies.get(SESSION_COOKIE)
    browser.post("/logout", data={"csrf": "forged"}, follow_redirects=False)
    browser.cookies.set(SESSION_COOKIE, cookie or "")
    page = browser.get("/desk")
    assert page.status_code == 200
    out = browser.post("/logout", data={"csrf": _csrf(page.text)}, follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, "/login")
    browser.cookies.set(SESSION_COOKIE, cookie or "")
    assert browser.get("/desk", follow_redirects=False).status_code == 303


def test_pages_send_strangers_to_sign_in_and_offices_away_from_the_desk(app: FastAPI, browser: TestClient) -> None:
    """No session: /desk and /counter redirect to /login (keeping the language); an office gets 403 at the desk
    and lands on its counter; a planner gets 403 at the counter."""
    located = browser.get("/counter?lang=ru", follow_redirects=False).headers["location"]
    assert located == "/login?next=%2Fcounter&lang=ru"
    _user(app, Role.OFFICE, "Qəbələ office", ("AZ-QAB",))
    assert _sign_in(browser, "qəbələ office") == (303, "/counter")
    assert browser.get("/desk").status_code == 403
    assert browser.get("/counter").status_code == 200
    _user(app, Role.PLANNER, "nigar")
    browser.cookies.clear()
    _sign_in(browser, "nigar")
    assert browser.get("/counter").status_code == 403


def test_the_desk_shows_the_week_board_of_a_stored_plan(app: FastAPI, browser: TestClient) -> None:
    """A row per vehicle, a column per working day, each stop with its place, hours and citizens, the lock
    marked in words, a draft badge and the links to the map and the crews' sheets, in all three languages."""
    monday = date(2030, 1, 7)
    plan_id = _save_plan(app, monday)
    _user(app, Role.PLANNER, "desk reader")
    _sign_in(browser, "desk reader")
    page = browser.get(f"/desk?week={monday}&lang=en").text
    assert "Monday 7 January 2030" in page and "Friday 11 January 2030" in page
    assert "TEST-BUS-1" in page and "TEST-TRAIN-1" in page
    assert "10:00–13:00" in page and "120 cit." in page and "locked" in page
    assert ">Draft<" in page
    assert f'href="/plans/{plan_id}/map"' in page
    assert f'href="/plans/{plan_id}/vehicles/TEST-BUS-1/itinerary"' in page
    assert "Planlaşdırıcının masası" in browser.get(f"/desk?plan={plan_id}&lang=az").text
    assert "Стол планировщика" in browser.get(f"/desk?plan={plan_id}&lang=ru").text
    # another language keeps the plan shown (and any other query), only the language changes
    assert f'href="/desk?plan={plan_id}&amp;lang=ru" lang="ru"' in browser.get(f"/desk?plan={plan_id}&lang=en").text
    assert browser.get("/desk?plan=999999").status_code == 404
    assert browser.get("/desk?week=2030-01-08").status_code == 422
    empty = browser.get("/desk?week=2031-01-06&lang=en").text
    assert "No plan for this week yet" in empty


def test_the_board_carries_its_map_and_the_policy_allows_only_the_tile_server(
    app: FastAPI, browser: TestClient
) -> None:
    """Each stop on the board carries what the map needs (its point, its number in the vehicle's week) and each
    vehicle its colour; offline the policy allows images from this site only, and with a tile server exactly that
    server's origin, never an inline script."""
    monday = date(2030, 1, 7)
    plan_id = _save_plan(app, monday)
    _user(app, Role.PLANNER, "map reader")
    _sign_in(browser, "map reader")
    answer = browser.get(f"/desk?plan={plan_id}&lang=en")
    page = answer.text
    assert 'id="desk-map"' in page and "data-tiles-url" not in page
    assert re.search(r'<li class="stop" data-vehicle="TEST-BUS-1" data-day="2030-01-07" data-place="[^"]+" '
                     r'data-lat="[-0-9.]+" data-lon="[-0-9.]+" data-order="1"', page)  # fmt: skip
    assert re.search(r'data-vehicle="TEST-BUS-1" data-colour="#[0-9a-fA-F]{6}"', page)
    policy = answer.headers["content-security-policy"]
    assert "img-src 'self' data:;" in policy and "script-src 'self';" in policy
    app.state.settings = app.state.settings.model_copy(update={"map_tiles": "OpenStreetMap"})
    online = browser.get(f"/desk?plan={plan_id}&lang=en")
    assert "img-src 'self' data: https://tile.openstreetmap.org;" in online.headers["content-security-policy"]
    assert 'data-tiles-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in online.text


def test_a_request_left_out_links_to_the_stops_that_displaced_it(app: FastAPI, browser: TestClient) -> None:
    """Each displacing stop named under a request left out is a link to its cell on the board."""
    network: Network = app.state.network
    plan = make_plan(network, week_start=date(2030, 1, 7))
    words = ("TEST-BUS-1 2030-01-07 Qəbələ (80 citizens)", "somewhere else")
    left_out = Unserved("REQ-0000beef", Reason.DISPLACED, "REQ-0000beef (Bum): taken by others", words)
    factory: sessionmaker[Session] = app.state.session_factory
    with factory.begin() as session:
        plan_id = save_plan(session, plan=replace(plan, unserved=(left_out,)))
    _user(app, Role.PLANNER, "link reader")
    _sign_in(browser, "link reader")
    page = browser.get(f"/desk?plan={plan_id}&lang=en").text
    assert '<a href="#c-TEST-BUS-1-2030-01-07">TEST-BUS-1 2030-01-07 Qəbələ (80 citizens)</a>; somewhere else' in page
    assert 'id="c-TEST-BUS-1-2030-01-07"' in page


def test_a_session_cookie_reads_planner_exports_but_never_writes(app: FastAPI, browser: TestClient) -> None:
    """From the desk a planner opens the map and the CSV by a plain link; a write with only the cookie is 401
    (a cross-site form cannot act for them)."""
    plan_id = _save_plan(app, date(2030, 1, 7))
    _user(app, Role.PLANNER, "exporter")
    _sign_in(browser, "exporter")
    assert browser.get(f"/plans/{plan_id}/export.csv").status_code == 200
    assert browser.get(f"/plans/{plan_id}/map").status_code == 200
    assert browser.post(f"/plans/{plan_id}/publish", json={"version": 1}).status_code == 401


def test_the_counter_lists_only_the_office_s_own_requests_escaped(app: FastAPI, browser: TestClient) -> None:
    """The office sees its request (note with markup shown as text, not markup) and not another office's."""
    token = make_token(app, Role.OFFICE, ("AZ-QAB",), name="other office")
    start = date.today() + timedelta(days=10)
    body = {"place_id": "AZ-QAB", "window_start": str(start), "window_end": str(start + timedelta(days=4)),
            "expected_citizens": 40, "note": "other's <i>secret</i>"}  # fmt: skip
    assert browser.post("/requests", json=body, headers=bearer(token)).status_code == 201
    _user(app, Role.OFFICE, "<b>Qəbələ</b> office", ("AZ-QAB",))
    _sign_in(browser, "<b>qəbələ</b> office")
    empty = browser.get("/counter?lang=en").text
    assert "No requests yet." in empty and "secret" not in empty
    assert "&lt;b&gt;Qəbələ&lt;/b&gt; office" in empty and "<b>Qəbələ</b>" not in empty
    factory: sessionmaker[Session] = app.state.session_factory
    with factory() as session:
        principal = accounts.list_users(session)[0].principal
    with factory() as session:
        file_request(
            session,
            caller=principal,
            network=app.state.network,
            today=date.today(),
            given=RequestFields(
                place_id="AZ-QAB",
                window_start=start,
                window_end=start + timedelta(days=2),
                expected_citizens=60,
                note="<script>alert(1)</script>",
            ),
        )
    page = browser.get("/counter?lang=en").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>alert" not in page
    assert ">Submitted<" in page and "secret" not in page


def test_sefer_user_create_reads_the_password_from_stdin(tmp_path: Path) -> None:
    """`sefer user create --password-stdin` makes an account that signs in; no --password-stdin or a short
    password is one error line and exit code 2, a taken name (a conflict, as everywhere) exit code 1."""
    db = {"SEFER_DATABASE_URL": f"sqlite:///{tmp_path / 'web.db'}"}
    made = run_sefer("user", "create", "--role", "planner", "--name", "Aysel", "--password-stdin",
                     cwd=tmp_path, env=db, stdin=PASSWORD + "\n")  # fmt: skip
    assert made.returncode == 0, made.stderr
    with TestClient(app_on(db["SEFER_DATABASE_URL"])) as client:
        assert _sign_in(client, "aysel") == (303, "/desk")
    for args, stdin, message, code in (
        (("--name", "b"), None, "--password-stdin", 2),
        (("--name", "b", "--password-stdin"), "short\n", "10 to 256", 2),
        (("--name", "AYSEL", "--password-stdin"), PASSWORD + "\n", "exists already", 1),
    ):
        bad = run_sefer("user", "create", "--role", "planner", *args, cwd=tmp_path, env=db, stdin=stdin)
        assert bad.returncode == code and message in bad.stderr and "Traceback" not in bad.stderr
    listed = run_sefer("user", "list", cwd=tmp_path, env=db)
    assert "'aysel' planner" in listed.stdout


def _office_signed_in(app: FastAPI, browser: TestClient) -> str:
    """Sign in Qəbələ's office; the counter page's CSRF token."""
    _user(app, Role.OFFICE, "Qəbələ counter", ("AZ-QAB",))
    _sign_in(browser, "qəbələ counter")
    return _csrf(browser.get("/counter?lang=en").text)


def _form(csrf: str, **changes: object) -> dict[str, object]:
    start = date.today() + timedelta(days=9)
    form: dict[str, object] = {
        "csrf": csrf,
        "where": "Bum",
        "window_start": str(start),
        "window_end": str(start + timedelta(days=4)),
        "citizens": "45",
        "services": ["passport"],
        "priority": "urgent",
        "note": "school <b>exams</b>",
    }
    return form | changes


def test_an_office_files_a_request_at_the_counter_and_cancels_it(app: FastAPI, browser: TestClient) -> None:
    """The form files a village's request (the gazetteer resolves "Bum"), the page confirms it and lists it as
    submitted; the cancel button cancels it."""
    csrf = _office_signed_in(app, browser)
    filed = browser.post("/counter/requests", data=_form(csrf), follow_redirects=False)
    assert filed.status_code == 303
    request_id = filed.headers["location"].split("filed=")[1]
    page = browser.get(filed.headers["location"]).text
    assert f"Request {request_id} filed." in page
    assert "Bum (Gabala)" in page and ">Submitted<" in page and "school &lt;b&gt;exams&lt;/b&gt;" in page
    cancelled = browser.post(f"/counter/requests/{request_id}/cancel", data={"csrf": csrf}, follow_redirects=False)
    assert cancelled.status_code == 303
    assert ">Cancelled<" in browser.get("/counter").text


def test_a_careless_form_comes_back_with_each_mistake_and_nothing_lost(app: FastAPI, browser: TestClient) -> None:
    """An unknown village (with the closest spellings), a past date, no citizens: 422, every message beside its
    field, what was typed still there; nothing is stored. A forged form token stores nothing either."""
    csrf = _office_signed_in(app, browser)
    past = str(date.today() - timedelta(days=3))
    wrong = browser.post("/counter/requests", data=_form(csrf, where="Qaballa", citizens=""))
    assert wrong.status_code == 422
    assert "Give the number of citizens in digits." in wrong.text and 'value="Qaballa"' in wrong.text
    # the answer to a POST has no address to reload: its language links go to the page the form was on, of this
    # site only
    edit_page = f"{browser.base_url}/counter/requests/REQ-1/edit?lang=en"
    sent_from = browser.post("/counter/requests", data=_form(csrf, citizens=""), headers={"referer": edit_page})
    assert 'href="/counter/requests/REQ-1/edit?lang=ru"' in sent_from.text
    elsewhere = browser.post(
        "/counter/requests", data=_form(csrf, citizens=""), headers={"referer": "https://x.example/desk?plan=9"}
    )
    assert 'href="/counter?lang=ru"' in elsewhere.text and "x.example" not in elsewhere.text
    unknown = browser.post("/counter/requests", data=_form(csrf, where="Qaballa", window_start=past))
    assert unknown.status_code == 422
    assert "did you mean Qabala" in unknown.text and "is in the past" in unknown.text
    forged = browser.post("/counter/requests", data=_form("forged"))
    assert forged.status_code == 403 and "The form had expired" in forged.text
    assert "No requests yet." in browser.get("/counter").text
    assert browser.post("/counter/requests", data=_form(csrf, where="Şəki")).status_code == 422  # not its place


def test_check_your_answers_shows_the_request_and_its_service_days_before_anything_is_stored(
    app: FastAPI, browser: TestClient
) -> None:
    """The form goes to a check page first: the village it resolves to, the service days its window covers (a
    weekend window covers none and says so), the escaped note; nothing is stored until Send; Change brings the
    form back as typed; a mistake comes back on the form (422)."""
    csrf = _office_signed_in(app, browser)
    monday = date.today() + timedelta(days=7 - date.today().weekday() + 7)
    week = _form(csrf, window_start=str(monday), window_end=str(monday + timedelta(days=6)))
    checked = browser.post("/counter/check?lang=en", data=week)
    assert checked.status_code == 200
    page = checked.text
    assert "Check your answers" in page and "Bum (Gabala)" in page and "school &lt;b&gt;exams&lt;/b&gt;" in page
    days = re.search(r"Service days the window covers</dt><dd>(.*?)</dd>", page, re.S)
    assert days is not None and days.group(1).count(";") == 4 and "Saturday" not in days.group(1)
    assert "No requests yet." in browser.get("/counter?lang=en").text
    saturday = monday + timedelta(days=5)
    weekend = _form(csrf, window_start=str(saturday), window_end=str(saturday + timedelta(days=1)))
    weekend_checked = browser.post("/counter/check?lang=en", data=weekend)
    assert "The window holds no service day" in weekend_checked.text
    back = browser.post("/counter/check?lang=en", data=_form(csrf, back="true", citizens="77"))
    assert back.status_code == 200 and 'value="77"' in back.text and 'action="/counter/check"' in back.text
    wrong = browser.post("/counter/check?lang=en", data=_form(csrf, citizens="many"))
    assert wrong.status_code == 422 and "Give the number of citizens in digits." in wrong.text
    sent = browser.post("/counter/requests", data=_form(csrf), follow_redirects=False)
    assert sent.status_code == 303 and "filed=" in sent.headers["location"]


def test_an_office_changes_a_submitted_request_but_not_a_decided_one(app: FastAPI, browser: TestClient) -> None:
    """Change opens the form filled with the request; saving stores the new figures; once a publication decided
    the request, a change is refused with the reason and nothing changes; another office's request is not found."""
    csrf = _office_signed_in(app, browser)
    filed = browser.post("/counter/requests", data=_form(csrf), follow_redirects=False)
    request_id = filed.headers["location"].split("filed=")[1]
    edit = browser.get(f"/counter/requests/{request_id}/edit?lang=en")
    assert edit.status_code == 200 and 'value="45"' in edit.text and f"Request {request_id}: change" in edit.text
    saved = browser.post(f"/counter/requests/{request_id}", data=_form(csrf, citizens="60"), follow_redirects=False)
    assert saved.status_code == 303 and saved.headers["location"] == f"/counter?changed={request_id}"
    assert ">60<" in browser.get("/counter?lang=en").text
    _decide(app, request_id)
    refused = browser.post(f"/counter/requests/{request_id}?lang=en", data=_form(csrf, citizens="70"))
    assert refused.status_code == 422 and "only a submitted request can change" in refused.text
    assert ">70<" not in browser.get("/counter?lang=en").text
    assert browser.get("/counter/requests/REQ-00000000/edit").status_code == 404


def _decide(app: FastAPI, request_id: str) -> None:
    """What publishing a plan that serves the request writes on it: scheduled, with its visit and the moment."""
    factory: sessionmaker[Session] = app.state.session_factory
    with factory.begin() as session:
        row = session.get(VisitRequestRow, request_id)
        assert row is not None
        day = row.window_start
        visit = {"vehicle_id": "BUS-01", "date": str(day), "place_id": row.place_id, "site_id": row.place_id,
                 "arrive": f"{day}T09:00:00+04:00", "depart": f"{day}T13:00:00+04:00"}  # fmt: skip
        row.status = "scheduled"
        row.outcome = {"plan_id": 1, **{k: visit[k] for k in ("vehicle_id", "date", "arrive", "depart")},
                       "visits": [visit], "decided_at": datetime.now(UTC).isoformat()}  # fmt: skip


def test_the_counter_marks_news_since_the_last_visit_and_exports_the_visits(app: FastAPI, browser: TestClient) -> None:
    """A request decided after the office last opened the counter is marked once; its hours show; the office's
    calendar holds one event per visit, in UTC, and nothing of other offices."""
    csrf = _office_signed_in(app, browser)  # this visit sets the "seen" moment
    filed = browser.post("/counter/requests", data=_form(csrf), follow_redirects=False)
    request_id = filed.headers["location"].split("filed=")[1]
    browser.get("/counter")
    _decide(app, request_id)
    first = browser.get("/counter?lang=en").text
    assert "changed since your last visit" in first and "09:00–13:00" in first and "BUS-01" in first
    assert "changed since your last visit" not in browser.get("/counter?lang=en").text
    calendar = browser.get("/counter/visits.ics")
    assert calendar.status_code == 200 and calendar.headers["content-type"].startswith("text/calendar")
    assert calendar.text.count("BEGIN:VEVENT") == 1 and "DTSTART:" in calendar.text and "T050000Z" in calendar.text
    assert request_id in calendar.text
    browser.cookies.clear()
    assert browser.get("/counter/visits.ics", follow_redirects=False).status_code == 303  # to the sign-in page


def test_the_desk_locks_a_vehicle_day_and_refuses_a_stale_page(app: FastAPI, browser: TestClient) -> None:
    """The board's lock form locks BUS-1's Monday (a new version per stop edited); the same form sent again from
    the old page (version 1) says "changed by someone else" and changes nothing; a forged form changes nothing."""
    plan_id = _save_plan(app, date(2030, 1, 7))
    _user(app, Role.PLANNER, "locker")
    _sign_in(browser, "locker")
    page = browser.get(f"/desk?plan={plan_id}&lang=en").text
    form = {"csrf": _csrf(page), "vehicle": "TEST-BUS-1", "day": "2030-01-07", "version": "1", "locked": "true"}
    done = browser.post(f"/desk/plans/{plan_id}/lock", data=form, follow_redirects=False)
    assert done.headers["location"] == f"/desk?plan={plan_id}&notice=locked"
    after = browser.get(done.headers["location"] + "&lang=en").text
    # each of the day's two stops is one edit (one of them was locked already); the train's stop is locked too
    assert "Vehicle-day locked." in after and "version 3" in after and after.count('class="lock"') == 3
    stale = browser.post(f"/desk/plans/{plan_id}/lock", data=form | {"locked": "false"}, follow_redirects=False)
    assert stale.headers["location"].endswith("notice=stale")
    assert "changed by someone else" in browser.get(stale.headers["location"] + "&lang=en").text
    forged = browser.post(f"/desk/plans/{plan_id}/lock", data=form | {"csrf": "x", "version": "3"})
    assert "The form had expired" in forged.text and "version 3" in forged.text


def test_one_stop_locks_and_unlocks_from_the_board(app: FastAPI, browser: TestClient) -> None:
    """A stop's own Lock button locks that stop only (its day's other stop stays free to move); Unlock frees it;
    the same form from an old page is stale and changes nothing."""
    plan_id = _save_plan(app, date(2030, 1, 7))
    _user(app, Role.PLANNER, "stop locker")
    _sign_in(browser, "stop locker")
    page = browser.get(f"/desk?plan={plan_id}&lang=en").text
    free = re.findall(r'data-vehicle="TEST-BUS-1" data-day="2030-01-07" data-place="([^"]+)"[^>]*draggable', page)
    assert len(free) == 1  # of Monday's two stops, one came locked
    form = {"csrf": _csrf(page), "vehicle": "TEST-BUS-1", "day": "2030-01-07", "place": free[0], "version": "1",
            "locked": "true"}  # fmt: skip
    done = browser.post(f"/desk/plans/{plan_id}/stops/lock", data=form, follow_redirects=False)
    assert done.headers["location"] == f"/desk?plan={plan_id}&notice=stop_locked"
    after = browser.get(done.headers["location"] + "&lang=en").text
    assert "Stop locked: a re-optimisation keeps it where it is." in after and "version 2" in after
    assert after.count('class="lock"') == page.count('class="lock"') + 1
    locked_li = rf'data-vehicle="TEST-BUS-1" data-day="2030-01-07" data-place="{free[0]}"[^>]*'
    assert re.search(locked_li, after) and not re.search(locked_li + "draggable", after)
    stale = browser.post(f"/desk/plans/{plan_id}/stops/lock", data=form | {"locked": "false"}, follow_redirects=False)
    assert stale.headers["location"].endswith("notice=stale")
    freed = browser.post(f"/desk/plans/{plan_id}/stops/lock", data=form | {"locked": "false", "version": "2"},
                         follow_redirects=False)  # fmt: skip
    assert freed.headers["location"].endswith("notice=stop_unlocked")
    assert browser.get(f"/desk?plan={plan_id}&lang=en").text.count('class="lock"') == page.count('class="lock"')


def test_the_kpi_strip_compares_with_the_previous_plan_of_the_week(app: FastAPI, browser: TestClient) -> None:
    """With two plans of a week, the newer one's KPIs show the change against the older one."""
    first = _save_plan(app, date(2030, 1, 7))
    second = _save_plan(app, date(2030, 1, 7))
    _user(app, Role.PLANNER, "kpi reader")
    _sign_in(browser, "kpi reader")
    newer = browser.get(f"/desk?plan={second}&lang=en").text
    assert newer.count("against the previous plan") == 5 and "±0" in newer
    assert "against the previous plan" not in browser.get(f"/desk?plan={first}&lang=en").text


def test_publishing_from_the_desk_is_refused_while_rules_are_broken(app: FastAPI, browser: TestClient) -> None:
    """The hand-made plan breaks the validator's rules on the bundled week: the checklist lists them with no
    publish button, and a publish posted anyway is a 409 page naming the refusal; the plan stays a draft."""
    plan_id = _save_plan(app, date(2030, 1, 7))
    _user(app, Role.PLANNER, "publisher")
    _sign_in(browser, "publisher")
    checklist = browser.get(f"/desk/plans/{plan_id}/publish?lang=en")
    assert checklist.status_code == 200
    assert "Rules broken (0)" not in checklist.text and "Publish now" not in checklist.text
    assert "Publishing is refused while rules are broken" in checklist.text
    posted = browser.post(f"/desk/plans/{plan_id}/publish", data={"csrf": _csrf(checklist.text), "version": "1"})
    assert (
        posted.status_code == 409 and f"plan {plan_id} breaks" in posted.text and "cannot be published" in posted.text
    )
    assert ">Draft<" in browser.get(f"/desk?plan={plan_id}&lang=en").text


def test_two_versions_side_by_side(app: FastAPI, browser: TestClient) -> None:
    """The comparison lists the KPIs of both plans and their change, and the stops added, removed and moved
    (BUS-1's Tuesday stop at the same place moved to Wednesday)."""
    network: Network = app.state.network
    before_plan = make_plan(network, week_start=date(2030, 1, 7))
    bus = before_plan.routes[0]
    moved = replace(bus.stops[2], date=date(2030, 1, 9))
    after_plan = replace(before_plan, routes=(replace(bus, stops=(*bus.stops[:2], moved)), *before_plan.routes[1:]))
    factory: sessionmaker[Session] = app.state.session_factory
    with factory.begin() as session:
        first = save_plan(session, plan=before_plan)
        second = save_plan(session, plan=after_plan)
    _user(app, Role.PLANNER, "comparer")
    _sign_in(browser, "comparer")
    page = browser.get(f"/desk/compare?before={first}&after={second}&lang=en").text
    assert f"Plan {first} → Plan {second}" in page
    assert "3 stops unchanged." in page
    assert "Stops moved (1)" in page and "Tuesday 8 January 2030" in page and "Wednesday 9 January 2030" in page
    assert "Stops added (0)" in page and "Stops removed (0)" in page
    assert browser.get(f"/desk/compare?before={first}&after=999999").status_code == 404
    desk = browser.get(f"/desk?plan={second}&lang=en").text
    assert 'action="/desk/compare"' in desk


def test_a_page_that_cannot_be_shown_says_why_as_a_page(app: FastAPI, browser: TestClient) -> None:
    """A stale link (a plan never made), a bad query and another role's page answer with a page in the reader's
    language (its title, the reason, escaped, and a way back), not the API's JSON; the API itself still answers
    JSON."""
    _user(app, Role.PLANNER, "stale link")
    _sign_in(browser, "stale link")
    stale = browser.get("/desk/compare?before=999998&after=999999&lang=en")
    assert stale.status_code == 404 and stale.headers["content-type"].startswith("text/html")
    assert '<html lang="en">' in stale.text and "<title>404 · Not found · Səfər</title>" in stale.text
    assert "plan 999998 not found" in stale.text and 'href="/desk"' in stale.text
    assert "Не найдено" in browser.get("/desk?plan=999999&lang=ru").text
    bad = browser.get("/desk/compare?before=<b>1</b>&after=2&lang=en")
    assert bad.status_code == 422 and "before:" in bad.text and "<b>1</b>" not in bad.text
    assert browser.get("/admin/users?lang=en").text.count("This page is not for your role") == 2
    office = TestClient(app)
    _office_signed_in(app, office)
    not_theirs = office.get("/desk?lang=en")
    assert not_theirs.status_code == 403 and 'href="/counter">Back to the requests' in not_theirs.text
    assert browser.get("/plans/999999", headers=browser.headers).headers["content-type"] == "application/json"


def test_a_solve_from_the_desk_checks_its_form(app: FastAPI, browser: TestClient) -> None:
    """A budget the desk does not offer, a forged token or a week that is over start nothing; an unknown job
    is a 404."""
    _user(app, Role.PLANNER, "solver")
    _sign_in(browser, "solver")
    csrf = _csrf(browser.get("/desk?lang=en").text)  # the language is remembered for the pages after
    for form in (
        {"csrf": csrf, "week": "2030-01-07", "time_limit": "7"},
        {"csrf": "forged", "week": "2030-01-07", "time_limit": "30"},
    ):
        answer = browser.post("/desk/jobs", data=form, follow_redirects=False)
        assert answer.headers["location"] == "/desk?notice=expired"
    over = browser.post("/desk/jobs", data={"csrf": csrf, "week": "2020-01-06", "time_limit": "30"})
    assert "The change was refused." in over.text and "2020-01-06" in over.text
    assert browser.get("/jobs").json() == []  # the session cookie reads the jobs list: nothing was queued
    assert browser.get("/desk/jobs/999999").status_code == 404


def test_the_desk_says_when_a_planner_has_as_many_solves_as_they_may(app: FastAPI, browser: TestClient) -> None:
    """The desk's solves count against the signed-in planner's quota: four are queued (the runner is stopped, so
    they stay queued), the fifth goes back to the desk with the refusal's sentence."""
    app.state.job_runner.stop()
    _user(app, Role.PLANNER, "eager")
    _sign_in(browser, "eager")
    csrf = _csrf(browser.get("/desk?lang=en").text)
    form = {"csrf": csrf, "week": "2030-01-07", "time_limit": "30"}
    for _ in range(4):
        queued = browser.post("/desk/jobs", data=form, follow_redirects=False)
        assert queued.headers["location"].startswith("/desk/jobs/")
    refused = browser.post("/desk/jobs", data=form)
    assert "The change was refused." in refused.text
    assert "may have at most 1 running and 3 queued" in refused.text
    assert len(browser.get("/jobs").json()) == 4


def test_a_move_the_plan_cannot_take_is_refused_with_its_reason(app: FastAPI, browser: TestClient) -> None:
    """The hand-made plan's bus is not in the bundled fleet, so its stop cannot be moved: the desk says why and
    the plan keeps its version (a real move and its verdict: the browser journey)."""
    plan_id = _save_plan(app, date(2030, 1, 7))
    network: Network = app.state.network
    _user(app, Role.PLANNER, "mover")
    _sign_in(browser, "mover")
    page = browser.get(f"/desk?plan={plan_id}&lang=en").text
    assert f'action="/desk/plans/{plan_id}/move#' in page
    form = {"csrf": _csrf(page), "vehicle": "TEST-BUS-1", "day": "2030-01-08", "place": network.places[1].id,
            "to_vehicle": "TEST-BUS-1", "to_day": "2030-01-07", "version": "1"}  # fmt: skip
    refused = browser.post(f"/desk/plans/{plan_id}/move", data=form)
    assert "The change was refused." in refused.text and "not in the fleet" in refused.text
    assert "version 1" in refused.text


def test_the_sign_in_form_needs_its_own_token(app: FastAPI, browser: TestClient) -> None:
    """A sign-in posted without the token the sign-in page set (another site's form) is refused, even with the
    right password, and opens no session."""
    _user(app, Role.PLANNER, "careful")
    forged = browser.post("/login?lang=en", data={"name": "careful", "password": PASSWORD, "csrf": "x"})
    assert forged.status_code == 403 and "The form had expired" in forged.text
    assert SESSION_COOKIE not in browser.cookies
    assert _sign_in(browser, "careful") == (303, "/desk")


def test_a_free_cell_books_maintenance_and_a_clash_shows(app: FastAPI, browser: TestClient) -> None:
    """BUS-1's free Wednesday books a maintenance day (the cell then says so); a day booked under existing stops
    (Monday) shows the clash in the cell and in the checklist; a day in the past is refused with the reason."""
    monday = date.today() + timedelta(days=14 - date.today().weekday())
    wednesday = monday + timedelta(days=2)
    plan_id = _save_plan(app, monday)
    _user(app, Role.PLANNER, "fleet keeper")
    _sign_in(browser, "fleet keeper")
    page = browser.get(f"/desk?plan={plan_id}&lang=en").text
    assert page.count('action="/desk/maintenance#') == 3 + 4  # the bus's three free days, the train's four
    form = {"csrf": _csrf(page), "vehicle": "TEST-BUS-1", "day": str(wednesday), "plan": str(plan_id)}
    booked = browser.post("/desk/maintenance", data=form, follow_redirects=False)
    assert booked.headers["location"] == f"/desk?plan={plan_id}&notice=booked"
    after = browser.get(booked.headers["location"] + "&lang=en").text
    assert "Maintenance day booked" in after and after.count('action="/desk/maintenance#') == 6
    assert "clash with it" not in after
    browser.post("/desk/maintenance", data=form | {"day": str(monday)})
    clashing = browser.get(f"/desk?plan={plan_id}&lang=en").text
    assert "Maintenance is booked on this day: these stops clash with it." in clashing
    checklist = browser.get(f"/desk/plans/{plan_id}/publish?lang=en").text
    assert "Stops on maintenance days (1)" in checklist and f"TEST-BUS-1 · {monday}" in checklist
    past = browser.post("/desk/maintenance", data=form | {"day": "2020-01-06"})
    assert "The change was refused." in past.text and "in the past" in past.text


def test_an_admin_adds_disables_and_resets_users_from_the_page(app: FastAPI, browser: TestClient) -> None:
    """The users page adds an office (which then signs in), refuses a short password naming it, disables the
    office (its session ends) and sets a new password; planners get 403 there."""
    _user(app, Role.ADMIN, "root")
    _sign_in(browser, "root")
    page = browser.get("/admin/users?lang=en")
    assert page.status_code == 200 and "Add a user" in page.text
    csrf = _csrf(page.text)
    form = {"csrf": csrf, "name": "Oğuz <office>", "role": "office", "places": "AZ-OGU", "password": "short"}
    short = browser.post("/admin/users", data=form)
    assert short.status_code == 422 and "10 to 256" in short.text and 'value="Oğuz &lt;office&gt;"' in short.text
    added = browser.post("/admin/users", data=form | {"password": PASSWORD}, follow_redirects=False)
    assert added.headers["location"] == "/admin/users?notice=user_added"
    assert "oğuz &lt;office&gt;" in browser.get("/admin/users?lang=en").text
    office = TestClient(app)
    assert _sign_in(office, "oğuz <office>") == (303, "/counter")
    assert office.get("/counter").status_code == 200
    login = "oğuz <office>"
    disabled = browser.post(f"/admin/users/{login}", data={"csrf": csrf, "action": "disable"}, follow_redirects=False)
    assert disabled.headers["location"] == "/admin/users?notice=user_changed"
    assert office.get("/counter", follow_redirects=False).status_code == 303
    browser.post(f"/admin/users/{login}", data={"csrf": csrf, "action": "enable"})
    reset = {"csrf": csrf, "action": "reset", "password": "another long secret"}
    assert browser.post(f"/admin/users/{login}", data=reset, follow_redirects=False).status_code == 303
    assert _sign_in(office, login, "another long secret") == (303, "/counter")
    _user(app, Role.PLANNER, "not an admin")
    browser.cookies.clear()
    _sign_in(browser, "not an admin")
    assert browser.get("/admin/users").status_code == 403
