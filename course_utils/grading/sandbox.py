"""Contain a graded notebook: run a command under bubblewrap (``bwrap``) on Linux.

Inside the sandbox a process sees the system folders (``/usr`` and a few files of ``/etc``),
Python, the course's venv and the ``course_utils`` package, all read-only, the folders the
grader binds for it (its copy of the notebook, where it hands answers in), a
private ``/tmp`` and HOME, its own PID, network (loopback only), IPC and user namespaces, and no
capabilities. Nothing else of the machine is there: not the room, not the grader's output, not
``solutions/``, not other notebooks' scratch folders. Killing the ``bwrap`` process (or the
grader that started it) kills everything inside.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path

from ..paths import COURSE_ROOT

WORK = "/sandbox/work"  # the notebook's writable folder, as seen inside
HANDIN = "/sandbox/handin"  # where its checks hand answers in and record outcomes
HOME = "/sandbox/home"
ANSWERS = "/sandbox/answers"  # the answers handed in, read-only, for the grader's evaluation
SYSTEM = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Of /etc only what programs need to start and find libraries, users, fonts and time zones (not
# the machine's secrets: inside, the notebook's user owns whatever root owns outside).
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "alternatives", "passwd", "group",
       "nsswitch.conf", "hosts", "host.conf", "localtime", "timezone", "fonts", "mime.types",
       "locale.alias", "matplotlibrc")

EXPOSED_WITHOUT_SANDBOX = (
    "Without a sandbox each notebook runs as you, with your files and network: it can read other "
    "participants' notebooks and the solutions, write into the course folder and its venv, start "
    "processes that outlive grading and kill the grader. Grades still come from the grader's own "
    "evaluation, but answers are evaluated with your rights too. Grade only notebooks you trust."
)


@functools.lru_cache(maxsize=1)
def unavailable() -> str | None:
    """Why no sandbox can be had here (None when bubblewrap works)."""
    if not sys.platform.startswith("linux"):
        return f"the sandbox needs Linux (bubblewrap); this is {sys.platform}"
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)"
    try:
        probe = subprocess.run(command(["/bin/true"]), capture_output=True,
                               timeout=30, env={"PATH": "/usr/bin:/bin"})
    except (OSError, subprocess.SubprocessError) as err:
        return f"bubblewrap could not be started ({err})"
    if probe.returncode != 0:
        reason = probe.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
        return f"bubblewrap cannot create a sandbox here (user namespaces off?): {reason[0]}"
    return None


def _read_only_trees() -> list[str]:
    """Python, the venv and the course package (the system folders are bound separately)."""
    trees = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix),
             str(Path(os.path.realpath(sys.executable)).parent.parent),
             str(COURSE_ROOT / "course_utils")}
    kept: list[str] = []
    for tree in sorted(trees, key=len):
        inside = [p for p in (*SYSTEM, *kept) if tree == p or tree.startswith(p + os.sep)]
        if Path(tree).is_dir() and not inside:
            kept.append(tree)
    return kept


def command(argv: list[str], *, writable: dict[Path, str] | None = None,
            readonly: dict[Path, str] | None = None, cwd: str = HOME) -> list[str]:
    """``argv`` wrapped in bwrap, with host folders bound at the given places inside
    (``writable`` ones read-write, ``readonly`` ones read-only), working in ``cwd``."""
    args = ["bwrap", "--unshare-all", "--cap-drop", "ALL", "--die-with-parent",
            "--new-session", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
            "--dir", HOME]
    for path in SYSTEM:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    for name in ETC:
        if os.path.lexists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    for tree in _read_only_trees():
        args += ["--ro-bind", tree, tree]
    for host, inside in (writable or {}).items():
        args += ["--bind", str(host), inside]
    for host, inside in (readonly or {}).items():
        args += ["--ro-bind", str(host), inside]
    return args + ["--chdir", cwd, "--", *argv]


def environment(extra: dict[str, str]) -> dict[str, str]:
    """A small, explicit environment (nothing of the grader's own, such as tokens, leaks in)."""
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin",
                                 "/bin"]),
        "HOME": HOME, "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TMPDIR": "/tmp",
        "PYTHONPATH": str(COURSE_ROOT), "PYTHONDONTWRITEBYTECODE": "1",
    }
    for name in ("OMP_NUM_THREADS", "TF_NUM_INTEROP_THREADS", "TF_NUM_INTRAOP_THREADS",
                 "COURSE_DATA", "TF_ENABLE_ONEDNN_OPTS"):
        if name in os.environ:
            env[name] = os.environ[name]
    env.update(extra)
    return env
