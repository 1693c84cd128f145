"""Send-rate limits of the Bot API: a global messages-per-second budget, one message per second per chat, pauses.

Telegram counts a message when its request arrives; the sender only knows that this happened after it sent the
request and before the answer came back. So a send holds its place in the limiter's windows from when it is sent
until one window after its answer: however requests bunch up on the way, no more than the limit can arrive within one
of Telegram's seconds (counting from the send instead lets a delayed request and a prompt one a second later meet
in the same second: a 429). While the answer is outstanding the send blocks its place (`wait_time` is infinite when
only an answer can free one).

Pure and clock-free: every method takes the current monotonic time, so callers inject the clock and tests never sleep.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, deque

CHAT_INTERVAL = 1.0  # Telegram: avoid more than one message per second to the same chat
WINDOW = 1.0
_SWEEP_MIN = 1024


class RateLimiter:
    """At most `rate` sends per sliding second and one per `chat_interval` per chat, as Telegram counts them; pauses.

    A sender asks `wait_time`, calls `record` when it sends (a ticket) and `answered` with that ticket when the answer
    or an error came back; `pause` holds every send (flood control is per bot).
    """

    def __init__(self, rate: float, chat_interval: float = CHAT_INTERVAL) -> None:
        if rate <= 0 or chat_interval < 0:
            raise ValueError("the send rate must be positive and the chat interval not negative")
        self.window = max(WINDOW, 1.0 / rate)  # below one message per second: one message per 1/rate seconds
        self.capacity = max(1, math.floor(rate * self.window + 1e-9))
        self.chat_interval = chat_interval
        self.paused_until = -math.inf
        self._answered: deque[float] = deque()  # answer times of sends still in the window, oldest first
        self._open: dict[int, int] = {}  # ticket -> chat of sends awaiting their answer
        self._open_chats: Counter[int] = Counter()
        self._last: dict[int, float] = {}  # chat -> answer time of its latest send
        self._tickets = itertools.count()
        self._sweep_at = _SWEEP_MIN

    def wait_time(self, chat_id: int, now: float) -> float:
        """Seconds to wait before a message to `chat_id` may go out: 0.0 now, math.inf until an answer comes back."""
        self._forget(now)
        ready = max(self.paused_until, self._window_ready(), self._chat_ready(chat_id))
        return max(0.0, ready - now)

    def record(self, chat_id: int, now: float) -> int:
        """Count a message sent to `chat_id` (at `now`); returns the ticket to pass to `answered`."""
        ticket = next(self._tickets)
        self._open[ticket] = chat_id
        self._open_chats[chat_id] += 1
        return ticket

    def answered(self, ticket: int, now: float) -> None:
        """The answer to the send of `ticket` came back at `now`, so Telegram has counted it (unknown tickets: ignored)."""
        chat_id = self._open.pop(ticket, None)
        if chat_id is None:
            return
        self._open_chats[chat_id] -= 1
        if not self._open_chats[chat_id]:
            del self._open_chats[chat_id]
        at = max(now, self._answered[-1]) if self._answered else now
        self._answered.append(at)
        self._last[chat_id] = at

    def pause(self, until: float) -> None:
        """Send nothing before `until` (flood control is per bot, so the pause is global)."""
        self.paused_until = max(self.paused_until, until)

    def pause_left(self, now: float) -> float:
        """Seconds left of the global pause (0.0 when not paused)."""
        return max(0.0, self.paused_until - now)

    @property
    def in_flight(self) -> int:
        """Sends recorded whose answer has not come back yet."""
        return len(self._open)

    @property
    def tracked_chats(self) -> int:
        """How many chats are remembered for the per-chat interval (bounded: old ones are swept)."""
        return len(self._last)

    def _window_ready(self) -> float:
        """When the window has room for one more send (math.inf when only answers can make room)."""
        excess = len(self._answered) + len(self._open) - self.capacity + 1
        if excess <= 0:
            return -math.inf
        if excess > len(self._answered):
            return math.inf
        return self._answered[excess - 1] + self.window

    def _chat_ready(self, chat_id: int) -> float:
        """When `chat_id` may receive again (math.inf while a send to it awaits its answer)."""
        if chat_id in self._open_chats:
            return math.inf
        last = self._last.get(chat_id)
        return -math.inf if last is None else last + self.chat_interval

    def _forget(self, now: float) -> None:
        """Drop sends that no longer count: answered a window ago, or a chat interval ago."""
        while self._answered and self._answered[0] <= now - self.window:
            self._answered.popleft()
        if len(self._last) > self._sweep_at:
            self._last = {chat: at for chat, at in self._last.items() if at > now - self.chat_interval}
            self._sweep_at = max(_SWEEP_MIN, 2 * len(self._last))
