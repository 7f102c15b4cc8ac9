"""How ``bland-pools provision`` shows a run while it goes: the plan on stdout, then on
stderr one of

- a progress bar (tqdm), when stderr is a terminal;
- a plain line every ``--progress-every`` seconds (and at the end) when it is not, a CI log
  say: ``bland-pools: 120/320 pools done, 9.8 pools/s, ETA 20 s, 2 failed``;
- with ``--log-format json``, one JSON object per line and event, for a log collector:
  ``{"event": "plan", ...}`` once, ``{"event": "outcome", ...}`` per key, ``{"event":
  "summary", ...}`` at the end (see :class:`Display`).
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from pools_core import _cli
from pools_core._cli import say

if TYPE_CHECKING:
    from .provision import Plan, Progress, Report

__all__ = ["Display", "duration"]

PROG: Final = "bland-pools"


class Display:
    """The callbacks of one run. ``as_json``: stdout carries the report alone (no plan
    lines); ``log_format``: ``"text"`` or ``"json"``; ``every``: seconds between plain
    progress lines (0: a line after each key)."""

    def __init__(self, *, as_json: bool, log_format: str, every: float) -> None:
        self.as_json = as_json
        self.events = log_format == "json"
        self.every = every
        self.bar: Any = None
        self.started = 0.0
        self.last_line = 0.0
        self.failed = 0
        self.undo = contextlib.ExitStack()  # the log handler the bar installs

    def plan(self, plan: Plan) -> None:
        if not self.as_json:
            for line in plan.lines():
                say(line)  # a key is the user's text: a newline in it cannot forge a line
            say(plan.summary(), flush=True)
        self.started = self.last_line = time.monotonic()
        if self.events:
            counts = {kind: plan.count(kind) for kind in _KINDS}
            _event(
                "plan",
                summary=plan.summary(),
                counts=counts,
                kept=len(plan.kept),
                total=len(plan.actions),
            )
            return
        if not plan.changes:
            return
        from tqdm import tqdm

        self.bar = tqdm(
            total=len(plan.actions), unit="pool", file=sys.stderr, disable=None, leave=False
        )
        if not self.bar.disable:
            write = self.bar.write
            self.undo.enter_context(_cli.log_through(lambda text: write(text, file=sys.stderr)))

    def progress(self, progress: Progress) -> None:
        result = progress.result
        if result.outcome == "failed":
            self.failed += 1
        if self.events:
            _event(
                "outcome",
                key=result.key,
                outcome=result.outcome,
                pool_id=result.pool_id,
                error=result.error,
                done=progress.done,
                total=progress.total,
                failed=self.failed,
            )
            return
        if self.bar is None:
            return
        self.bar.update(1)
        if not self.bar.disable:
            if result.outcome == "failed":
                self.bar.set_postfix(failed=self.failed, refresh=False)
            return
        now = time.monotonic()
        last = progress.done == progress.total
        if last or now - self.last_line >= self.every:
            self.last_line = now
            say(f"{PROG}: {self.line(progress.done, progress.total, now)}", file=sys.stderr)

    def line(self, done: int, total: int, now: float) -> str:
        """``12/30 pools done, 4.1 pools/s, ETA 4 s, 0 failed`` (no ETA once done)."""
        elapsed = now - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        parts = [f"{done}/{total} pools done", f"{rate:.1f} pools/s"]
        if done < total and rate > 0:
            parts.append(f"ETA {duration((total - done) / rate)}")
        parts.append(f"{self.failed} failed")
        return ", ".join(parts)

    def summary(self, report: Report) -> None:
        """The last event (``--log-format json`` only): what the run did."""
        if self.events:
            data = report.to_dict()
            _event(
                "summary",
                plan=data["plan"],
                counts=data["counts"],
                seconds=data["seconds"],
                settled=data["settled"],
                dry_run=report.dry_run,
                ok=report.ok,
            )

    def close(self) -> None:
        self.undo.close()
        if self.bar is not None:
            self.bar.close()


_KINDS: Final = ("create", "update", "adopt", "delete", "forget", "unchanged", "ambiguous")


def _event(name: str, **fields: Any) -> None:
    record = {"event": name, "time": datetime.now(UTC).isoformat(timespec="milliseconds")}
    sys.stderr.write(json.dumps(record | fields, ensure_ascii=True) + "\n")
    sys.stderr.flush()


def duration(seconds: float) -> str:
    """``42 s``, ``3 min 5 s``, ``2 h 10 min``: a remaining time, rounded."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"
