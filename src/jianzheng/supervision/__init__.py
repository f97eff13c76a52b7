"""Smart supervision (智慧监管): indicators over analytic frames, alerts with evidence.

Public API::

    from jianzheng.supervision import run_batch, run_realtime, Frames, Alert
"""

from jianzheng.supervision.alert import Alert, AlertParty, Evidence
from jianzheng.supervision.frames import Frames, FrameSchemaError, validate_frames
from jianzheng.supervision.registry import IndicatorSpec, all_indicators, indicator
from jianzheng.supervision.runner import run_batch, run_realtime
from jianzheng.supervision.settings import GlobalSettings, IndicatorSettings, SettingsError

__all__ = [
    "Alert",
    "AlertParty",
    "Evidence",
    "FrameSchemaError",
    "Frames",
    "GlobalSettings",
    "IndicatorSettings",
    "IndicatorSpec",
    "SettingsError",
    "all_indicators",
    "indicator",
    "run_batch",
    "run_realtime",
    "validate_frames",
]
