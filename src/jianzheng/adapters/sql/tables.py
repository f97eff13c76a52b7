"""The event table and the read tables (projections of the events).

Read tables hold instants as UTC ISO strings with milliseconds (the form events carry), so
a table replayed from the ledger compares equal to the live one on SQLite and PostgreSQL
alike. Credentials and API tokens are secrets, not witnessed facts: they live in their own
tables, outside the replay.
"""

from __future__ import annotations

import sqlalchemy as sa

from jianzheng.adapters.sql.metadata import metadata

Text = sa.Text
Str = sa.String
BigInt = sa.BigInteger
Int = sa.Integer
Bool = sa.Boolean
JSON = sa.JSON

events = sa.Table(
    "events", metadata,
    sa.Column("seq", BigInt, primary_key=True, autoincrement=False),
    sa.Column("time", Str(32), nullable=False, index=True),
    sa.Column("actor", Str(64), nullable=False, index=True),
    sa.Column("role", Str(32), nullable=False, index=True),
    sa.Column("source_ip", Str(64), nullable=False),
    sa.Column("command_id", Str(64), nullable=False, index=True),
    sa.Column("type", Str(64), nullable=False, index=True),
    sa.Column("stream", Str(128), nullable=False, index=True),
    sa.Column("origin", Str(128), nullable=False),
    sa.Column("lot_id", Str(64), nullable=True, index=True),
    sa.Column("entry", Text, nullable=False),  # the canonical JSON (RFC 8785) that is the leaf
)

parties = sa.Table(
    "parties", metadata,
    sa.Column("party_id", Str(64), primary_key=True),
    sa.Column("name", Text, nullable=False),
    sa.Column("credit_code", Str(18), nullable=False, unique=True),
    sa.Column("kind", Str(32), nullable=False),
    sa.Column("legal_representative_id", Str(64)),
    sa.Column("address", Text),
    sa.Column("phones", JSON),
    sa.Column("email", Text),
    sa.Column("basic_account", Text),
    sa.Column("basic_bank", Text),
    sa.Column("shareholders", JSON),
    sa.Column("qualifications", JSON),
    sa.Column("registered_at", Str(32)),
)

persons = sa.Table(
    "persons", metadata,
    sa.Column("person_id", Str(64), primary_key=True),
    sa.Column("name", Text, nullable=False),
    sa.Column("id_number", Str(18), nullable=False, unique=True),
    sa.Column("roles", JSON),
    sa.Column("employer_id", Str(64), index=True),
    sa.Column("phone", Text),
    sa.Column("email", Text),
    sa.Column("certificates", JSON),
)

users = sa.Table(
    "users", metadata,
    sa.Column("user_id", Str(64), primary_key=True),
    sa.Column("username", Str(64), nullable=False, unique=True),
    sa.Column("role", Str(32), nullable=False),
    sa.Column("display_name", Text),
    sa.Column("party_id", Str(64)),
    sa.Column("person_id", Str(64)),
    sa.Column("disabled", Bool, nullable=False, default=False),
    sa.Column("created_at", Str(32)),
)

credentials = sa.Table(
    "credentials", metadata,
    sa.Column("user_id", Str(64), primary_key=True),
    sa.Column("password_hash", Text, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens", metadata,
    sa.Column("token_id", Str(64), primary_key=True),
    sa.Column("token_hash", Str(64), nullable=False, unique=True),
    sa.Column("user_id", Str(64), nullable=False, index=True),
    sa.Column("created_at", Str(32), nullable=False),
    sa.Column("expires_at", Str(32), nullable=False),
    sa.Column("revoked", Bool, nullable=False, default=False),
)

projects = sa.Table(
    "projects", metadata,
    sa.Column("project_id", Str(64), primary_key=True),
    sa.Column("name", Text, nullable=False),
    sa.Column("tenderer_id", Str(64), index=True),
    sa.Column("agency_id", Str(64), index=True),
    sa.Column("funding_source", Text),
    sa.Column("state_funded", Bool),
    sa.Column("region", Text),
    sa.Column("registered_at", Str(32)),
)

lots = sa.Table(
    "lots", metadata,
    sa.Column("lot_id", Str(64), primary_key=True),
    sa.Column("project_id", Str(64), nullable=False, index=True),
    sa.Column("name", Text, nullable=False),
    sa.Column("category", Str(16)),
    sa.Column("procedure", Str(64)),
    sa.Column("estimated_price_fen", BigInt),
    sa.Column("state_funded", Bool),
    sa.Column("tenderer_id", Str(64), index=True),
    sa.Column("agency_id", Str(64), index=True),
    sa.Column("stage", Str(32), nullable=False, index=True),
    sa.Column("resume_to", Str(32)),
    sa.Column("round", Int, nullable=False),
    sa.Column("method", Str(32)),
    sa.Column("factors", JSON),
    sa.Column("deposit_fen", BigInt),
    sa.Column("documents_version", Int),
    sa.Column("registered_at", Str(32)),
    sa.Column("announced_at", Str(32)),
    sa.Column("sale_start", Str(32)),
    sa.Column("sale_end", Str(32)),
    sa.Column("bid_deadline", Str(32), index=True),
    sa.Column("opened_at", Str(32)),
    sa.Column("reported_at", Str(32)),
    sa.Column("publicity_end", Str(32)),
    sa.Column("awarded_at", Str(32)),
    sa.Column("awarded_bidder_id", Str(64)),
    sa.Column("contract_signed_at", Str(32)),
    sa.Column("contract_price_fen", BigInt),
    sa.Column("completed_at", Str(32)),
    sa.Column("failed_at", Str(32)),
    sa.Column("cancelled_at", Str(32)),
    sa.Column("last_seq", BigInt),
)

lot_documents = sa.Table(
    "lot_documents", metadata,
    sa.Column("seq", BigInt, primary_key=True, autoincrement=False),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("kind", Str(32), nullable=False),  # tender, clarification, report, notice, contract
    sa.Column("version", Int),
    sa.Column("name", Text),
    sa.Column("sha256", Str(64), nullable=False),
    sa.Column("sm3", Str(64), nullable=False),
    sa.Column("size", BigInt),
    sa.Column("media_type", Text),
)

notices = sa.Table(  # public texts: announcements, clarifications, candidates, awards (公告公示)
    "notices", metadata,
    sa.Column("seq", BigInt, primary_key=True, autoincrement=False),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("kind", Str(32), nullable=False, index=True),
    sa.Column("published_at", Str(32), nullable=False, index=True),
    sa.Column("title", Text),
    sa.Column("body", JSON),
)

objections = sa.Table(
    "objections", metadata,
    sa.Column("objection_id", Str(64), primary_key=True),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("party_id", Str(64), nullable=False),
    sa.Column("subject", Str(16)),
    sa.Column("text", Text),
    sa.Column("raised_at", Str(32)),
    sa.Column("answer", Text),
    sa.Column("answered_at", Str(32)),
)

complaints = sa.Table(
    "complaints", metadata,
    sa.Column("complaint_id", Str(64), primary_key=True),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("party_id", Str(64), nullable=False),
    sa.Column("text", Text),
    sa.Column("known_at", Str(32)),
    sa.Column("filed_at", Str(32)),
    sa.Column("status", Str(16)),
    sa.Column("accepted_at", Str(32)),
    sa.Column("decided_at", Str(32)),
    sa.Column("upheld", Bool),
    sa.Column("decision", Text),
)

registrations = sa.Table(
    "registrations", metadata,
    sa.Column("lot_id", Str(64), primary_key=True),
    sa.Column("bidder_id", Str(64), primary_key=True),
    sa.Column("round", Int, primary_key=True),
    sa.Column("registered_at", Str(32)),
)

deposits = sa.Table(
    "deposits", metadata,
    sa.Column("deposit_id", Str(64), primary_key=True),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("bidder_id", Str(64), nullable=False, index=True),
    sa.Column("amount_fen", BigInt, nullable=False),
    sa.Column("paying_account", Text, index=True),
    sa.Column("paying_bank", Text),
    sa.Column("from_basic_account", Bool),
    sa.Column("paid_at", Str(32)),
    sa.Column("refunded_at", Str(32)),
    sa.Column("interest_fen", BigInt),
)

bids = sa.Table(
    "bids", metadata,
    sa.Column("bid_id", Str(64), primary_key=True),
    sa.Column("lot_id", Str(64), nullable=False, index=True),
    sa.Column("bidder_id", Str(64), nullable=False, index=True),
    sa.Column("round", Int, nullable=False),
    sa.Column("version", Int, nullable=False),
    sa.Column("status", Str(32), nullable=False),
    sa.Column("submitted_at", Str(32), nullable=False),
    sa.Column("source_ip", Str(64)),
    sa.Column("content_sha256", Str(64), nullable=False),
    sa.Column("content_sm3", Str(64), nullable=False),
    sa.Column("documents", JSON),
    sa.Column("sealed", Bool, nullable=False),
    sa.Column("envelope", JSON),
    sa.Column("fingerprint", JSON),
    sa.Column("price_fen", BigInt),
    sa.Column("project_manager_id", Str(64)),
    sa.Column("duration_days", Int),
    sa.Column("quality", Text),
    sa.Column("rejected_reason", Text),
    sa.Column("rank", Int),
    sa.Column("score", BigInt),
    sa.Column("submitted_seq", BigInt),
)

committee_members = sa.Table(
    "committee_members", metadata,
    sa.Column("lot_id", Str(64), primary_key=True),
    sa.Column("person_id", Str(64), primary_key=True),
    sa.Column("round", Int, primary_key=True),
    sa.Column("kind", Str(32), nullable=False),
    sa.Column("chair", Bool, nullable=False),
)

scores = sa.Table(
    "scores", metadata,
    sa.Column("lot_id", Str(64), primary_key=True),
    sa.Column("person_id", Str(64), primary_key=True),
    sa.Column("bid_id", Str(64), primary_key=True),
    sa.Column("points", JSON, nullable=False),
    sa.Column("total", BigInt, nullable=False),
    sa.Column("comment", Text),
    sa.Column("submitted_at", Str(32)),
    sa.Column("seq", BigInt),
)

rule_warnings = sa.Table(
    "rule_warnings", metadata,
    sa.Column("seq", BigInt, primary_key=True, autoincrement=False),
    sa.Column("lot_id", Str(64), index=True),
    sa.Column("rule", Str(64), nullable=False, index=True),
    sa.Column("article", Text),
    sa.Column("text_zh", Text),
    sa.Column("text_en", Text),
    sa.Column("facts", JSON),
    sa.Column("at", Str(32)),
)

# Tables that `verify` rebuilds from the ledger and compares with the live ones.
REPLAYED_TABLES = (
    parties, persons, users, projects, lots, lot_documents, notices, objections, complaints,
    registrations, deposits, bids, committee_members, scores, rule_warnings,
)
