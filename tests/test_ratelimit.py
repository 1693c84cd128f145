"""The send-rate limiter: global budget per sliding second and one message per second per chat, counted until each
send's answer (Telegram counts on arrival, somewhere in between), pauses; no sleeping."""

from __future__ import annotations

import heapq
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.delivery import BACKOFF_CAP, backoff
from bot.ratelimit import RateLimiter


def send(limiter: RateLimiter, chat: int, at: float, answered: float | None = None) -> int:
    """Record a send at `at`, answered at `answered` (default: at once)."""
    ticket = limiter.record(chat, at)
    limiter.answered(ticket, at if answered is None else answered)
    return ticket


def simulate(limiter: RateLimiter, chats: list[int], start: float = 0.0) -> list[float]:
    """A sender that waits exactly as long as told before each message, answered at once; returns the send times."""
    now, times = start, []
    for chat in chats:
        now += limiter.wait_time(chat, now)
        assert limiter.wait_time(chat, now) == 0.0
        send(limiter, chat, now)
        times.append(now)
    return times


def arrivals_with_delays(limiter: RateLimiter, sends: list[tuple[int, float, float]]) -> list[tuple[float, int]]:
    """A sender that waits as told (for an answer when told to wait forever); each request of (chat, delay on the way,
    delay of the answer) reaches Telegram after the first delay and is answered after both. Returns (arrival, chat)."""
    now, arrivals = 0.0, []
    answers: list[tuple[float, int]] = []  # heap of (answer time, ticket)
    for chat, there, back in sends:
        while True:
            while answers and answers[0][0] <= now:
                at, ticket = heapq.heappop(answers)
                limiter.answered(ticket, at)
            wait = limiter.wait_time(chat, now)
            if wait == 0.0:
                break
            now = max(now, answers[0][0]) if math.isinf(wait) else now + wait
        ticket = limiter.record(chat, now)
        heapq.heappush(answers, (now + there + back, ticket))
        arrivals.append((now + there, chat))
    return sorted(arrivals)


def test_global_budget_per_sliding_second() -> None:
    limiter = RateLimiter(3)
    for chat in (1, 2, 3):
        assert limiter.wait_time(chat, 10.0) == 0.0
        send(limiter, chat, 10.0)
    assert limiter.wait_time(4, 10.0) == pytest.approx(1.0)
    assert limiter.wait_time(4, 10.6) == pytest.approx(0.4)
    assert limiter.wait_time(4, 11.0) == 0.0


def test_window_slides() -> None:
    limiter = RateLimiter(3)
    for chat, at in ((1, 0.0), (2, 0.5), (3, 0.9)):
        send(limiter, chat, at)
    assert limiter.wait_time(4, 0.95) == pytest.approx(0.05)
    assert limiter.wait_time(4, 1.0) == 0.0, "the send at 0.0 left the window (now - 1.0, now]"
    send(limiter, 4, 1.0)
    assert limiter.wait_time(5, 1.0) == pytest.approx(0.5)


def test_a_send_counts_until_a_second_after_its_answer() -> None:
    limiter = RateLimiter(2)
    slow = limiter.record(1, 0.0)
    send(limiter, 2, 0.1, answered=0.15)
    limiter.answered(slow, 0.3)  # Telegram may have counted the first send as late as 0.3
    assert limiter.wait_time(3, 1.0) == pytest.approx(0.15), "counting from the sends would allow it at 1.0: a 429"
    assert limiter.wait_time(3, 1.15) == 0.0
    send(limiter, 3, 1.15)
    assert limiter.wait_time(4, 1.15) == pytest.approx(0.15), "the slow send frees its place a second after its answer"


def test_a_send_awaiting_its_answer_holds_its_place() -> None:
    limiter = RateLimiter(2)
    first, second = limiter.record(1, 0.0), limiter.record(2, 0.0)
    assert limiter.in_flight == 2
    assert math.isinf(limiter.wait_time(3, 5.0)), "only an answer can free a place"
    limiter.answered(second, 5.0)
    assert limiter.wait_time(3, 5.5) == pytest.approx(0.5), "a place is free a second after the answer"
    assert math.isinf(limiter.wait_time(1, 9.0)), "nor may a chat receive before its send is answered"
    limiter.answered(first, 9.0)
    limiter.answered(first, 20.0)  # a second answer to the same ticket changes nothing
    assert limiter.in_flight == 0
    assert limiter.wait_time(1, 9.5) == pytest.approx(0.5) and limiter.wait_time(3, 9.5) == 0.0


def test_one_message_per_second_per_chat() -> None:
    limiter = RateLimiter(25)
    send(limiter, 7, 100.0)
    assert limiter.wait_time(7, 100.0) == pytest.approx(1.0)
    assert limiter.wait_time(7, 100.25) == pytest.approx(0.75)
    assert limiter.wait_time(8, 100.0) == 0.0
    assert limiter.wait_time(7, 101.0) == 0.0
    send(limiter, 7, 101.0, answered=101.2)
    assert limiter.wait_time(7, 102.0) == pytest.approx(0.2), "a chat's interval counts from the answer too"


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


def test_fractional_rates_round_down_to_whole_messages_per_second() -> None:
    limiter = RateLimiter(28.5)
    assert limiter.capacity == 28 and limiter.window == 1.0


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


delays = st.floats(min_value=0.0, max_value=0.6, allow_nan=False)


@given(st.lists(st.tuples(st.integers(min_value=1, max_value=40), delays, delays), max_size=150), st.sampled_from([3.0, 30.0]))
def test_requests_delayed_on_the_way_never_arrive_beyond_a_limit(sends: list[tuple[int, float, float]], rate: float) -> None:
    arrivals = arrivals_with_delays(RateLimiter(rate), sends)
    times = [at for at, _ in arrivals]
    for at in times:
        assert len([u for u in times if at - 1.0 + 1e-9 < u <= at]) <= rate, "Telegram's count on arrival stays within the rate"
    last: dict[int, float] = {}
    for at, chat in arrivals:
        if chat in last:
            assert at - last[chat] >= 1.0 - 1e-9
        last[chat] = at


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [5.0, 10.0, 20.0, 40.0]
    assert backoff(30) == BACKOFF_CAP
