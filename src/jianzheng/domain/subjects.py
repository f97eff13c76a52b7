"""Who a watch-list entry or a credit record is about: a registered party or person.

The service looks the subject up in the registry and hands these facts to the decision,
which stays pure: it checks that the subject exists and is of the kind the command names.
"""

from __future__ import annotations

from dataclasses import dataclass

PARTY = "party"
PERSON = "person"


@dataclass(frozen=True)
class SubjectFacts:
    """A party (单位) or person (人员) as the registry knows it."""

    kind: str  # PARTY or PERSON
    subject_id: str
    name: str
    party_kind: str | None = None  # bidder, tenderer, agency, ... for parties
    person_roles: tuple[str, ...] = ()  # expert, project_manager, ... for persons
    credit_code: str | None = None  # a party's unified social credit code, published with its record
