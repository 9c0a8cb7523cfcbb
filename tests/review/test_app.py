"""The app through FastAPI's TestClient: who may open what, login safety, the review steps."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from review import auth
from review.app import create_app
from review.settings import ReviewSettings
from tests.review.crafted import AS_OF, Crafted, craft

PASSWORDS = {"rina": "reviewer-sandi-1", "adi": "admin-sandi-12"}


@pytest.fixture
def crafted(tmp_path: Path) -> Crafted:
    return craft(tmp_path / "out")


@pytest.fixture
def app(crafted: Crafted):
    app = create_app(ReviewSettings(out=crafted.out, as_of=AS_OF))
    engine = app.state.ctx.engine
    auth.add_user(engine, "rina", PASSWORDS["rina"], auth.Role.reviewer)
    auth.add_user(engine, "adi", PASSWORDS["adi"], auth.Role.admin)
    return app


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def login(client: TestClient, name: str, password: str | None = None):
    form = client.get("/masuk")
    return client.post(
        "/masuk",
        data={
            "name": name,
            "password": password or PASSWORDS[name],
            "csrf_token": csrf_of(form.text),
            "next": "/antrian",
        },
        follow_redirects=False,
    )


def signed_in(app, name: str | None) -> tuple[TestClient, str]:
    client = TestClient(app)
    if name is None:
        return client, ""
    assert login(client, name).status_code == 303
    return client, csrf_of(client.get("/antrian").text)


# (method, path, form, who may: "anyone" | "user" | "admin")
def routes(c: Crafted) -> list[tuple[str, str, dict, str]]:
    case = f"/kasus/{c.submission}"
    field = {"sha256": c.letter_sha, "page": "1", "field": "nik", "value": c.nik}
    return [
        ("GET", "/masuk", {}, "anyone"),
        ("GET", "/static/review.css", {}, "anyone"),
        ("GET", "/", {}, "user"),
        ("GET", "/antrian", {}, "user"),
        ("GET", "/antrian?status=semua&prioritas=urgent&kecamatan=CIBINONG", {}, "user"),
        ("GET", "/dasbor", {}, "user"),
        ("GET", case, {}, "user"),
        ("GET", f"{case}/halaman/{c.letter_sha}/1.png", {}, "user"),
        ("POST", f"{case}/isian", field, "user"),
        ("POST", f"{case}/isian", {**field, "action": "accept"}, "user"),
        ("POST", f"{case}/setujui", {"reason": "ok"}, "user"),
        ("POST", f"{case}/kembalikan", {"codes": "missing_sktm", "note": "SKTM kurang"}, "user"),
        ("POST", "/keluar", {}, "user"),
        ("GET", "/admin", {}, "admin"),
        ("GET", "/admin/ekspor/worklist.csv", {}, "admin"),
        ("GET", "/admin/ekspor/worklist.xlsx", {}, "admin"),
        ("POST", "/admin/pengguna", {"name": "budi", "password": "sandi-budi-123",
                                     "role": "reviewer"}, "admin"),
        ("POST", "/admin/pengguna/rina/status", {"active": "1"}, "admin"),
    ]  # fmt: skip


ALLOWED = {
    None: {"anyone"},
    "rina": {"anyone", "user"},
    "adi": {"anyone", "user", "admin"},
}


@pytest.mark.parametrize("who", [None, "rina", "adi"], ids=["anonymous", "reviewer", "admin"])
def test_authorisation_matrix(app, crafted: Crafted, who: str | None):
    client, csrf = signed_in(app, who)
    # One session for every route; the logout, which ends it, comes last.
    ordered = sorted(routes(crafted), key=lambda r: r[1] == "/keluar")
    for method, path, form, needs in ordered:
        if method == "GET":
            response = client.get(path, follow_redirects=False)
        else:
            response = client.post(path, data={**form, "csrf_token": csrf}, follow_redirects=False)
        where = f"{who or 'anonymous'} {method} {path}"
        if needs in ALLOWED[who]:
            expected = {"GET": 303 if path == "/" else 200, "POST": 303}[method]
            assert response.status_code == expected, where
            if method == "POST":
                assert not response.headers["location"].startswith("/masuk?next="), where
        elif who is None:
            assert response.status_code == 303, where
            assert response.headers["location"].startswith("/masuk?next="), where
        else:
            assert response.status_code == 403, where


def test_every_route_is_in_the_matrix(app, crafted: Crafted):
    """A new route must be added to the matrix above, with who may use it."""
    declared = {
        (r.path, m)
        for r in app.routes
        if hasattr(r, "methods") and r.path not in ("/static",)
        for m in r.methods
        if m in ("GET", "POST")
    }
    c = crafted
    concrete = {
        "/kasus/{submission}": f"/kasus/{c.submission}",
        "/kasus/{submission}/halaman/{sha256}/{number}.png": (
            f"/kasus/{c.submission}/halaman/{c.letter_sha}/1.png"
        ),
        "/kasus/{submission}/isian": f"/kasus/{c.submission}/isian",
        "/kasus/{submission}/setujui": f"/kasus/{c.submission}/setujui",
        "/kasus/{submission}/kembalikan": f"/kasus/{c.submission}/kembalikan",
        "/admin/pengguna/{name}/status": "/admin/pengguna/rina/status",
        "/admin/ekspor/worklist.{kind}": "/admin/ekspor/worklist.csv",
    }
    tested = {(p.split("?")[0], m) for m, p, _, _ in routes(crafted)}
    tested.add(("/masuk", "POST"))  # the login itself: the login tests below
    for path, method in declared:
        assert (concrete.get(path, path), method) in tested, f"{method} {path} is not in the matrix"


def test_post_without_or_with_wrong_csrf_token_changes_nothing(app, crafted: Crafted):
    client, _ = signed_in(app, "rina")
    case = f"/kasus/{crafted.submission}"
    form = {"sha256": crafted.letter_sha, "page": "1", "field": "nik", "value": crafted.nik}
    assert client.post(f"{case}/isian", data=form).status_code == 403
    assert client.post(f"{case}/isian", data={**form, "csrf_token": "x" * 43}).status_code == 403
    # Another session's token is not this session's.
    _, other = signed_in(app, "adi")
    assert client.post(f"{case}/setujui", data={"csrf_token": other}).status_code == 403
    page = client.get(case).text
    assert "Belum ada perubahan" in page
    assert crafted.misread in page


def test_login_form_needs_its_csrf_cookie(app):
    client = TestClient(app)
    response = client.post(
        "/masuk",
        data={"name": "rina", "password": PASSWORDS["rina"], "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_session_cookie_flags(app, crafted: Crafted):
    client = TestClient(app)
    cookie = login(client, "rina").headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert "Secure" not in cookie
    https = TestClient(app, base_url="https://testserver")
    assert "Secure" in login(https, "rina").headers["set-cookie"]
    secure_app = create_app(ReviewSettings(out=crafted.out, secure_cookies=True))
    # Behind a TLS proxy the app sees http: the setting makes even the login cookie Secure.
    assert "Secure" in TestClient(secure_app).get("/masuk").headers["set-cookie"]


def test_login_is_rate_limited_per_user(app):
    client = TestClient(app)
    for _ in range(5):
        assert login(client, "rina", "salah-sandi-xx").status_code == 401
    # Even the right password is refused until the window passes.
    refused = login(client, "rina")
    assert refused.status_code == 429
    assert "Terlalu banyak percobaan" in refused.text
    # Another user from elsewhere is not locked out by rina's failures.
    assert login(TestClient(app), "adi").status_code == 303


def test_a_disabled_user_is_logged_out(app):
    client, _ = signed_in(app, "rina")
    assert client.get("/antrian", follow_redirects=False).status_code == 200
    auth.set_active(app.state.ctx.engine, "rina", False)
    assert client.get("/antrian", follow_redirects=False).status_code == 303
    assert login(TestClient(app), "rina").status_code == 401


def test_passwords_are_stored_as_argon2_hashes(app):
    from sqlalchemy import select

    from review.tables import users

    with app.state.ctx.engine.connect() as connection:
        stored = connection.execute(select(users.c.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") for h in stored)
    assert not any(p in h for h in stored for p in PASSWORDS.values())


def test_nik_is_masked_in_lists_and_whole_on_the_case(app, crafted: Crafted):
    client, _ = signed_in(app, "rina")
    queue = client.get("/antrian").text
    assert crafted.submission in queue
    assert crafted.misread not in queue and crafted.nik not in queue
    assert f"{crafted.misread[:4]}********{crafted.misread[-4:]}" in queue
    case = client.get(f"/kasus/{crafted.submission}").text
    assert crafted.misread in case


def test_correct_then_approve_decides_again(app, crafted: Crafted):
    client, csrf = signed_in(app, "rina")
    case = f"/kasus/{crafted.submission}"
    assert 'data-status="needs_review"' in client.get(case).text
    client.post(
        f"{case}/isian",
        data={
            "csrf_token": csrf,
            "sha256": crafted.letter_sha,
            "page": "1",
            "field": "nik",
            "value": f" {crafted.nik[:8]} {crafted.nik[8:]} ",
            "reason": "sesuai KTP",
        },
    )
    client.post(f"{case}/setujui", data={"csrf_token": csrf})
    page = client.get(case).text
    assert 'data-status="ready"' in page
    assert "sesuai KTP" in page and crafted.misread in page
    # The worklist an admin downloads carries the corrected case with its NIK as text.
    admin, _ = signed_in(app, "adi")
    csv = admin.get("/admin/ekspor/worklist.csv").content.decode("utf-8-sig")
    assert crafted.nik in csv and crafted.submission in csv
    # The published outputs were rewritten from the decision table.
    decisions = (crafted.out / "decisions.jsonl").read_text()
    assert '"status": "ready"' in decisions


def test_return_to_applicant_writes_the_reply(app, crafted: Crafted):
    import json

    client, csrf = signed_in(app, "rina")
    case = f"/kasus/{crafted.submission}"
    response = client.post(
        f"{case}/kembalikan",
        data={"csrf_token": csrf, "codes": ["nik_unreadable"], "note": "Foto KTP buram."},
    )
    assert response.status_code == 200
    assert 'data-status="needs_correction"' in response.text
    reply = json.loads((crafted.out / "outbox" / f"{crafted.submission}.json").read_text())
    assert reply["status"] == "needs_correction"
    assert [r["code"] for r in reply["reasons"]] == ["nik_unreadable"]
    assert "Catatan petugas: Foto KTP buram." in reply["reply"]
    assert "NIK pada dokumen tidak dapat kami baca" in reply["reply"]


def test_unknown_case_and_foreign_page_are_not_found(app, crafted: Crafted):
    client, _ = signed_in(app, "rina")
    assert client.get("/kasus/tidak-ada").status_code == 404
    other = "d" * 64
    assert client.get(f"/kasus/{crafted.submission}/halaman/{other}/1.png").status_code == 404


def test_login_redirect_stays_on_this_site(app):
    client = TestClient(app)
    form = client.get("/masuk?next=https://evil.example/")
    assert 'name="next" value="/antrian"' in form.text
    response = client.post(
        "/masuk",
        data={
            "name": "rina",
            "password": PASSWORDS["rina"],
            "csrf_token": csrf_of(form.text),
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/antrian"
