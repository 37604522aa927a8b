"""The course website (`make site`): every lesson has a page, every link resolves, nothing is
loaded from the internet, and in headless Chromium a learner can go from the home page to lesson
08, see its figures and equations, and find a glossary term with the search box.

The site is built once for this module (site/build.py into a temporary folder, from the stored
notebooks; nothing is executed). Screenshots go to test-artifacts/site/.
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import sys
import threading
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from headless_chromium import CHROMIUM, CHROMIUM_FLAGS, chromium_or_skip

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts" / "site"
LESSONS = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
LESSON_08 = next(stem for stem in LESSONS if stem.startswith("08_"))
SEARCH_TERM = "discriminator"  # a glossary term of lesson 08


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The website, built once from the stored notebooks into a temporary folder."""
    out = tmp_path_factory.mktemp("site") / "html"
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(ROOT / "site" / "build.py"), "--out", str(out)],
        capture_output=True, text=True, cwd=ROOT,
    )
    seconds = time.perf_counter() - start
    assert result.returncode == 0, f"make site failed:\n{result.stdout}\n{result.stderr[-4000:]}"
    print(f"\nsite built in {seconds:.0f} s")
    return out


class _Page(HTMLParser):
    """The links, resources and element ids of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.resources: list[str] = []
        self.ids: set[str] = set()
        self.next: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in {"script", "img", "iframe", "source"} and attrs.get("src"):
            self.resources.append(attrs["src"])
        if tag == "link" and attrs.get("href") and attrs.get("rel") in {"stylesheet", "icon"}:
            self.resources.append(attrs["href"])
        if tag == "link" and attrs.get("rel") == "next":
            self.next = attrs.get("href")


@functools.cache
def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _pages(site: Path) -> list[Path]:
    """The site's pages (not the theme's template fragments in _static/)."""
    return sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts)


def test_every_lesson_has_a_lesson_an_exercise_and_a_solutions_page(site):
    assert LESSONS, "no lessons found in notebooks/"
    home = _parse(site / "index.html")
    for stem in LESSONS:
        for page in (f"notebooks/{stem}.html", f"exercises/{stem}.html",
                     f"solutions/{stem}.html"):
            assert (site / page).exists(), f"the website has no page {page} for lesson {stem}"
        solutions = (site / "solutions" / f"{stem}.html").read_text(encoding="utf-8")
        assert "<title>Solutions " in solutions, f"solutions/{stem}: title it as solutions"
        assert f"notebooks/{stem}.html" in home.links, (
            f"the home page's syllabus does not link to lesson {stem}"
        )
    for stem, following in zip(LESSONS, LESSONS[1:], strict=False):
        after = _parse(site / "notebooks" / f"{stem}.html").next
        assert after == f"{following}.html", (
            f"lesson {stem}'s 'next' page is {after}, not lesson {following}"
        )


def test_every_local_link_and_resource_exists(site):
    broken = []
    for path in _pages(site):
        page = _parse(path)
        for target in page.links + page.resources:
            parts = urlsplit(target)
            if parts.scheme or target.startswith("//"):
                continue  # external: a link the reader may follow, not part of the site
            file = path if not parts.path else (path.parent / unquote(parts.path)).resolve()
            if file.is_dir():
                file = file / "index.html"
            name = f"{path.relative_to(site)} -> {target}"
            if not file.exists():
                broken.append(f"{name} (no such file)")
            elif parts.fragment and file.suffix == ".html" and target in page.links:
                if unquote(parts.fragment) not in _parse(file).ids:
                    broken.append(f"{name} (no such anchor)")
    assert not broken, "broken links on the website:\n" + "\n".join(broken[:40])


def test_no_page_loads_anything_from_the_internet(site):
    external = [
        f"{path.relative_to(site)}: {src}"
        for path in _pages(site) for src in _parse(path).resources
        if urlsplit(src).scheme in {"http", "https"} or src.startswith("//")
    ]
    assert not external, "pages load scripts, styles or images from the internet:\n" + "\n".join(
        external[:20])


def test_lesson_pages_say_how_to_run_them_and_widgets_show_their_picture(site):
    for stem in LESSONS:
        html = (site / "notebooks" / f"{stem}.html").read_text(encoding="utf-8")
        text = " ".join(re.sub(r"<[^>]+>", "", html).split())
        for needed in ("make lab", "Binder", "Colab"):
            assert needed in text, f"lesson page {stem} does not say how to run it ({needed})"
        assert "widget-view+json" not in html and "@jupyter-widgets" not in html
    lesson_00 = (site / "notebooks" / f"{LESSONS[0]}.html").read_text(encoding="utf-8")
    picture_then_note = re.search(r"<img[^>]+>(?:(?!<img).)*?course-widget-note", lesson_00,
                                  flags=re.DOTALL)
    assert picture_then_note, "lesson 00's digit browser should show its picture, then the note"
    assert "runs in JupyterLab" in lesson_00


# ---------------------------------------------------------------- in headless Chromium


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def served(site):
    """The built site on a loopback port, as a reader's browser would get it."""
    handler = functools.partial(_Quiet, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.e2e
def test_home_to_lesson_08_figures_equations_and_search(served):
    chromium_or_skip("the website's browser test")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    outside, failed = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)

        def only_the_site(route):
            if route.request.url.startswith(served):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_the_site)
        page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400
                else None)

        page.goto(f"{served}/index.html")
        page.screenshot(path=str(ARTIFACTS / "home.png"))
        syllabus = page.locator("table").filter(has_text="GANs vs autoencoders")
        page.locator("#syllabus h2").evaluate("heading => heading.scrollIntoView()")
        page.screenshot(path=str(ARTIFACTS / "home-syllabus.png"))
        syllabus.get_by_role("link", name="GANs vs autoencoders").click()
        page.wait_for_url(f"**/notebooks/{LESSON_08}.html")

        images = page.evaluate(
            """() => Promise.all([...document.querySelectorAll('article img')].map(img => {
                   img.loading = 'eager';
                   return img.decode().then(() => img.naturalWidth, () => 0)
                       .then(width => [img.getAttribute('src'), width]);
               }))"""
        )
        assert len(images) >= 5, f"lesson 08 should show its figures, found {len(images)} images"
        broken = [src for src, width in images if width == 0]
        assert not broken, f"broken images on lesson 08: {broken}"

        page.wait_for_function(
            "() => window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0"
            " && document.querySelectorAll('.math .MathJax, .math .MathJax_Display').length > 0",
        )
        rendered = page.locator(".math .MathJax").first
        rendered.scroll_into_view_if_needed()
        box = rendered.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, "an equation did not render"
        assert page.locator(".MathJax_Error, .math merror").count() == 0, "MathJax errors"
        page.screenshot(path=str(ARTIFACTS / "lesson08.png"))

        page.locator("button.search-button-field:visible").first.click()
        search_box = page.locator("form.bd-search input[name='q']:visible").first
        search_box.fill(SEARCH_TERM)
        search_box.press("Enter")
        page.wait_for_url("**/search.html?q=*")
        hit = page.locator("#search-results a[href*='GLOSSARY.html']").first
        hit.wait_for()
        page.screenshot(path=str(ARTIFACTS / "search.png"))
        hit.click()
        page.wait_for_url("**/GLOSSARY.html*")
        assert page.get_by_text("The GAN network that tells real samples", exact=False).count()
        browser.close()
    print(f"\nscreenshots: {ARTIFACTS}")
    assert not outside, f"the site asked the internet for: {outside[:10]}"
    assert not failed, f"requests that failed on the site: {failed[:10]}"
