"""Local stand-ins for Slack and Discord, and the saved platform payloads the tests send them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

PAYLOADS = Path(__file__).resolve().parent.parent / "payloads"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
WAIT = 120.0  # seconds for any one wait: generous for slow machines, and a hang still fails


def payload(name: str) -> dict[str, Any]:
    """A saved payload from tests/chat/payloads, without its _comment, safe to modify."""
    data = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    data.pop("_comment", None)
    return copy.deepcopy(data)
