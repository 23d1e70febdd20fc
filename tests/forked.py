"""``python -m newsdiffs|scrapy ...`` commands run in a child forked from a warm process.

A real crawl needs a fresh process (Scrapy's reactor cannot be restarted), but
most of such a child's time goes into starting Python and importing Scrapy,
Twisted and the project. A helper process (this file run as a script) imports
them once, installing no reactor, and forks one child per command. The child
runs the module as ``python -m`` does (:func:`runpy.run_module`), with the
command's arguments, working directory, environment, stdin and output files,
ends as the interpreter would (non-daemon threads, ``atexit`` handlers) and
exits with the command's status. :func:`run` answers like :func:`subprocess.run`,
so a test asserts exactly what it would of a real child process.

Unlike a new process, the child finds modules already imported (the helper also
imports, after each command, the modules that command imported, skipping any that
would install a reactor), so output or warnings printed at import time are not
in the command's output; the real-process tests catch those.

Real subprocesses are still used for anything else (scripts, ``-c``, a changed
``PYTHON*`` variable, a helper already busy) and everywhere when
``NEWSDIFFS_TEST_SUBPROCESS=1``; a few acceptance tests (the lock, concurrent
crawls, cron's command line) always start real processes.
"""

from __future__ import annotations

import atexit
import json
import locale
import os
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: Imported once by the helper: everything a crawl or a CLI command needs, no reactor.
PRELOAD = (
    "scrapy", "scrapy.cmdline", "scrapy.crawler", "scrapy.commands.crawl",
    "scrapy.utils.project", "scrapy.spiderloader", "twisted.internet.asyncioreactor",
    "newsdiffs.cli", "newsdiffs.crawl", "newsdiffs.settings",
    "spiders.bbc", "spiders.feeds", "pipelines.validate", "pipelines.clean", "pipelines.record",
    "scrapy.core.engine", "scrapy.core.downloader.handlers.http11",
    "scrapy.core.downloader.contextfactory", "redis", "scrapy_redis", "aiohttp", "requests",
    "tldextract", "queuelib", "difflib",
)

_helper: subprocess.Popen | None = None
_denied: set[str] = set()  # modules the helper must not import
_helper_lock = threading.Lock()


def _disabled() -> bool:
    return os.environ.get("NEWSDIFFS_TEST_SUBPROCESS", "") not in ("", "0")


def _module_command(cmd) -> tuple[str, list[str]] | None:
    """(module, arguments) of ``[sys.executable, "-m", module, *arguments]``, else None."""
    words = [str(w) for w in cmd] if isinstance(cmd, (list, tuple)) else None
    if not words or len(words) < 3 or words[1] != "-m":
        return None
    if os.path.realpath(words[0]) != os.path.realpath(sys.executable):
        return None
    return words[2], words[3:]


def _python_env(env) -> dict[str, str]:
    """The variables read as Python starts (PYTHONPATH is applied to the child's sys.path)."""
    return {k: v for k, v in env.items() if k.startswith("PYTHON") and k != "PYTHONPATH"}


def _python_path(env) -> list[str]:
    return [os.path.abspath(p) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]


def _send(pipe, message) -> None:
    data = json.dumps(message).encode("utf-8")
    pipe.write(struct.pack(">I", len(data)) + data)
    pipe.flush()


def _receive(pipe):
    head = pipe.read(4)
    if len(head) < 4:
        return None
    (size,) = struct.unpack(">I", head)
    return json.loads(pipe.read(size).decode("utf-8"))


def _stop_helper() -> None:
    """At exit: the helper ends when its input does."""
    if _helper is not None and _helper.poll() is None:
        _helper.stdin.close()
        try:
            _helper.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _helper.kill()


def _start_helper() -> subprocess.Popen:
    global _helper
    if _helper is None or _helper.poll() is not None:
        if _helper is None:
            atexit.register(_stop_helper)
        _helper = subprocess.Popen([sys.executable, __file__, *sorted(_denied)], cwd=ROOT,
                                   stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, env=dict(os.environ))
        _helper.python_env = _python_env(os.environ)
        ready = _receive(_helper.stdout)
        if not ready or not ready.get("ready"):
            raise RuntimeError(f"tests/forked.py helper did not start: {ready!r}")
    return _helper


def warm() -> None:
    """Start the helper now (its imports take a while), before a test that times a command."""
    if not _disabled():
        with _helper_lock:
            _start_helper()


def run(cmd, *, cwd=None, env=None, input=None, capture_output=False, text=False,
        timeout=None, check=False, **kwargs) -> subprocess.CompletedProcess:
    """:func:`subprocess.run` for ``[sys.executable, "-m", module, ...]`` in a forked child.

    Only captured output is supported in a child (``capture_output=True``); any
    other call is passed on to :func:`subprocess.run` unchanged.
    """
    env = dict(os.environ if env is None else env)
    module = _module_command(cmd)
    if (module is None or not capture_output or kwargs or _disabled()
            or not _helper_lock.acquire(blocking=False)):
        return subprocess.run(cmd, cwd=cwd, env=env, input=input, capture_output=capture_output,
                              text=text, timeout=timeout, check=check, **kwargs)
    try:
        helper = _start_helper()
        if _python_env(env) != helper.python_env:
            return subprocess.run(cmd, cwd=cwd, env=env, input=input, capture_output=True,
                                  text=text, timeout=timeout, check=check)
        with tempfile.TemporaryDirectory(prefix="forked-") as tmp:
            files = {name: os.path.join(tmp, name)
                     for name in ("stdin", "stdout", "stderr", "modules")}
            data = input.encode(locale.getpreferredencoding(False)) if isinstance(input, str) \
                else input
            Path(files["stdin"]).write_bytes(data or b"")
            _send(helper.stdin, {"module": module[0], "args": module[1],
                                 "cwd": str(cwd or os.getcwd()), "env": env,
                                 "timeout": timeout, **files})
            answer = _receive(helper.stdout)
            if answer is None:
                raise RuntimeError("tests/forked.py helper died")
            if answer.get("retire"):  # a learned import installed a reactor: start afresh
                _denied.add(answer["retire"])
                helper.wait(timeout=30)
            out = Path(files["stdout"]).read_bytes()
            err = Path(files["stderr"]).read_bytes()
    finally:
        _helper_lock.release()
    if text:
        encoding = locale.getpreferredencoding(False)
        out, err = (b.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
                    for b in (out, err))
    if answer["timed_out"]:
        raise subprocess.TimeoutExpired(cmd, timeout, output=out, stderr=err)
    result = subprocess.CompletedProcess(cmd, answer["returncode"], out, err)
    if check:
        result.check_returncode()
    return result


# --- the helper process -----------------------------------------------------------------------

def _child(request, known: set[str]) -> None:
    """In the forked child: become ``python -m MODULE ARGS`` and exit with its status."""
    import atexit
    import runpy
    import signal
    import time
    import traceback

    os.setpgid(0, 0)
    for fd, name, mode in ((0, "stdin", os.O_RDONLY),
                           (1, "stdout", os.O_WRONLY | os.O_CREAT | os.O_TRUNC),
                           (2, "stderr", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)):
        opened = os.open(request[name], mode)
        os.dup2(opened, fd)
        os.close(opened)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    # As Python starts: the working directory (for -m), PYTHONPATH, then the rest.
    sys.path[:] = [request["cwd"], *_python_path(request["env"]), *_base_path]
    sys.argv = [request["module"], *request["args"]]
    target = sys.modules.get(request["module"])
    if target is not None and not hasattr(target, "__path__"):
        del sys.modules[request["module"]]  # a new `python -m` has not imported it yet
    code = 0
    try:
        runpy.run_module(request["module"], run_name="__main__", alter_sys=True)
    except SystemExit as exc:
        if exc.code is None:
            code = 0
        elif isinstance(exc.code, int):
            code = exc.code
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:
        traceback.print_exc()
        code = 1
    try:
        threading._shutdown()  # what the interpreter does at exit: wait for non-daemon threads
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        roots = tuple({str(ROOT), sys.prefix, sys.base_prefix, sys.exec_prefix})
        learned = [name for name, mod in list(sys.modules.items()) if name not in known
                   and str(getattr(mod, "__file__", None) or sys.prefix).startswith(roots)]
        Path(request["modules"]).write_text("\n".join(learned))
    finally:
        os._exit(code & 0xFF)


def _serve() -> None:
    import importlib
    import signal

    requests_in = os.fdopen(os.dup(0), "rb")
    answers_out = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    denied = {"twisted.internet.reactor", *sys.argv[1:]}
    targets: set[str] = set()  # modules run as `-m`: never imported here (runpy warns)
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # a module being edited: the child imports (and reports) it
            pass
    if "twisted.internet.reactor" in sys.modules:
        _send(answers_out, {"ready": False, "why": "a reactor was installed while preloading"})
        return
    _send(answers_out, {"ready": True})
    while (request := _receive(requests_in)) is not None:
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            requests_in.close()
            answers_out.close()
            try:
                _child(request, set(sys.modules))
            finally:
                os._exit(70)  # only if the child could not even start the command
        try:
            os.setpgid(pid, pid)  # also done by the child: whichever runs first
        except OSError:
            pass
        timed_out = []

        def kill(signum, frame, pid=pid, timed_out=timed_out):
            timed_out.append(True)
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        signal.signal(signal.SIGALRM, kill)
        if request["timeout"]:
            signal.setitimer(signal.ITIMER_REAL, request["timeout"])
        _, status = os.waitpid(pid, 0)
        signal.setitimer(signal.ITIMER_REAL, 0)
        answer = {"returncode": os.waitstatus_to_exitcode(status), "timed_out": bool(timed_out)}
        # What the command imported is imported here too, so that the next child has it.
        targets.add(request["module"])
        try:
            learned = Path(request["modules"]).read_text().split()
        except OSError:
            learned = []
        for name in learned:
            if name in denied or name in targets or name.endswith("__main__"):
                continue
            try:
                importlib.import_module(name)
            except Exception:
                denied.add(name)
            if "twisted.internet.reactor" in sys.modules:
                answer["retire"] = name
                break
        _send(answers_out, answer)
        if answer.get("retire"):
            return


if __name__ == "__main__":
    _base_path = [p for p in sys.path[1:] if p not in _python_path(os.environ)]
    sys.path[0] = str(ROOT)  # as for `python -m` run in the project, not tests/
    _serve()
