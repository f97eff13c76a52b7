"""The public credit records page: published records for everyone, every record for staff."""

from __future__ import annotations

from tests.web.pages.action_world import ActionWorld
from tests.web.pages.conftest import PageClient


def test_the_public_sees_published_records_without_signing_in(actor_client: PageClient,
                                                              action_world: ActionWorld) -> None:
    html = actor_client.ok("/portal/credit")
    assert f'data-record="{action_world.credit_published}"' in html
    assert f'data-record="{action_world.credit_hidden}"' not in html  # not published
    assert "串通投标" in html and "提供虚假材料" not in html and "限制投标" in html
    assert "招标投标法实施条例第六十七条" in html and 'data-status="in_force"' in html
    assert "Credit records" in actor_client.ok("/portal/credit?lang=en")


def test_staff_see_unpublished_records_marked(actor_client: PageClient, action_world: ActionWorld) -> None:
    staff = actor_client.signed_in("staff")
    html = staff.ok("/portal/credit")
    assert f'data-record="{action_world.credit_hidden}"' in html and "data-unpublished" in html


def test_the_filters_work_and_bad_ones_are_named(actor_client: PageClient, action_world: ActionWorld) -> None:
    assert 'data-record="' in actor_client.ok("/portal/credit?sanction=bid_ban&in_force=1")
    assert 'data-record="' not in actor_client.ok("/portal/credit?sanction=warning")
    assert 'data-record="' not in actor_client.ok("/portal/credit?text=不存在的单位")
    answer = actor_client.get("/portal/credit?sanction=beheading")
    assert answer.status_code == 422 and 'data-error-for="sanction"' in answer.text
    assert f'data-record="{action_world.credit_published}"' in answer.text  # not applied


def test_the_portal_links_the_credit_records_and_the_certificate_check(actor_client: PageClient) -> None:
    html = actor_client.ok("/public")
    assert 'href="/portal/credit" data-credit-link' in html and 'href="/certificates/check" data-cert-link' in html
