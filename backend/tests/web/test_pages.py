"""The pages and assets as HTTP: caching, the Content-Security-Policy, security headers."""

from __future__ import annotations

import re

import httpx
import pytest

from app.web.router import STATIC_DIR, content_security_policy


@pytest.mark.parametrize("path", ["/", "/play/some-token"])
async def test_pages_are_never_cached_and_allow_only_this_origin(
    client: httpx.AsyncClient, path: str
) -> None:
    r = await client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["cache-control"] == "no-store"
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "connect-src 'self' ws://testserver wss://testserver" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    # The API's own headers still apply.
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-request-id"]
    # No inline scripts or styles anywhere: the policy would block them.
    assert "<script>" not in r.text
    assert " style=" not in r.text
    assert "/static/js/" in r.text


async def test_pages_answer_head(client: httpx.AsyncClient) -> None:
    assert (await client.head("/")).status_code == 200


async def test_assets_have_a_short_cache_and_validators(client: httpx.AsyncClient) -> None:
    r = await client.get("/static/js/console/app.js")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert r.headers["cache-control"] == "public, max-age=300"
    assert r.headers["x-content-type-options"] == "nosniff"
    again = await client.get(
        "/static/js/console/app.js", headers={"If-None-Match": r.headers["etag"]}
    )
    assert again.status_code == 304
    css = await client.get("/static/css/app.css")
    assert css.headers["content-type"].startswith("text/css")


@pytest.mark.parametrize(
    "path", ["/static/nope.js", "/static/../main.py", "/static/%2e%2e/main.py"]
)
async def test_nothing_outside_the_static_directory(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 404


async def test_the_api_is_untouched(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/health")
    assert r.status_code == 200
    assert "content-security-policy" not in r.headers


def test_a_forged_host_cannot_widen_the_policy() -> None:
    assert "evil" not in content_security_policy("x; script-src evil")
    assert "ws://[::1]:8000" in content_security_policy("[::1]:8000")


def test_every_script_is_a_module_that_exists() -> None:
    for page in ("index.html", "play.html"):
        text = (STATIC_DIR / page).read_text()
        assert '<script type="module" src="/static/js/' in text
    scripts = [*(STATIC_DIR / "js").rglob("*.js"), *(STATIC_DIR / "vendor").glob("*.js")]
    for script in scripts:
        text = script.read_text()
        for target in re.findall(r'(?:^import |^export |\bfrom ?)"(\.{1,2}/[^"]+)"', text, re.M):
            assert (script.parent / target).exists(), f"{script.name}: {target}"
        # Bare specifiers ("preact") need an import map, which the CSP would block.
        assert not re.search(r'from ?"(?!\.{1,2}/)[^"]+"', text), script.name
        if script.parent.name != "vendor":  # Preact itself knows innerHTML; we never use it
            assert "innerHTML" not in text, script.name


def test_the_vendored_libraries_keep_their_licences() -> None:
    vendor = STATIC_DIR / "vendor"
    for name in ("preact", "htm", "preact-signals", "preact-signals-core"):
        assert (vendor / "licenses" / f"{name}.txt").read_text().strip()
    assert "preact" in (vendor / "VERSIONS.txt").read_text()
