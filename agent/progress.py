"""Tool progress for `easel chat`: a spinner with elapsed time on a terminal, plain lines when piped.

Text and progress share one terminal, so every write goes through one lock, and the spinner's line is
cleared before anything else is printed.
"""

from __future__ import annotations

import threading
import time
from typing import Any, TextIO

FRAMES = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
LABELS = {"in_progress": "starting", "generating": "painting", "completed": "made", "failed": "failed"}


def _what(arguments: dict[str, Any] | None) -> str:
    prompt = str((arguments or {}).get("prompt") or "").strip()
    return f" “{prompt[:60]}{'…' if len(prompt) > 60 else ''}”" if prompt else ""


class Progress:
    def __init__(self, out: TextIO, err: TextIO, *, interactive: bool, interval_s: float = 0.1) -> None:
        self.out, self.err = out, err
        self.interactive = interactive
        self.interval_s = interval_s
        self.lock = threading.Lock()
        self.calls: dict[str, dict[str, Any]] = {}
        self.live: str | None = None  # the call the spinner shows
        self.drawn = False  # the spinner's line is on the screen
        self.at_line_start = True
        self.after_line = False  # a line of our own was just printed: the text's next paragraph break is moot
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- text -----------------------------------------------------------------------------------------
    def text(self, piece: str) -> None:
        with self.lock:
            if self.after_line:
                piece = piece.lstrip("\n")
            if not piece:
                return
            self._clear_spinner()
            self.out.write(piece)
            self.out.flush()
            self.at_line_start = piece.endswith("\n")
            self.after_line = False

    def line(self, message: str, *, to_err: bool = False) -> None:
        """A whole line of its own (a saved file, a note), after any text in progress."""
        with self.lock:
            self._clear_spinner()
            stream = self.err if to_err else self.out
            if not self.at_line_start:
                self.out.write("\n")
                self.out.flush()
                self.at_line_start = True
            stream.write(message + "\n")
            stream.flush()
            self.after_line = True

    # -- tools ----------------------------------------------------------------------------------------
    def tool(self, event: dict[str, Any]) -> None:
        call_id, status = str(event.get("call_id", "")), str(event.get("status", ""))
        call = self.calls.setdefault(call_id, {"tool": event.get("tool", "tool"), "started": time.monotonic(),
                                               "what": _what(event.get("arguments"))})
        call["status"] = status
        if status in ("completed", "failed"):
            elapsed = time.monotonic() - call["started"]
            reason = f": {event.get('error')}" if status == "failed" and event.get("error") else ""
            mark = "✓" if status == "completed" else "✗"
            if self.live == call_id:
                self.live = None
            self.line(f"{mark} {call['tool']} {LABELS[status]}{call['what']} in {elapsed:.1f} s{reason}",
                      to_err=True)
            return
        if self.interactive:
            with self.lock:
                if not self.at_line_start:
                    self.out.write("\n")
                    self.out.flush()
                    self.at_line_start = True
                self.live = call_id
            self._start()
        else:
            self.line(f"… {call['tool']} {LABELS.get(status, status)}{call['what']}", to_err=True)

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._spin, name="easel-spinner", daemon=True)
            self._thread.start()

    def _spin(self) -> None:
        frame = 0
        while not self._stop.wait(self.interval_s):
            with self.lock:
                call = self.calls.get(self.live or "")
                if call is None:
                    continue
                elapsed = time.monotonic() - call["started"]
                label = LABELS.get(call["status"], call["status"])
                self.err.write(f"\r\x1b[K{FRAMES[frame % len(FRAMES)]} {call['tool']} {label}{call['what']}"
                               f" {elapsed:.1f} s")
                self.err.flush()
                self.drawn = True
                frame += 1

    def _clear_spinner(self) -> None:
        if self.drawn:
            self.err.write("\r\x1b[K")
            self.err.flush()
            self.drawn = False

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self.lock:
            self._clear_spinner()
            if not self.at_line_start:
                self.out.write("\n")
                self.out.flush()
                self.at_line_start = True
