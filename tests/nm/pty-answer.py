#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Runs a command on a pseudo-terminal and answers its prompts, as a person
at a terminal would (for `nmcli --ask`).  Nothing waits for the real stdin.

  pty-answer.py TIMEOUT REGEX ANSWER [REGEX ANSWER...] -- CMD...

Each REGEX (Python syntax, searched in the output since the last answer) is
waited for in turn, then ANSWER and a newline are typed.  The transcript
goes to stderr, prefixed with '# '; the exit status is the command's, or 124
when a prompt or the end does not come within TIMEOUT seconds in all."""
import os
import pty
import re
import select
import sys
import time


def main() -> int:
    args = sys.argv[1:]
    end = time.monotonic() + float(args.pop(0))
    sep = args.index("--")
    pairs = list(zip(args[:sep:2], args[1:sep:2]))
    cmd = args[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(cmd[0], cmd)
    seen = ""
    transcript = ""

    def read_some() -> bool:
        nonlocal seen, transcript
        left = end - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([fd], [], [], min(left, 0.5))
        if not r:
            return True
        try:
            data = os.read(fd, 4096).decode(errors="replace")
        except OSError:
            data = ""
        if not data:
            raise EOFError
        seen += data
        transcript += data
        return True

    timed_out = False
    try:
        for regex, answer in pairs:
            while not re.search(regex, seen):
                if not read_some():
                    raise TimeoutError(regex)
            seen = ""
            os.write(fd, answer.encode() + b"\n")
        while read_some():
            pass
        timed_out = True
        os.kill(pid, 15)
    except EOFError:
        pass
    except TimeoutError as e:
        transcript += f"\n[pty-answer: no prompt matching {e} in time]"
        timed_out = True
        os.kill(pid, 15)
    _, ws = os.waitpid(pid, 0)
    status = 124 if timed_out or not os.WIFEXITED(ws) else os.WEXITSTATUS(ws)
    for line in transcript.replace("\r", "").splitlines():
        print("# " + line, file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
