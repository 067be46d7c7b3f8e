#!/usr/bin/env python3
"""Splits the serial stream of a one-shot cellux run (see
components/lklsrv/src/frames.rs): frames `ESC _ cellux:KIND:PAYLOAD ESC \\` carry
the process's stdout (o) and stderr (e) as hex, syscall-trace lines (s,
hex: to standard error, or to TRACE), its status as a shell reports it
(x), or announce that the process writes to the console tty itself (t:
raw bytes from then on are its output). Everything else is boot, kernel
and server messages: they go to LOG.

usage: run-demux.py [--trace TRACE] LOG [COM2] < COM1-stream
With COM2 (a FIFO QEMU writes the second serial port to) the kernel's log
is there, and COM1 carries only the console: after a `t` frame its raw
bytes are the process's output.
Exit status: the command's, or 125 when the run never reported one.
"""
import os
import select
import sys

OPEN, CLOSE = b"\x1b_cellux:", b"\x1b\\"


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
    sys.argv[1:] = args
    log = open(sys.argv[1], "ab", buffering=0)
    streams = [Stream(sys.stdin.buffer.raw.fileno(), False)]
    if len(sys.argv) > 2:
        # COM2 first: a frame there (tty mode) precedes COM1's output.
        streams.insert(0, Stream(os.open(sys.argv[2], os.O_RDONLY), False))
        streams[1].console = True
    state = {"status": None, "tty": False, "trace": trace}
    live = list(streams)
    while live:
        ready, _, _ = select.select([s.fd for s in live], [], [])
        for s in list(live):
            if s.fd not in ready:
                continue
            chunk = os.read(s.fd, 65536)
            if not chunk:
                live.remove(s)
                flush(s, state, log, final=True)
                continue
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
