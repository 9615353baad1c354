"""Signals that a lower package sends and a higher one listens to.

A package must not import a package that stands on it (tests/unit/test_layers.py). When
something in a lower package has a consequence that a higher one owns, the lower one sends a
signal here and the higher one connects a receiver when it is imported. Receivers run at once,
in the sender's transaction, and only flush; the sender's use case commits.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

listings_withdrawn = _signals.signal("listings-withdrawn")
"""These people may no longer be listed in the directory (they left the roster, or their
certification lapsed). Sent with ``user_ids`` (a list of ids of the bound department); the
directory's receiver removes their listings and returns how many it removed."""

members_departed = _signals.signal("members-departed")
"""These people of the bound department left its roster. Sent with ``user_ids``; the seats
module cancels their open seats, waitlist places and requests, and gives freed places to the
waitlist (flush only)."""

class_saved = _signals.signal("training-class-saved")
"""A training class was created or changed. Sent with the class as sender and ``on`` (today)
and ``created``; the seats module offers make-up seats for a new class and promotes the
waitlist of a changed one."""


def members_left(sender: str, user_ids: list[int]) -> None:
    """Send `listings_withdrawn` and `members_departed` for people who left the roster."""
    if user_ids:
        withdraw_listings(sender, user_ids)
        members_departed.send(sender, user_ids=user_ids)


def withdraw_listings(sender: str, user_ids: list[int]) -> int:
    """Send `listings_withdrawn`; how many listings the receivers removed."""
    if not user_ids:
        return 0
    return sum(result or 0 for _, result in listings_withdrawn.send(sender, user_ids=user_ids))
