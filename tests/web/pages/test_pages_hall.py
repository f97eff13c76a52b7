"""The opening hall page: public watching, the live feed it follows, and the hall's buttons."""

from __future__ import annotations

import re

from tests.web.pages.action_world import ActionWorld
from tests.web.pages.conftest import PageClient
from tests.web.pages.scenario import PageWorld


def hall_of(client: PageClient, lot_id: str) -> str:
    return client.ok(f"/lots/{lot_id}/hall")


def post(client: PageClient, lot_id: str, action: str, csrf: str | None = None) -> tuple[int, str]:
    page = hall_of(client, lot_id)
    answer = client.client.post(f"/lots/{lot_id}/hall/{action}",
                                data={"csrf_token": csrf if csrf is not None else client.csrf(page)})
    return answer.status_code, answer.headers.get("location", "") or answer.text


def test_the_public_watches_an_announced_lots_hall_without_signing_in(visitor: PageClient,
                                                                      page_world: PageWorld) -> None:
    html = hall_of(visitor, page_world.lots["bidding"])
    assert "开标大厅" in html and 'data-hall-stream="/api/v1/lots/' in html
    assert 'data-countdown="deadline"' in html and "/static/js/hall.js" in html
    assert 'data-bidder="' in html and "未签到" in html
    assert 'data-hall-action' not in html  # the public only watches
    assert "<script>" not in html  # the CSP allows no inline script; the state is a JSON block
    assert visitor.get(f"/lots/{page_world.lots['draft']}/hall").status_code == 403  # not announced
    assert visitor.get("/lots/NO-SUCH-LOT/hall").status_code == 404
    assert 'data-hall-link' in visitor.ok(f"/public/lots/{page_world.lots['bidding']}")


def test_an_opened_lots_hall_shows_the_results(visitor: PageClient, page_world: PageWorld) -> None:
    html = hall_of(visitor, page_world.lots["completed"])
    assert "¥9,500,000.00" in html and 'data-result="' in html
    english = visitor.ok(f"/lots/{page_world.lots['completed']}/hall?lang=en")
    assert "Opening results" in english


def test_the_one_screen_view_links_to_the_hall(visitor: PageClient, page_world: PageWorld) -> None:
    visitor.signed_in("staff")
    lot = page_world.lots["bidding"]
    assert f'href="/lots/{lot}/hall" data-hall-link' in visitor.ok(f"/lots/{lot}")
    assert "data-hall-link" not in visitor.ok(f"/lots/{page_world.lots['draft']}")


def test_staff_start_the_hall_bidders_sign_in_and_staff_open(actor_client: PageClient,
                                                             action_world: ActionWorld) -> None:
    world, lot = action_world.world, action_world.hall_lot
    # Refused actions are shown next to their button and write nothing.
    bidder = PageClient(actor_client.client.app)  # type: ignore[arg-type]
    bidder.signed_in("bidder1")
    before = world.services.sealed.hall(lot)["last_seq"]
    status, body = post(bidder, lot, "sign-in")
    assert status == 409 and 'data-error-for="sign_in"' in body and "开标大厅尚未开启" in body
    status, body = post(bidder, lot, "start")
    assert status == 403 and 'data-error-for="start"' in body
    assert world.services.sealed.hall(lot)["last_seq"] == before

    staff = actor_client.signed_in("staff")
    page = hall_of(staff, lot)
    assert 'data-hall-action="start"' in page and 'data-hall-action="open"' in page
    status, body = post(staff, lot, "start", csrf="forged")
    assert status == 403 and "页面已过期" in body
    assert world.services.sealed.hall(lot)["hall_started_at"] is None
    status, location = post(staff, lot, "start")
    assert status == 303 and location == f"/lots/{lot}/hall?done=start"
    state = world.services.sealed.hall(lot)
    assert state["hall_started_at"] and state["release_until"]
    page = hall_of(staff, lot)
    assert 'data-hall-action="start"' not in page and 'data-target="' + state["release_until"] + '"' in page

    status, location = post(bidder, lot, "sign-in")
    assert status == 303, location
    page = hall_of(bidder, lot)
    assert "data-own-signed-in" in page and 'data-signed-in="true"' in page
    assert re.search(r"已签到 1 / 3", page)
    status, body = post(bidder, lot, "sign-in")  # twice: the page says so
    assert "开标大厅" in body
    bidder.client.close()

    status, location = post(staff, lot, "open")
    assert status == 303, location
    page = hall_of(staff, lot)
    assert "¥9,500,000.00" in page and 'data-hall-action' not in page and "data-hall-closed" in page
    assert 'data-countdown="release" data-target=""' in page  # the window no longer counts down
    assert world.services.sealed.hall(lot)["results"]


def test_starting_before_the_deadline_is_refused_next_to_the_button(actor_client: PageClient,
                                                                    action_world: ActionWorld) -> None:
    staff = actor_client.signed_in("agency")
    status, body = post(staff, action_world.early_lot, "start")
    assert status == 409 and 'data-error-for="start"' in body and "投标截止前不能开启开标大厅" in body
    assert action_world.world.services.sealed.hall(action_world.early_lot)["hall_started_at"] is None


def test_signing_out_visitors_cannot_act(visitor: PageClient, page_world: PageWorld) -> None:
    answer = visitor.client.post(f"/lots/{page_world.lots['bidding']}/hall/start", data={"csrf_token": "x"})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
