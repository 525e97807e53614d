"""The run config as TensorBoard hparams, in the run itself (not an ``add_hparams`` sub-run).

As TensorBoard's own ``hp.hparams()``, a run writes its ``session_start_info`` (and, at the end,
its ``session_end_info``) but no ``experiment`` summary: TensorBoard then builds the
experiment from every run in the log directory, so runs with different config keys all show
their hparams, and every scalar tag is offered as a metric.
"""

from __future__ import annotations

import json
from typing import Any

from tensorboardX.proto.api_pb2 import Status
from tensorboardX.proto.plugin_hparams_pb2 import HParamsPluginData, SessionEndInfo
from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
from tensorboardX.summary import hparams

_END_TAG = "_hparams_/session_end_info"
_STATUS = {
    "finished": "STATUS_SUCCESS",
    "failed": "STATUS_FAILURE",
    "preempted": "STATUS_UNKNOWN",  # TensorBoard has no "interrupted" status
}


def hparam_values(config: dict[str, Any]) -> dict[str, str | bool | float]:
    """Config leaves as hparams: nested keys joined by ``.``; numbers, bools and strings as
    they are (ints become floats in TensorBoard); ``None`` left out; anything else as JSON."""
    out: dict[str, str | bool | float] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict) and value:
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif value is None:
            return
        elif isinstance(value, (str, bool, int, float)):
            out[prefix] = value
        else:
            out[prefix] = json.dumps(value, sort_keys=True, default=str)

    walk("", config)
    return out


def session_start(config: dict[str, Any], start_time: float, group: str | None) -> Summary:
    """The ``_hparams_/session_start_info`` summary of a run."""
    _, start, _ = hparams(hparam_values(config), {})
    value = start.value[0]
    data = HParamsPluginData.FromString(value.metadata.plugin_data.content)
    data.session_start_info.start_time_secs = start_time
    if group:
        data.session_start_info.group_name = group
    value.metadata.plugin_data.content = data.SerializeToString()
    return start


def session_end(status: str, end_time: float) -> Summary:
    """The ``_hparams_/session_end_info`` summary: how the run ended and when."""
    info = SessionEndInfo(status=Status.Value(_STATUS.get(status, "STATUS_UNKNOWN")),
                          end_time_secs=end_time)
    content = HParamsPluginData(session_end_info=info, version=0).SerializeToString()
    meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="hparams",
                                                                  content=content))
    return Summary(value=[Summary.Value(tag=_END_TAG, metadata=meta)])

