"""A photo sent in the web chat, in a real browser (Debian's Chromium driven by Playwright): a
customer registering a washing machine attaches a photo of its nameplate with the paperclip;
the page shows it as a thumbnail, the bot process keeps it, its photo reader has the backend
read it, and the bot says what it read (the test refreshes `docs/webchat-photo.png`). A photo over 10 MB is turned away by the page, politely,
before anything is sent. (The upload route's refusals: tests/bot/test_webchat_upload.py.)"""

from __future__ import annotations

import re

import pytest

from tests.backend.products.photos.generate import font_path, sample
from tests.e2e.conftest import DOCS
from tests.e2e.test_webchat_browser import bot_says

pytestmark = [pytest.mark.postgres, pytest.mark.rasa,
              pytest.mark.skipif(font_path() is None, reason="no CJK font to draw the photos: "
                                 "install Debian's fonts-noto-cjk (CI does)")]

# A TCL washing machine's rating plate, in English: its model and serial number.
NAMEPLATE = sample("nameplate", "en", 0)


def test_a_nameplate_photo_sent_in_the_browser_is_read_into_the_registration(
        stack, browser, tmp_path):
    assert NAMEPLATE.truth["category"] == "洗衣机"
    photo = tmp_path / "nameplate.jpg"
    photo.write_bytes(NAMEPLATE.jpeg)
    page = browser.new_page(locale="en-GB")
    page.goto(f"{stack.bot_url}/chat")
    page.fill("#text", "I want to register my new washing machine")
    page.press("#text", "Enter")
    bot_says(page, "Which brand")

    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="发送照片 · Send a photo").click()
    chooser.value.set_files(photo)
    thumbnail = page.locator(".msg.me.photo img")
    thumbnail.wait_for()
    # Shown from the page's own copy (the page's policy allows blob: images).
    page.wait_for_function(
        "() => { const img = document.querySelector('.msg.me.photo img');"
        " return img && img.complete && img.naturalWidth > 0; }")
    bot_says(page, "Got your photo")

    read = bot_says(page, "From your photo I read", timeout=120_000).inner_text()
    truth = NAMEPLATE.truth
    for field, key in (("Brand", "brand"), ("Model", "model"), ("Serial number", "serial")):
        assert f"{field}: {truth[key]}" in read, read
    bot_says(page, re.escape("When did you buy"))  # the next question the photo did not answer
    assert page.locator(".msg.me.photo.failed").count() == 0
    page.screenshot(path=str(DOCS / "webchat-photo.png"), full_page=True)
    page.close()


def test_a_photo_over_10_mb_is_turned_away_by_the_page(stack, browser):
    page = browser.new_page(locale="en-GB")
    uploads = []
    page.on("request", lambda request: uploads.append(request.url)
            if "/chat/upload" in request.url else None)
    page.goto(f"{stack.bot_url}/chat")
    page.set_input_files("#photo", files=[{
        "name": "huge.jpg", "mimeType": "image/jpeg",
        "buffer": b"\xff\xd8\xff" + b"\0" * (10 * 1024 * 1024)}])
    page.locator(".msg.note").filter(has_text="larger than 10 MB").wait_for()
    assert page.locator(".msg.me.photo").count() == 0 and uploads == []
    page.close()
