"""Names of the witnessed event types that trigger real-time indicators.

The services layer calls `jianzheng.supervision.runner.run_realtime` with one of these
after it records the event; an indicator lists the ones it reacts to.
"""

from __future__ import annotations

LOT_PUBLISHED = "lot.published"  # tender documents issued, bid deadline set (招标公告)
BID_SUBMITTED = "bid.submitted"  # a bid was received (投标)
LOT_OPENED = "lot.opened"  # bids decrypted and opened (开标)
LOT_EVALUATED = "lot.evaluated"  # evaluation report with ranks and disqualifications (评标)
LOT_AWARDED = "lot.awarded"  # award decided (定标)

ALL = (LOT_PUBLISHED, BID_SUBMITTED, LOT_OPENED, LOT_EVALUATED, LOT_AWARDED)
