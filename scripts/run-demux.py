#!/usr/bin/env python3
"""Splits the serial stream of a one-shot cellux run (see
components/lklsrv/src/frames.rs): frames `ESC _ cellux:KIND:PAYLOAD ESC \\` carry
the process's stdout (o) and stderr (e) as hex, syscall-trace lines (s,
hex: to standard error, or to TRACE), its status as a shell reports it
(x), or announce that the process writes to the console tty itself (t:
raw bytes from then on are its output). Everything else is boot, kernel
and server messages: they go to LOG.

With --answer FD FIFO (a scripted session: the user's input is a pipe or
file on FD, and QEMU types FIFO's bytes into the console) this does what a
terminal would: it answers the line editor's cursor-position query
(ESC[6n, which busybox ash sends at a prompt when no input is pending)
with ESC[1;1R and strips the query from the output, and it holds the
user's bytes back until the shell first asks (or 20 s after the console
became the shell's, for a shell that never asks), so that no byte of the
session arrives before a reader exists and none is taken for an answer.

usage: run-demux.py [--trace TRACE] [--answer FD FIFO] LOG [COM2] < COM1-stream
With COM2 (a FIFO QEMU writes the second serial port to) the kernel's log
is there, and COM1 carries only the console: after a `t` frame its raw
bytes are the process's output.
Exit status: the command's, or 125 when the run never reported one.
"""
import os
import select
import sys
import time

OPEN, CLOSE = b"\x1b_cellux:", b"\x1b\\"
QUERY, REPLY = b"\x1b[6n", b"\x1b[1;1R"
# How long the user's bytes wait for the shell's first query once the
# console is the shell's, when it never comes.
HOLD_SECS = 20


class Answerer:
    """The terminal side of a scripted session: user bytes from `src`
    (held until `ready`), replies to queries first, all into `dst` (the
    FIFO QEMU reads), written without blocking."""

    def __init__(self, src, dst_path):
        self.src = src
        self.dst = os.open(dst_path, os.O_WRONLY)
        os.set_blocking(self.dst, False)
        self.held, self.out = b"", b""
        self.ready, self.since = False, None
        self.tail = b""

    def release(self):
        if not self.ready:
            self.ready = True
            self.out += self.held
            self.held = b""

    def console(self, raw):
        """Console output `raw`: returns it without the queries, which
        are answered."""
        data = self.tail + raw
        n = data.count(QUERY)
        if n:
            data = data.replace(QUERY, b"")
            self.out += REPLY * n
            self.release()
        # A query split across reads: keep its start for the next one.
        keep = 0
        for k in range(len(QUERY) - 1, 0, -1):
            if data.endswith(QUERY[:k]):
                keep = k
                break
        self.tail = data[len(data) - keep :]
        return data[: len(data) - keep]

    def user(self, chunk):
        if self.ready:
            self.out += chunk
        else:
            self.held += chunk

    def tick(self, tty):
        if tty and self.since is None:
            self.since = time.monotonic()
        if not self.ready and self.since is not None and time.monotonic() - self.since > HOLD_SECS:
            self.release()
        if self.out:
            try:
                n = os.write(self.dst, self.out)
                self.out = self.out[n:]
            except BlockingIOError:
                pass
            except OSError:
                self.out = b""  # QEMU is gone


class Stream:
    """One serial port: frames anywhere in it; raw bytes to the log, or,
    for COM1 once the process is known to write to the console tty with
    the log on COM2, to standard output."""

    def __init__(self, fd, console):
        self.fd, self.console, self.pending = fd, console, b""


def main():
    args = sys.argv[1:]
    trace = None
    if args[:1] == ["--trace"]:
        trace = open(args[1], "ab", buffering=0)
        args = args[2:]
    answer = None
    if args[:1] == ["--answer"]:
        answer = Answerer(int(args[1]), args[2])
        args = args[3:]
    sys.argv[1:] = args
    log = open(sys.argv[1], "ab", buffering=0)
    streams = [Stream(sys.stdin.buffer.raw.fileno(), False)]
    if len(sys.argv) > 2:
        # COM2 first: a frame there (tty mode) precedes COM1's output.
        streams.insert(0, Stream(os.open(sys.argv[2], os.O_RDONLY), False))
        streams[1].console = True
    com1 = streams[-1]
    state = {"status": None, "tty": False, "trace": trace, "answer": answer}
    live = list(streams)
    user_open = answer is not None
    while live:
        rfds = [s.fd for s in live] + ([answer.src] if user_open else [])
        wfds = [answer.dst] if answer and answer.out else []
        timeout = 0.5 if answer and not answer.ready else None
        ready, _, _ = select.select(rfds, wfds, [], timeout)
        if user_open and answer.src in ready:
            chunk = os.read(answer.src, 65536)
            if chunk:
                answer.user(chunk)
            else:
                user_open = False  # the FIFO stays open for answers
        if answer:
            answer.tick(state["tty"])
        for s in list(live):
            if s.fd not in ready:
                continue
            chunk = os.read(s.fd, 65536)
            if not chunk:
                live.remove(s)
                flush(s, state, log, final=True)
                continue
            if answer and s is com1:
                chunk = answer.console(chunk)
                answer.tick(state["tty"])
            s.pending += chunk
            flush(s, state, log)
    sys.stdout.buffer.flush()
    sys.exit(125 if state["status"] is None else state["status"])


def flush(s, state, log, final=False):
    out, err = sys.stdout.buffer, sys.stderr.buffer
    while True:
        raw_to = lambda raw: emit_raw(raw, s.console and state["tty"], out, log)
        start = s.pending.find(OPEN)
        if start < 0:
            keep = 0
            if not final:
                for k in range(len(OPEN) - 1, 0, -1):
                    if s.pending.endswith(OPEN[:k]):
                        keep = k
                        break
            raw_to(s.pending[: len(s.pending) - keep])
            s.pending = s.pending[len(s.pending) - keep :]
            return
        end = s.pending.find(CLOSE, start + len(OPEN))
        if end < 0:
            raw_to(s.pending[:start])
            s.pending = s.pending[start:]
            if final:
                raw_to(s.pending)
                s.pending = b""
            return
        raw_to(s.pending[:start])
        body = s.pending[start + len(OPEN) : end]
        s.pending = s.pending[end + len(CLOSE) :]
        kind, _, payload = body.partition(b":")
        if kind in (b"o", b"e"):
            try:
                data = bytes.fromhex(payload.decode())
            except ValueError:
                continue
            f = out if kind == b"o" else err
            f.write(data)
            f.flush()
        elif kind == b"s":
            try:
                data = bytes.fromhex(payload.decode())
            except ValueError:
                continue
            f = state["trace"] or err
            f.write(data)
            f.flush()
        elif kind == b"x":
            state["status"] = int(payload or b"125")
        elif kind == b"t":
            state["tty"] = True


def emit_raw(raw, tty, out, log):
    if not raw:
        return
    if tty:
        out.write(raw)
        out.flush()
    else:
        log.write(raw)


if __name__ == "__main__":
    main()
