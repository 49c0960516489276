"""The planner's desk and the office's counter in Chromium against a real `sefer serve` on a planned week:
sign-in, the board, a lock, the publish checklist and publishing (the public page then shows the week), an office
filing and cancelling a request with the keyboard; axe finds no WCAG 2.2 AA violation on any page in any language;
no console error and no request to another host. Full-page screenshots go to ``out/test-artifacts/``."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import OFFLINE, Watched, _next_monday
from tests.console import run_sefer, serving

SHOTS = Path(os.environ.get("SEFER_TEST_ARTIFACTS", "out/test-artifacts"))
PLANNER, OFFICE, ADMIN, PASSWORD = "aysel", "qəbələ office", "root", "browser journey pass"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, chromium_path: Path) -> Iterator[str]:
    """A new database with a planner, a Qəbələ office and an admin account, and `sefer serve` on it: the planner
    plans the week from the desk."""
    folder = tmp_path_factory.mktemp("web")
    accounts = (("planner", PLANNER, ()), ("office", OFFICE, ("--places", "AZ-QAB")), ("admin", ADMIN, ()))
    for role, name, places in accounts:
        made = run_sefer("user", "create", "--role", role, "--name", name, *places, "--password-stdin",
                         cwd=folder, env=OFFLINE, stdin=PASSWORD + "\n")  # fmt: skip
        assert made.returncode == 0, made.stderr
    with serving(folder, OFFLINE) as base:
        yield base


def _shot(watched: Watched, name: str, *, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    watched.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)


def _axe_violations(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": AXE_TAGS}})
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])}: {[n['target'] for n in v['nodes'][:3]]})"
        for v in results.response["violations"]
    ]


def _drag(page: Any, grip: Any, onto: Any) -> None:
    """Drag ``grip`` onto ``onto`` as a hand does: press, move in steps, move over the target twice (as
    Playwright's docs advise for dragover), release. With the one-move `drag_to`, Chromium at times started no drag
    at all (the events seen: mousedown, then mouseup on the target cell, no dragstart): the CI run of 2026-12-06
    and 3 of 4 local runs failed so; why the drag did not start was not found."""
    grip.scroll_into_view_if_needed()
    grip.hover()
    page.mouse.down()
    box = onto.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + min(box["height"] / 2, 40)
    page.mouse.move(x, y, steps=12)
    page.mouse.move(x + 2, y + 2, steps=2)
    page.mouse.up()


def _sign_in(watched: Watched, base: str, name: str, landing: str) -> None:
    page = watched.page
    page.goto(f"{base}/login?lang=en")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{landing}*")


def test_an_office_files_two_requests_and_cancels_one_with_the_keyboard(web: str, watched: Watched) -> None:
    """Before the planner's work: sign in → the counter → type a village (the browser's autocomplete lists the
    office's villages), citizens and a service, send with the keyboard → the confirmation and the row; a second
    request is cancelled; the planner's desk stays closed to the office."""
    page = watched.page
    _sign_in(watched, web, OFFICE, "/counter")
    assert page.locator('#where-list option[value="Bum"]').count() == 1
    for citizens in ("35", "20"):
        page.fill("#where", "Bum")
        page.fill("#citizens", citizens)
        page.check("input[name=services][value=passport]")
        page.focus("button:has-text('Check your answers')")
        page.keyboard.press("Enter")
        page.wait_for_url("**/counter/check")
        assert "Bum (Gabala)" in page.inner_text("main") and "Service days the window covers" in page.inner_text("main")
        _shot(watched, "counter-check-en")
        page.focus("button:has-text('Send the request')")
        page.keyboard.press("Enter")
        page.wait_for_url("**filed=*")
        assert "filed" in page.inner_text("main")
    _shot(watched, "counter-en")
    page.locator("table.list tbody tr").first.locator("button:has-text('Cancel')").click()  # the newest: 20
    page.wait_for_url("**/counter")
    rows = page.locator("table.list tbody tr").all_inner_texts()
    assert "Cancelled" in rows[0] and "20" in rows[0] and "Submitted" in rows[1] and "35" in rows[1]
    page.set_viewport_size({"width": 390, "height": 844})  # an office on a phone: nothing wider than the screen
    page.goto(f"{web}/counter?lang=en")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(watched, "counter-phone-en")
    page.set_viewport_size({"width": 1400, "height": 900})
    assert watched.errors == [] and watched.remote_requests() == []
    assert page.goto(f"{web}/desk").status == 403  # the browser logs the 403 itself: checked after


def test_a_planner_locks_a_day_checks_and_publishes_the_week(web: str, watched: Watched) -> None:
    """Sign in → plan next week (progress) → the board of the draft → lock BUS-01's first day → the map and the
    board select each other → drag a stop of BUS-03 to another day → move a stop of BUS-02 by its form (the verdict
    shows) → lock two stops
    → re-optimise (progress, "N stops changed")
    → compare the two versions → the locked day kept → the checklist → publish → the public page lists the week.
    The re-optimisation takes in the office's request filed above."""
    page = watched.page
    _sign_in(watched, web, PLANNER, "/desk")
    assert "No plan for this week yet" in page.inner_text("main")
    assert page.locator("#week option[selected]").get_attribute("value") == _next_monday().isoformat()
    page.select_option("#time_limit", "30")
    page.click("form.solve button")  # Plan this week, in a worker process; the job page reloads until it ends
    page.wait_for_url("**/desk/jobs/*")
    assert page.locator("progress").is_visible()
    _shot(watched, "job-plan-running-en")
    page.wait_for_selector(".job-succeeded", timeout=120_000)
    page.click("text=Open plan 1")
    page.wait_for_url("**/desk?plan=1*")
    assert page.locator("table.board tbody tr").count() == 11
    assert page.locator(".badge.plan-draft").first.inner_text() == "Draft"
    _shot(watched, "desk-en")
    first = page.locator("table.board tbody tr").first.locator("form.lock-form button").first
    first.click()
    page.wait_for_url("**notice=locked*")
    assert "Vehicle-day locked." in page.inner_text("main")
    locked_day = page.locator("table.board tbody tr").first.locator("td").first.inner_text()
    assert "locked" in locked_day
    # The map mirrors the board: a marker per stop; a stop's name selects its marker, a marker its stop.
    stops = page.locator("li.stop")
    assert watched.errors == [], watched.errors
    assert page.evaluate("Object.keys(window.seferDesk.markers).length") == stops.count() > 0
    stops.nth(3).locator("button.stop-name").click()
    assert page.locator("li.stop.selected").count() == 1 and "selected" in (stops.nth(3).get_attribute("class") or "")
    # a real click on another stop's point: its stop on the board is selected and takes the focus
    other = stops.nth(1)
    key = "|".join(other.get_attribute(a) or "" for a in ("data-vehicle", "data-day", "data-place"))
    page.wait_for_timeout(500)  # the map's zoom to the selected stop ends
    x, y = page.evaluate(
        """(key) => { const desk = window.seferDesk, m = desk.markers[key];
        desk.map.setView(m.getLatLng(), 9, { animate: false });  // the point in view, at the map's centre
        m.bringToFront();
        const p = desk.map.latLngToContainerPoint(m.getLatLng());
        const box = document.getElementById("desk-map").getBoundingClientRect();
        return [box.left + p.x, box.top + p.y]; }""",
        key,
    )
    page.mouse.click(x, y)
    assert page.locator("li.stop.selected").count() == 1 and "selected" in (other.get_attribute("class") or "")
    assert page.evaluate("document.activeElement.classList.contains('stop-name')")
    page.wait_for_timeout(400)  # the map's zoom animation, for a still screenshot
    _shot(watched, "desk-selected-en")
    # A link to a cell (as under a request left out) selects the cell's stops on the map as well.
    cell_id = page.locator("table.board tbody tr").nth(4).locator("td.cell.service").first.get_attribute("id")
    page.goto(f"{web}/desk?plan=1&lang=en#{cell_id}")
    assert page.locator("li.stop.selected").count() == page.locator(f"#{cell_id} li.stop").count() > 0
    # The notice floats at the bottom left over the board; its button closes it.
    page.goto(f"{web}/desk?plan=1&notice=locked&lang=en")
    page.click(".close-notices")
    assert page.locator(".notices").count() == 0
    # Drag a stop of BUS-03 to another of its days: the drop sends the stop's Move form; the verdict shows.
    third = page.locator("table.board tbody tr").nth(2)
    dragged = third.locator("li.stop[draggable=true]").first
    origin, place = dragged.get_attribute("data-day"), dragged.get_attribute("data-place")
    # a day it does not already serve that place (a second stop there would be refused: one stop a place a day)
    onto = third.locator(f"td.cell.service:not([data-day='{origin}']):not(:has(li.stop[data-place='{place}']))").first
    target_day = onto.get_attribute("data-day")
    _drag(page, dragged.locator("small").first, onto)
    page.wait_for_selector("#verdict-title, p.error")
    assert "Stop moved." in page.inner_text("main"), page.inner_text("main")[:400]
    moved_to = page.locator("table.board tbody tr").nth(2).locator(f"td.cell[data-day='{target_day}']")
    assert moved_to.locator(f"li.stop[data-place='{place}']").count() == 1
    second = page.locator("table.board tbody tr").nth(1)
    by_form = second.locator("li.stop[draggable=true]").first  # a stop that is not locked has its Move form
    day, place = by_form.get_attribute("data-day"), by_form.get_attribute("data-place")
    free = second.locator(f"td.cell.service:not([data-day='{day}']):not(:has(li.stop[data-place='{place}']))")
    by_form.locator("details.move summary").click()
    by_form.locator("select[name=to_day]").select_option(free.first.get_attribute("data-day"))
    by_form.locator("details.move form button").click()
    page.wait_for_selector("#verdict-title")
    assert "Stop moved." in page.inner_text("main") and "The validator's verdict" in page.inner_text("main")
    _shot(watched, "desk-moved-en", full_page=False)  # what the planner sees: the edited cell, the verdict
    # Lock two stops of BUS-04 with their own buttons: the re-optimisation below must keep both.
    pinned = []
    for n in range(2):
        stop = page.locator("table.board tbody tr").nth(3).locator("li.stop").nth(n)
        pinned.append(tuple(stop.get_attribute(a) for a in ("data-vehicle", "data-day", "data-place")))
        stop.locator("form.stop-lock button").click()
        page.wait_for_url("**notice=stop_locked*")
    assert "Stop locked" in page.inner_text("main")
    # Back at the edited cell, not at the top of a long board, with the notice still in sight.
    assert page.url.endswith(f"#c-{pinned[1][0]}-{pinned[1][1]}") and page.evaluate("window.scrollY") > 200
    assert page.locator(".notices").is_visible()
    page.select_option("#time_limit", "30")
    page.click("form.solve button")  # Re-optimise, in a worker process; the job page reloads until it ends
    page.wait_for_url("**/desk/jobs/*")
    _shot(watched, "job-running-en")
    page.wait_for_selector(".job-succeeded", timeout=120_000)
    assert "stops changed" in page.inner_text("main")
    _shot(watched, "job-done-en")
    page.click("text=Compare")
    page.wait_for_url("**/desk/compare*")
    assert "Plan 1 → Plan 2" in page.inner_text("h1")
    _shot(watched, "compare-en")
    page.goto(f"{web}/desk?plan=2&lang=en")
    kept = page.locator("table.board tbody tr").first.locator("td").first.inner_text()
    assert kept == locked_day  # the locked vehicle-day came through the re-optimisation unchanged
    for vehicle, day, place in pinned:  # and so did the two locked stops
        assert page.locator(f"li.stop[data-vehicle='{vehicle}'][data-day='{day}'][data-place='{place}']").count() == 1
    page.click("a.button")  # Publish…
    page.wait_for_url("**/publish")
    _shot(watched, "publish-checklist-en")
    assert "Rules broken (0)" in page.inner_text("main")
    page.click("text=Publish now")
    page.wait_for_url("**notice=published*")
    assert page.locator(".badge.plan-published").first.is_visible()
    page.goto(f"{web}/?lang=en")
    assert page.locator(".list li").count() > 0
    assert watched.errors == [] and watched.remote_requests() == []


def test_the_office_sees_the_published_outcome_of_its_request(web: str, watched: Watched) -> None:
    """After the planner published: the office's open request is scheduled with its vehicle and date, or
    declined with the reason."""
    page = watched.page
    _sign_in(watched, web, OFFICE, "/counter")
    kept = page.locator("table.list tbody tr").nth(1).inner_text()
    assert ("Scheduled" in kept and re.search(r"(BUS|TRAIN)-\d+ \d{4}-\d{2}-\d{2}", kept)) or (
        "Declined" in kept and len(kept.split("Declined", 1)[1].strip()) > 10
    ), kept
    _shot(watched, "counter-outcome-en")
    assert watched.errors == [] and watched.remote_requests() == []


def _printed(watched: Watched, url: str, name: str) -> tuple[str, int]:
    """``url`` printed by Chromium to ``<artefacts>/<name>.pdf`` with the page's own print CSS: its text, pages."""
    from pypdf import PdfReader

    page = watched.page
    page.goto(url)
    SHOTS.mkdir(parents=True, exist_ok=True)
    target = SHOTS / f"{name}.pdf"
    page.pdf(path=str(target), prefer_css_page_size=True, print_background=True)
    reader = PdfReader(target)
    return "\n".join(p.extract_text() for p in reader.pages), len(reader.pages)


def test_the_board_and_a_crew_sheet_print_readably(web: str, watched: Watched) -> None:
    """Printed to PDF: the desk's board keeps every working day and every vehicle and drops the controls; a
    vehicle's itinerary keeps its stops."""
    _sign_in(watched, web, PLANNER, "/desk")
    board, pages = _printed(watched, f"{web}/desk?plan=1&lang=en", "desk-print-en")
    assert pages <= 3, pages
    for word in ("Monday", "Friday", "BUS-01", "BUS-10", "TRAIN-01", "Citizen-hours saved"):
        assert word in board, word
    for control in ("Lock day", "Re-optimise", "Sign out", "Drag a stop"):
        assert control not in board, control
    sheet, _ = _printed(watched, f"{web}/plans/1/vehicles/BUS-01/itinerary?lang=en", "itinerary-print-en")
    first = watched.page.locator("body").inner_text()
    assert "BUS-01" in sheet and len(sheet) > 200 and first.split()[0] in sheet


@pytest.mark.parametrize("lang", ["az", "ru", "en"])
def test_every_page_passes_axe_in_every_language(web: str, watched: Watched, lang: str) -> None:
    """Sign-in, desk, publish checklist, the job and the comparison (which the planner's journey above made), the
    counter, the users page, the fleet, places and centres pages: no WCAG 2.2 AA violation that axe can find."""
    page = watched.page
    found: dict[str, list[str]] = {}
    page.goto(f"{web}/login?lang={lang}")
    found["login"] = _axe_violations(page)
    _sign_in(watched, web, PLANNER, "/desk")
    pages = ("/desk", "/desk/plans/1/publish", "/desk/jobs/1", "/desk/compare?before=1&after=2", "/desk/fleet",
             "/desk/places", "/desk/centres")  # fmt: skip
    for path in pages:
        page.goto(f"{web}{path}{'&' if '?' in path else '?'}lang={lang}")
        found[path] = _axe_violations(page)
        _shot(watched, f"{path.split('?')[0].strip('/').replace('/', '-')}-{lang}")
    page.context.clear_cookies()
    _sign_in(watched, web, OFFICE, "/counter")
    page.goto(f"{web}/counter?lang={lang}")
    found["/counter"] = _axe_violations(page)
    _shot(watched, f"counter-{lang}")
    page.fill("#where", "Bum")
    page.fill("#citizens", "12")
    page.click("form.grid button[type=submit]")
    page.wait_for_url("**/counter/check")
    found["/counter/check"] = _axe_violations(page)
    _shot(watched, f"counter-check-{lang}")
    page.context.clear_cookies()
    _sign_in(watched, web, ADMIN, "/desk")
    page.goto(f"{web}/admin/users?lang={lang}")
    found["/admin/users"] = _axe_violations(page)
    _shot(watched, f"users-{lang}")
    assert {where: v for where, v in found.items() if v} == {}
    assert watched.errors == [] and watched.remote_requests() == []
