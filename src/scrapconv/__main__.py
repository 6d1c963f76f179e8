"""`python -m scrapconv` and the `scrapconv` command.

The entry imports nothing but the package's light `__init__` before it is ready for Ctrl-C:
an interrupt while Python imports the command ends it with exit status 130 (128 + SIGINT),
as one while it runs does, without a traceback.

What the command made is not collected when the process ends: the interpreter's last
collections would walk every object once more, for nothing the command needs (8 of the 70 ms
of converting one page). Everything else of the exit is as usual: the output is flushed and
every exit handler runs, those registered while the command ran (multiprocessing's, which
stops workers) before the entry's.
"""

import atexit
import gc
import sys

_INTERRUPTED = 130


def main() -> None:
    # Registered before the command runs, so run after its handlers (the last first).
    atexit.register(gc.freeze)
    try:
        from scrapconv.cli import main as command

        command(prog_name="scrapconv")
    except KeyboardInterrupt:
        import signal

        # A second Ctrl-C while Python exits must not show a traceback either.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        sys.exit(_INTERRUPTED)


if __name__ == "__main__":
    main()
