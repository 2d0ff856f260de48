"""What the bot remembers: every briefed article, per channel and per workspace/guild.

In memory for now; a database-backed store later implements the same two methods.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Conversation:
    """Where a command came from. `team` is the Slack workspace or Discord guild."""

    platform: str
    team: str
    channel: str
    user: str = ""
    private: bool = False  # a direct message: what is briefed here is not shared workspace-wide

    def __str__(self) -> str:
        return f"{self.platform}:{self.team}/{self.channel}"


class ArticleStore(Protocol):
    def remember(self, where: Conversation, analysis: Any) -> None: ...

    def recall(self, where: Conversation) -> list[Any]:
        """Analyses to answer from: the channel's, else the workspace's; newest first."""
        ...


class MemoryStore:
    """Bounded per scope, so a busy workspace cannot grow memory without end."""

    def __init__(self, max_per_scope: int = 50) -> None:
        self.max_per_scope = max_per_scope
        self._scopes: dict[tuple[str, ...], OrderedDict[str, Any]] = {}

    def _add(self, key: tuple[str, ...], article_id: str, analysis: Any) -> None:
        scope = self._scopes.setdefault(key, OrderedDict())
        scope.pop(article_id, None)  # the same article briefed again moves to the front
        scope[article_id] = analysis
        while len(scope) > self.max_per_scope:
            scope.popitem(last=False)

    def remember(self, where: Conversation, analysis: Any) -> None:
        article_id = analysis.article.id
        self._add((where.platform, where.team, where.channel), article_id, analysis)
        if not where.private:
            self._add((where.platform, where.team), article_id, analysis)

    def recall(self, where: Conversation) -> list[Any]:
        for key in ((where.platform, where.team, where.channel), (where.platform, where.team)):
            if self._scopes.get(key):
                return list(reversed(self._scopes[key].values()))
        return []
