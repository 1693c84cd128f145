"""Send-rate limits of the Bot API: a global messages-per-second budget, one message per second per chat, pauses.

Pure and clock-free: every method takes the current monotonic time, so callers inject the clock and tests never sleep.
"""

from __future__ import annotations

import math
from collections import deque

CHAT_INTERVAL = 1.0  # Telegram: avoid more than one message per second to the same chat
WINDOW = 1.0
_SWEEP_MIN = 1024


class RateLimiter:
    """At most `rate` sends in any sliding window of one second, one send per `chat_interval` per chat, global pauses."""

    def __init__(self, rate: float, chat_interval: float = CHAT_INTERVAL) -> None:
        if rate <= 0 or chat_interval < 0:
            raise ValueError("the send rate must be positive and the chat interval not negative")
        self.window = max(WINDOW, 1.0 / rate)  # below one message per second: one message per 1/rate seconds
        self.capacity = max(1, math.floor(rate * self.window + 1e-9))
        self.chat_interval = chat_interval
        self.paused_until = -math.inf
        self._recent: deque[float] = deque()
        self._last: dict[int, float] = {}
        self._sweep_at = _SWEEP_MIN

    def wait_time(self, chat_id: int, now: float) -> float:
        """Seconds to wait before a message to `chat_id` may go out (0.0 when it may go now)."""
        self._forget(now)
        ready = self.paused_until
        if len(self._recent) >= self.capacity:
            ready = max(ready, self._recent[-self.capacity] + self.window)
        last = self._last.get(chat_id)
        if last is not None:
            ready = max(ready, last + self.chat_interval)
        return max(0.0, ready - now)

    def record(self, chat_id: int, now: float) -> None:
        """Count a message sent to `chat_id` at `now`."""
        self._recent.append(now)
        self._last[chat_id] = now

    def pause(self, until: float) -> None:
        """Send nothing before `until` (flood control is per bot, so the pause is global)."""
        self.paused_until = max(self.paused_until, until)

    def pause_left(self, now: float) -> float:
        """Seconds left of the global pause (0.0 when not paused)."""
        return max(0.0, self.paused_until - now)

    @property
    def tracked_chats(self) -> int:
        """How many chats are remembered for the per-chat interval (bounded: old ones are swept)."""
        return len(self._last)

    def _forget(self, now: float) -> None:
        """Drop sends that no longer count: outside the window, or older than the chat interval."""
        while self._recent and self._recent[0] <= now - self.window:
            self._recent.popleft()
        if len(self._last) > self._sweep_at:
            self._last = {chat: at for chat, at in self._last.items() if at > now - self.chat_interval}
            self._sweep_at = max(_SWEEP_MIN, 2 * len(self._last))
