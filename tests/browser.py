"""Debian's chromium, headless, driven by Selenium through Debian's
chromedriver, for the browser tests. Not a test module itself.

    with chromium(shots_dir) as browser:
        browser.open(server.login_url("/lab"))
        browser.wait(lambda: browser.css(".jp-Notebook"), "the notebook to open")
        browser.shot("01_lab")                     # shots_dir/01_lab.png
"""
import contextlib
import shutil
import tempfile
import time
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from conftest import debian_package

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
INSTALL = "apt-get update && apt-get install -y chromium chromium-driver"


class Browser:
    def __init__(self, driver, shots):
        self.driver, self.shots, self.taken = driver, Path(shots), []

    def open(self, url):
        self.driver.get(url)

    def css(self, selector, within=None, visible=True):
        found = (within or self.driver).find_elements(By.CSS_SELECTOR, selector)
        return [e for e in found if not visible or e.is_displayed()]

    def xpath(self, path):
        return [e for e in self.driver.find_elements(By.XPATH, path) if e.is_displayed()]

    def text(self, selector="body"):
        return " ".join(e.text for e in self.css(selector))

    def wait(self, condition, what, timeout=30):
        """``condition()``'s first truthy value, polled; after ``timeout`` s a failure
        naming ``what``, with a screenshot of the page as it was."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(StaleElementReferenceException, IndexError):
                value = condition()
                if value:
                    return value
            time.sleep(0.3)
        shot = self.shot(f"timeout_{len(self.taken):02d}")
        pytest.fail(f"waited {timeout} s for {what}; the page then: {shot}")

    def keys(self, *strokes):
        """Type: strings as they are, ``(modifier, key)`` pairs as chords."""
        chain = ActionChains(self.driver)
        for stroke in strokes:
            if isinstance(stroke, tuple):
                chain.key_down(stroke[0]).send_keys(stroke[1]).key_up(stroke[0])
            else:
                chain.send_keys(stroke)
        chain.perform()

    def center(self, element):
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        time.sleep(0.3)
        return element

    def shot(self, name):
        path = self.shots / f"{name}.png"
        self.driver.save_screenshot(str(path))
        self.taken.append(path)
        return path


def _installed():
    for program, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not Path(program).exists():
            debian_package(package)  # as root; elsewhere a failure saying how
        if not Path(program).exists():
            pytest.fail(f"{program} is missing: `sudo {INSTALL}` (.ci/run does)")


@contextlib.contextmanager
def chromium(shots, width=1400, height=900):
    """A headless chromium of its own (fresh profile, no proxy, this window size);
    yields a :class:`Browser` saving screenshots into ``shots``; always quits."""
    _installed()
    profile = tempfile.mkdtemp(prefix="scratchnn-chromium-", dir="/var/tmp")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--no-proxy-server",
                f"--window-size={width},{height}", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    except WebDriverException as exc:
        shutil.rmtree(profile, ignore_errors=True)
        pytest.fail(f"chromium did not start under chromedriver ({exc.msg}); reinstall with `sudo {INSTALL}`")
    try:
        yield Browser(driver, shots)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


__all__ = ["Browser", "By", "Keys", "chromium"]
