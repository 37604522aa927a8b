"""A hostile room: notebooks that forge grades, damage files, read others' work and outlive
grading. One grading run (``--jobs 2``), shared by every assertion below.

The notebooks are lesson 00's own exercise and solution notebooks with cells added, as a
workshop's worst participant would add them. The attacker is assumed to know every path (the
room, the course, the venv, the report): they are written into the cells.
"""

from __future__ import annotations

import csv
import hashlib
import os
import socket
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from course_utils import grade
from course_utils.checks import lesson00
from course_utils.grading import sandbox
from course_utils.grading.report import CsvAppender, csv_field, write_csv
from course_utils.grading.runner import DID_NOT_RUN, NOT_GRADED, Row
from course_utils.paths import COURSE_ROOT, EXERCISES_DIR, SOLUTIONS_DIR

pytestmark = pytest.mark.skipif(
    sandbox.unavailable() is not None,
    reason=f"no sandbox here: {sandbox.unavailable()} (CI installs bubblewrap)")

LESSON00 = [e.name for e in lesson00.EXERCISES]
NAME = "00_welcome.ipynb"
MARKER = "hostile-room-7f3a"  # in the command line of every process a notebook leaves behind
FORMULA_LEARNER = '=HYPERLINK("x","click")'
FORMULA_NOTEBOOK = "@SUM(1+1).ipynb"
SITE = Path(next(p for p in sys.path if p.endswith("site-packages")))


def _notebook(source: Path, *added: str, after: int | None = None) -> str:
    """The course notebook ``source`` with code cells added after cell ``after`` (or at the end)."""
    notebook = nbformat.read(source, as_version=4)
    where = len(notebook.cells) if after is None else after + 1
    notebook.cells[where:where] = [nbformat.v4.new_code_cell(code) for code in added]
    return nbformat.writes(notebook)


def _write(room: Path, source: Path, *added: str, after: int | None = None) -> Path:
    """An intermediate notebook (outside the room) with cells added, to add more to."""
    path = room.parent / f"partial-{len(added)}-{after}.ipynb"
    path.write_text(_notebook(source, *added, after=after), encoding="utf-8")
    return path


def _room_notebooks(room: Path, out: Path, port: int) -> dict[str, str]:
    exercise, solution = EXERCISES_DIR / NAME, SOLUTIONS_DIR / NAME
    honest = room / "honest" / NAME
    forge_records = """
import json
from course_utils.checks import records
forged = {f"00/{e.name}": {"lesson": "00", "exercise": e.name, "outcome": "correct",
                               "message": "forged", "time": "now"} for e in checks.EXERCISES}
for target in (records.progress_file(), records.DEFAULT_PROGRESS_FILE):
    try:
        target.write_text(json.dumps(forged))
    except OSError as err:
        print("blocked:", err)
"""
    patch_check = """
from course_utils.checks.exercise import Exercise
from course_utils.checks.feedback import Feedback, Outcome
Exercise.evaluate = lambda self, *args, **kwargs: Feedback(self.label, Outcome.CORRECT, "ok")
"""
    copy_solutions = f"""
import glob
from course_utils.checks.exercise import solution_code
for e in checks.EXERCISES:
    try:
        exec(solution_code("00", e.name), globals())
    except Exception as err:
        print("no solution:", err)
for path in glob.glob({str(SOLUTIONS_DIR)!r} + "/*.ipynb"):
    print("read", len(open(path).read()))
checks.scale_pixels.solution()
for e in checks.EXERCISES:
    e.check(globals().get(e.name))
"""
    vandalise = f"""
import subprocess, sys
targets = {{
    {str(COURSE_ROOT / "course_utils" / "checks" / "lesson00.py")!r}:
        "\\nEXERCISES[0].checker = lambda *a: 'stub passes'\\n",
    {str(SITE / "zz_hostile.pth")!r}: "import os\\n",
    {str(honest)!r}: "{{}}",
    {str(room / "honest" / "planted.txt")!r}: "x",
    {str(out)!r}: "=1+1,forged\\n",
    {str(COURSE_ROOT / ".course_progress.json")!r}: "{{}}",
}}
for target, text in targets.items():
    try:
        with open(target, "a") as stream:
            stream.write(text)
        print("wrote", target)
    except OSError as err:
        print("blocked:", err)
later = f"import time; time.sleep(600); open({str(out)!r}, 'w').write('=1+1')  # {MARKER}"
subprocess.Popen([sys.executable, "-c", later], start_new_session=True,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
subprocess.Popen(["sh", "-c", "sleep 600; echo {MARKER}"], start_new_session=True)
import os, shutil
from course_utils.checks import records
answers = records.grading_folder()  # swapped for a link to / (the grader must not follow it)
shutil.rmtree(answers)
os.symlink("/", answers)
"""
    read_others = f"""
import os, socket
seen = []
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            seen.append(open(f"/proc/{{pid}}/cmdline", "rb").read())
        except OSError:
            pass
try:
    seen.append(open({str(honest)!r}, "rb").read())
except OSError as err:
    print("blocked:", err)
for host in ("127.0.0.1", "localhost"):
    try:
        socket.create_connection((host, {port}), timeout=2).sendall(b"\\n".join(seen) or b"x")
    except OSError as err:
        print("blocked:", err)
"""
    kill_everything = """
checks.scale_pixels.check(lambda raw: raw.astype("float32") / 255)
import os, signal
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except OSError:
            pass
"""
    return {
        "honest": _notebook(solution),
        # patches the checks, copies the solutions, then forges its records file
        "forger": _notebook(_write(room, exercise, patch_check, after=1), copy_solutions,
                            forge_records),
        # writes outside its copy, leaves processes behind, reads others' work and phones out
        "vandal": _notebook(exercise, vandalise, read_others),
        # hands in one right answer, then kills every process it can see
        "killer": _notebook(exercise, kill_everything, after=1),
    }


ATTACKED = [COURSE_ROOT / "course_utils" / "checks" / name
            for name in ("lesson00.py", "exercise.py", "records.py")]


def _snapshot(room: Path) -> dict[str, str]:
    """Digests of the files the notebooks attack (the course's checks, the venv's .pth files and
    its site-packages listing) and of every file in the room. (Not the whole checkout: others
    may be editing it meanwhile.)"""
    files = [*ATTACKED, *sorted(room.rglob("*")), *sorted(SITE.glob("*.pth"))]
    digest = {str(p): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
              for p in files if p.exists()}
    digest["site-packages"] = "\n".join(sorted(os.listdir(SITE)))
    return digest


def _processes_with(marker: str) -> list[str]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue
        if marker in cmdline and "pytest" not in cmdline:
            found.append(cmdline)
    return found


@pytest.fixture(scope="module")
def room_graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    room, out = base / "room", base / "report.csv"
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    connections: list[bytes] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                continue
            connections.append(connection.recv(100))
            connection.close()

    threading.Thread(target=accept, daemon=True).start()
    for learner, text in _room_notebooks(room, out, listener.getsockname()[1]).items():
        (room / learner).mkdir(parents=True)
        (room / learner / NAME).write_text(text, encoding="utf-8")
    (room / FORMULA_LEARNER).mkdir()
    (room / FORMULA_LEARNER / FORMULA_NOTEBOOK).write_text("{}", encoding="utf-8")
    (room / "folder" / NAME).mkdir(parents=True)
    (room / "linker").mkdir()
    (room / "linker" / NAME).symlink_to(SOLUTIONS_DIR / NAME)
    (room / "nothing").mkdir()
    before = _snapshot(room)
    start = time.monotonic()
    code = grade.main([str(room), "--out", str(out), "--html", str(base / "report.html"),
                       "--jobs", "2", "--timeout", "240"])
    seconds = time.monotonic() - start
    time.sleep(1)  # anything left behind would have a moment to act
    report_text = out.read_text(encoding="utf-8")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    yield {"code": code, "rows": rows, "before": before, "after": _snapshot(room),
           "room": room, "connections": connections, "seconds": seconds,
           "report": report_text, "html": (base / "report.html").read_text(encoding="utf-8")}
    stop.set()
    listener.close()


def _of(rows: list[dict], learner: str) -> dict[str, dict]:
    return {row["exercise"]: row for row in rows if row["learner"] == learner}


def test_one_row_per_exercise_or_submission_none_lost(room_graded):
    rows = room_graded["rows"]
    assert room_graded["code"] == 0
    for learner in ("honest", "forger", "vandal", "killer"):
        assert sorted(_of(rows, learner)) == sorted(LESSON00), learner
    for learner in ("'" + FORMULA_LEARNER, "folder", "linker", "nothing"):
        assert len([row for row in rows if row["learner"] == learner]) == 1, learner
    assert len(rows) == 4 * len(LESSON00) + 4


def test_the_honest_notebook_is_correct_on_every_exercise(room_graded):
    honest = _of(room_graded["rows"], "honest")
    assert {row["outcome"] for row in honest.values()} == {"correct"}
    assert not any(row["tampering"] for row in honest.values())


def test_no_forged_correct(room_graded):
    for row in room_graded["rows"]:
        if row["learner"] == "killer" and row["exercise"] == "scale_pixels":
            assert row["outcome"] == "correct"  # a right answer, handed in before the attack
        elif row["learner"] != "honest":
            assert row["outcome"] != "correct", row


def test_patched_checks_and_forged_records_are_reported_as_tampering(room_graded):
    for row in _of(room_graded["rows"], "forger").values():
        assert row["outcome"] == "not attempted", row
        assert "record says 'correct'" in row["tampering"], row
    assert "tampering" in room_graded["html"]


def test_solutions_are_not_there_to_copy(room_graded):
    for row in _of(room_graded["rows"], "forger").values():  # its exec'd solutions: none
        assert row["outcome"] == "not attempted", row
        assert "stub" in row["message"] or "is None" in row["message"], row


def test_nothing_outside_the_sandbox_changed(room_graded):
    before, after = room_graded["before"], room_graded["after"]
    assert set(after) == set(before), set(after) ^ set(before)
    changed = [path for path in before if before[path] != after[path]]
    assert not changed, changed
    progress = COURSE_ROOT / ".course_progress.json"
    assert not progress.exists() or "forged" not in progress.read_text(encoding="utf-8")
    assert "forged" not in room_graded["report"] and "=1+1" not in room_graded["report"]


def test_no_process_is_left_behind(room_graded):
    assert _processes_with(MARKER) == []


def test_no_notebook_reached_the_network_or_another_notebook(room_graded):
    assert room_graded["connections"] == []


def test_a_replaced_answers_folder_is_not_followed(room_graded):
    for row in _of(room_graded["rows"], "vandal").values():
        assert row["outcome"] == NOT_GRADED and "replaced the folder" in row["message"], row


def test_a_killed_worker_says_so(room_graded):
    killer = _of(room_graded["rows"], "killer")
    for name in LESSON00[1:]:
        assert killer[name]["outcome"] == DID_NOT_RUN
        assert "was killed before it could report" in killer[name]["message"], killer[name]


def test_folders_links_and_empty_folders_get_a_row_saying_why(room_graded):
    rows = {row["learner"]: row for row in room_graded["rows"]}
    assert rows["folder"]["outcome"] == NOT_GRADED
    assert "folder named like a notebook" in rows["folder"]["message"]
    assert rows["linker"]["outcome"] == NOT_GRADED
    assert "link to a file outside" in rows["linker"]["message"]
    assert "no notebook" in rows["nothing"]["message"]


def test_formula_like_names_are_neutralised_in_the_csv(room_graded):
    [row] = [row for row in room_graded["rows"] if "HYPERLINK" in row["learner"]]
    assert row["learner"] == "'" + FORMULA_LEARNER
    assert row["notebook"] == "'" + FORMULA_NOTEBOOK
    for line in csv.reader(room_graded["report"].splitlines()):
        assert not any(field.startswith(("=", "+", "-", "@", "\t", "\r")) for field in line)


def test_the_hostile_room_grades_in_reasonable_time(room_graded):
    assert room_graded["seconds"] < 600, room_graded["seconds"]


# -- units: no kernel needed ---------------------------------------------------------------------
@pytest.mark.parametrize("text", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx",
                                  '=HYPERLINK("http://x","y")'])
def test_csv_fields_that_start_like_formulas_get_a_quote(tmp_path, text):
    assert csv_field(text) == "'" + text
    write_csv([Row(text, "n.ipynb", "00", "e", "incorrect", text, text)], tmp_path / "r.csv")
    [row] = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8", newline="")))
    assert row["learner"] == row["message"] == row["tampering"] == "'" + text
    assert csv_field("ok = 1") == "ok = 1" and csv_field("") == ""


def test_rows_are_on_disk_as_each_notebook_finishes(tmp_path):
    appender = CsvAppender(tmp_path / "r.csv")
    appender.add([Row("ann", "n.ipynb", "00", "e", "correct", "")])
    lines = (tmp_path / "r.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("learner,") and lines[1].startswith("ann,")


def test_solution_says_it_is_not_available_while_graded(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_GRADING_ANSWERS", str(tmp_path))
    feedback = lesson00.scale_pixels.solution_feedback()
    assert "not available while a notebook is being graded" in feedback.message
    assert feedback.details == ""


def test_without_a_sandbox_the_grader_refuses_unless_told(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(grade.sandbox, "unavailable", lambda: "bubblewrap is not installed")
    (tmp_path / "ann").mkdir()
    assert grade.main([str(tmp_path), "--out", str(tmp_path / "r.csv")]) == 2
    error = capsys.readouterr().err
    assert "bubblewrap is not installed" in error and "--no-sandbox" in error
    assert "read other participants' notebooks" in error
    assert not (tmp_path / "r.csv").exists()


class _ExitsWhenLoaded:
    def __reduce__(self):
        return os._exit, (0,)


@pytest.mark.parametrize("content, outcome", [
    (b"not a pickle", "unloadable"),
    (None, "no verdict"),  # a pickle whose loading ends the process: no verdict, not correct
])
def test_the_graders_evaluation_of_a_broken_or_hostile_answer(tmp_path, content, outcome):
    import pickle

    from course_utils.checks.records import answer_file
    from course_utils.grading.evaluate import evaluate

    data = pickle.dumps(((_ExitsWhenLoaded(),), {})) if content is None else content
    answer_file(tmp_path, "00", "nearest_mean_accuracy").write_bytes(data)
    verdict = evaluate(lesson00.nearest_mean_accuracy, tmp_path, time.monotonic() + 60)
    assert verdict["outcome"] == outcome
    assert evaluate(lesson00.scale_pixels, tmp_path, time.monotonic() + 60)["outcome"] == (
        "not handed in")
