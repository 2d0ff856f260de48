"""Errors a user can be shown as they are: each message is polite, short and says what to do."""

from __future__ import annotations


class NewsbriefError(Exception):
    """Base class; `str(err)` is a message fit for the user."""


class InputError(NewsbriefError):
    """The input cannot be briefed (empty, binary, not an article, too large, ...)."""


class FetchError(NewsbriefError):
    """A URL could not be fetched (unreachable, refused, not allowed, wrong content type, ...)."""


class TransientFetchError(FetchError):
    """A fetch that may work later: the site too slow, the connection broken, a server error."""
