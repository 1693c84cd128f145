"""The send-rate limiter: global budget per sliding second, one message per second per chat, pauses; no sleeping."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.delivery import BACKOFF_CAP, backoff
from bot.ratelimit import RateLimiter


def simulate(limiter: RateLimiter, chats: list[int], start: float = 0.0) -> list[float]:
    """A sender that waits exactly as long as told before each message; returns the send times."""
    now, times = start, []
    for chat in chats:
        now += limiter.wait_time(chat, now)
        assert limiter.wait_time(chat, now) == 0.0
        limiter.record(chat, now)
        times.append(now)
    return times


def test_global_budget_per_sliding_second() -> None:
    limiter = RateLimiter(3)
    for chat in (1, 2, 3):
        assert limiter.wait_time(chat, 10.0) == 0.0
        limiter.record(chat, 10.0)
    assert limiter.wait_time(4, 10.0) == pytest.approx(1.0)
    assert limiter.wait_time(4, 10.6) == pytest.approx(0.4)
    assert limiter.wait_time(4, 11.0) == 0.0


def test_window_slides() -> None:
    limiter = RateLimiter(3)
    for chat, at in ((1, 0.0), (2, 0.5), (3, 0.9)):
        limiter.record(chat, at)
    assert limiter.wait_time(4, 0.95) == pytest.approx(0.05)
    assert limiter.wait_time(4, 1.0) == 0.0, "the send at 0.0 left the window (now - 1.0, now]"
    limiter.record(4, 1.0)
    assert limiter.wait_time(5, 1.0) == pytest.approx(0.5)


def test_one_message_per_second_per_chat() -> None:
    limiter = RateLimiter(25)
    limiter.record(7, 100.0)
    assert limiter.wait_time(7, 100.0) == pytest.approx(1.0)
    assert limiter.wait_time(7, 100.25) == pytest.approx(0.75)
    assert limiter.wait_time(8, 100.0) == 0.0
    assert limiter.wait_time(7, 101.0) == 0.0


def test_pause_holds_every_chat() -> None:
    limiter = RateLimiter(25)
    limiter.pause(5.0)
    assert limiter.pause_left(2.0) == pytest.approx(3.0)
    assert limiter.wait_time(1, 2.0) == pytest.approx(3.0)
    limiter.pause(4.0)
    assert limiter.pause_left(2.0) == pytest.approx(3.0), "a shorter pause does not cut a longer one"
    assert limiter.pause_left(5.0) == 0.0 and limiter.wait_time(1, 5.0) == 0.0


def test_rates_below_one_per_second() -> None:
    limiter = RateLimiter(0.5)
    assert simulate(limiter, [1, 2, 3]) == [0.0, 2.0, 4.0]


def test_invalid_rates_are_refused() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)
    with pytest.raises(ValueError):
        RateLimiter(5, chat_interval=-1)


def test_per_chat_memory_stays_bounded() -> None:
    limiter = RateLimiter(100)
    simulate(limiter, list(range(5000)))
    assert limiter.tracked_chats <= 1025, "chats not written to for over a second are swept"


@given(st.lists(st.integers(min_value=1, max_value=6), max_size=80), st.sampled_from([1.0, 2.0, 5.0, 25.0]))
def test_a_sender_that_waits_as_told_never_exceeds_a_limit(chats: list[int], rate: float) -> None:
    limiter = RateLimiter(rate)
    times = simulate(limiter, chats)
    for i, t in enumerate(times):
        in_window = [u for u in times[: i + 1] if u > t - 1.0]
        assert len(in_window) <= rate
    last: dict[int, float] = {}
    for chat, t in zip(chats, times):
        if chat in last:
            assert t - last[chat] >= 1.0 - 1e-9
        last[chat] = t


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]
    assert backoff(30) == BACKOFF_CAP
