"""End to end, as a learner sees it: the real JupyterLab of `make lab` in headless Chromium.

Starts JupyterLab from the project's venv on a free loopback port, in a temporary copy of the
course with temporary Jupyter directories; opens lesson 00, runs all cells, moves the digit
browser's slider and checks that the picture changed; opens lesson 10, moves one slider of the
latent explorer and checks that the decoded image's pixels changed; then runs exercise 00 and
checks that a wrong answer's feedback appears. Screenshots go to test-artifacts/e2e/.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from headless_chromium import CHROMIUM, CHROMIUM_FLAGS, chromium_or_skip

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
IDLE = "(ipykernel) | Idle"
TIMEOUT_MS = 60_000

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    """PIDs of all processes below ``pid`` (Linux /proc; empty elsewhere)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}").exists() if Path("/proc").exists() else True


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a temporary copy of the course; yields (base_url, token)."""
    chromium_or_skip("end-to-end test")
    work = tmp_path_factory.mktemp("lab")
    course = work / "course"
    for folder in ("notebooks", "exercises"):
        shutil.copytree(ROOT / folder, course / folder)
    dirs = {name: work / name.lower() for name in (
        "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
        "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR", "MPLCONFIGDIR",
        "KERAS_HOME",
    )}
    for path in dirs.values():
        path.mkdir()
    news = dirs["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    # Render every cell (JupyterLab 4 otherwise leaves off-screen cells out of the page).
    notebook_settings = dirs["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "notebook-extension"
    notebook_settings.mkdir(parents=True)
    (notebook_settings / "tracker.jupyterlab-settings").write_text(
        json.dumps({"windowingMode": "none"})
    )
    env = {**os.environ, **{k: str(v) for k, v in dirs.items()},
           "COURSE_FAST": "1", "COURSE_OFFLINE": "1"}
    env.pop("COURSE_STRICT_CHECKS", None)
    port, token = _free_port(), "e2e-" + os.urandom(8).hex()
    command = [
        str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
        f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={course}",
    ]
    if hasattr(os, "getuid") and os.getuid() == 0:
        command.append("--allow-root")
    log = (work / "server.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(base, token, server, work / "server.log")
        yield base, token
    finally:
        kernels = _descendants(server.pid)
        server.send_signal(signal.SIGTERM)  # the server shuts its kernels down
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        for pid in kernels:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        log.close()
        assert not [pid for pid in kernels if _alive(pid)], "kernels outlived the server"


def _wait_for_server(base: str, token: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not start within 60 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def browser():
    chromium_or_skip("end-to-end test")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def _open_and_run_all(page, base: str, token: str, notebook: str,
                      timeout_ms: int = TIMEOUT_MS) -> None:
    page.goto(f"{base}/lab/tree/{notebook}?token={token}&reset")
    page.get_by_text(IDLE).wait_for()  # a kernel exists and is idle
    page.locator(".jp-Notebook").first.click()
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.get_by_text("(ipykernel) | Busy").wait_for(timeout=10_000)
    page.get_by_text(IDLE).wait_for(timeout=timeout_ms)


def test_lesson_00_runs_and_the_digit_browser_redraws(lab, page):
    base, token = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    _open_and_run_all(page, base, token, "notebooks/00_welcome.ipynb")
    stderr = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert stderr.count() == 0, f"red output in lesson 00: {stderr.all_inner_texts()}"
    browser_widget = page.locator(".course-digit-browser")
    browser_widget.scroll_into_view_if_needed()
    picture = browser_widget.locator("img")
    caption = browser_widget.locator(".widget-html-content")
    picture.wait_for()
    before_caption = caption.inner_text()
    before_pixels = picture.screenshot()
    page.screenshot(path=str(ARTIFACTS / "lesson00-before.png"))

    handle = browser_widget.locator(".noUi-handle")
    handle.focus()
    for _ in range(3):
        handle.press("ArrowRight")
    page.wait_for_function(
        "([el, text]) => el.innerText !== text",
        arg=[caption.element_handle(), before_caption],
    )
    page.wait_for_timeout(300)  # let the new PNG paint
    after_pixels = picture.screenshot()
    page.screenshot(path=str(ARTIFACTS / "lesson00-after.png"))
    print(f"\nscreenshots: {ARTIFACTS}")
    assert caption.inner_text() != before_caption
    image_changed = after_pixels != before_pixels
    assert image_changed, "the slider moved but the digit image did not change"


def test_lesson_10_latent_explorer_redraws_when_a_slider_moves(lab, page):
    base, token = lab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Lesson 10 trains a VAE (fast mode: one epoch) before the explorer: allow a few minutes.
    _open_and_run_all(page, base, token, "notebooks/10_latent_spaces.ipynb",
                      timeout_ms=5 * TIMEOUT_MS)
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.error']")
    assert errors.count() == 0, f"errors in lesson 10: {errors.all_inner_texts()}"
    explorer = page.locator(".course-latent-explorer")
    explorer.scroll_into_view_if_needed()
    picture = explorer.locator("img")
    caption = explorer.locator(".widget-html-content")
    picture.wait_for()
    handles = explorer.locator(".noUi-handle")
    assert handles.count() >= 2, "the explorer should have one slider per code unit"
    before_caption = caption.inner_text()
    before_pixels = picture.screenshot()
    page.screenshot(path=str(ARTIFACTS / "lesson10-explorer-before.png"))

    handle = handles.first
    handle.focus()
    # Five steps of 0.1 on code unit 1, towards 0 (a start code may sit at either end).
    key = "ArrowLeft" if float(handle.get_attribute("aria-valuenow") or 0) > 0 else "ArrowRight"
    for _ in range(5):
        handle.press(key)
    page.wait_for_function(
        "([el, text]) => el.innerText !== text",
        arg=[caption.element_handle(), before_caption],
    )
    page.wait_for_timeout(500)  # let the new PNG paint
    after_pixels = picture.screenshot()
    page.screenshot(path=str(ARTIFACTS / "lesson10-explorer-after.png"))
    assert caption.inner_text() != before_caption
    assert after_pixels != before_pixels, "unit 1 moved but the decoded image did not change"


def test_exercise_feedback_appears_in_the_output(lab, page):
    base, token = lab
    _open_and_run_all(page, base, token, "exercises/00_welcome.ipynb")
    from course_utils.checks.lesson00 import EXERCISES

    not_attempted = page.locator(".course-not_attempted")
    not_attempted.nth(len(EXERCISES) - 1).wait_for()  # every check of exercise 00 said so
    assert not_attempted.count() == len(EXERCISES)
    last_cell = page.locator(".jp-Notebook .jp-Cell").last
    last_cell.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")  # insert a cell below
    page.keyboard.press("Enter")
    page.keyboard.type("checks.scale_pixels.check(lambda images: images / 255 / 255)")
    page.keyboard.press("Shift+Enter")
    feedback = page.locator(".course-incorrect")
    feedback.wait_for()
    page.screenshot(path=str(ARTIFACTS / "exercise00-feedback.png"), full_page=False)
    assert "divided by 255" in feedback.inner_text()
