"""Each role's own navigation and its start page.

Supervisors and staff watch everything (cockpit, lots, operation log); tenderers and agencies
see their own lots and those lots' logs; a bidder its bids; an expert the lots it evaluates;
the public the portal. The list is data so the pages and the tests read the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass

from jianzheng.domain.roles import Role


@dataclass(frozen=True)
class NavItem:
    key: str  # catalogue key of the label
    path: str


COCKPIT = NavItem("nav.cockpit", "/cockpit")
LOTS = NavItem("nav.lots", "/lots")
LOG = NavItem("nav.log", "/log")
ALERTS = NavItem("nav.alerts", "/alerts")
PUBLIC = NavItem("nav.public", "/public")
MY_BIDS = NavItem("nav.my_bids", "/my/bids")
MY_LOTS = NavItem("nav.my_lots", "/my/lots")

NAVIGATION: dict[Role, tuple[NavItem, ...]] = {
    Role.STAFF: (COCKPIT, ALERTS, LOTS, LOG, PUBLIC),
    Role.SUPERVISOR: (COCKPIT, ALERTS, LOTS, LOG, PUBLIC),
    Role.TENDERER: (LOTS, LOG, PUBLIC),
    Role.AGENCY: (LOTS, LOG, PUBLIC),
    Role.BIDDER: (MY_BIDS, PUBLIC),
    Role.EXPERT: (MY_LOTS, PUBLIC),
    Role.PUBLIC: (PUBLIC,),
    Role.SYSTEM: (PUBLIC,),
}


def navigation(role: Role) -> tuple[NavItem, ...]:
    return NAVIGATION.get(role, (PUBLIC,))


def home(role: Role) -> str:
    """Where a role lands after signing in: the first item of its navigation."""
    return navigation(role)[0].path
