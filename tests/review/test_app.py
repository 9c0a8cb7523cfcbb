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
        ("POST", "/admin/pengguna/rina/buka", {}, "admin"),
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
        "/admin/pengguna/{name}/buka": "/admin/pengguna/rina/buka",
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


# --- issue 14: faults found by trying the app as an attacker would ---------------------------


def test_parallel_wrong_passwords_cannot_pass_the_limit_together(app):
    """30 attempts at once: the count is taken and the attempt recorded in one step, before
    argon2 runs, so at most the limit (5) are even tried."""
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_):
        return login(TestClient(app), "rina", "salah-sandi-xx").status_code

    with ThreadPoolExecutor(max_workers=30) as pool:
        codes = list(pool.map(attempt, range(30)))
    assert codes.count(401) <= 5 and codes.count(429) >= 25, codes


def test_a_locked_user_is_told_when_and_an_admin_can_unlock(app):
    for _ in range(5):
        login(TestClient(app), "rina", "salah-sandi-xx")
    refused = login(TestClient(app), "rina")
    assert refused.status_code == 429
    assert re.search(r"Coba lagi dalam 1[45] menit", refused.text), refused.text
    admin, csrf = signed_in(app, "adi")
    page = admin.get("/admin").text
    assert "terkunci" in page and "/admin/pengguna/rina/buka" in page
    admin.post("/admin/pengguna/rina/buka", data={"csrf_token": csrf})
    assert "terkunci" not in admin.get("/admin").text
    assert login(TestClient(app), "rina").status_code == 303


def test_only_the_configured_proxy_may_set_the_client_address(app):
    from sqlalchemy import select
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    from review.cli import proxy_options
    from review.tables import login_attempts

    assert proxy_options(ReviewSettings(), proxy=False) == {"proxy_headers": False}
    options = proxy_options(ReviewSettings(), proxy=True)
    assert options["forwarded_allow_ips"] == "127.0.0.1"
    # The test client's own address is "testclient": not the proxy, so its header is ignored.
    client = TestClient(ProxyHeadersMiddleware(app, trusted_hosts=options["forwarded_allow_ips"]))
    client.headers["X-Forwarded-For"] = "10.9.9.9"
    login(client, "rina", "salah-sandi-xx")
    with app.state.ctx.engine.connect() as connection:
        addresses = set(connection.execute(select(login_attempts.c.address)).scalars())
    assert addresses == {"testclient"}


def test_a_non_ascii_csrf_token_is_refused_not_a_500(app, crafted: Crafted):
    client, _ = signed_in(app, "rina")
    response = client.post(f"/kasus/{crafted.submission}/setujui", data={"csrf_token": "ä" * 43})
    assert response.status_code == 403
    form = client.get("/masuk")
    response = client.post(
        "/masuk", data={"name": "rina", "password": "x", "csrf_token": "ü"}, follow_redirects=False
    )
    assert form.status_code == 200 and response.status_code == 403


def _drop_corrections(app) -> None:
    from sqlalchemy import text

    with app.state.ctx.engine.begin() as connection:
        connection.execute(text("DROP TABLE review_correction"))


def test_a_500_keeps_the_security_headers(app, crafted: Crafted):
    client, csrf = signed_in(app, "rina")
    _drop_corrections(app)
    client = TestClient(app, raise_server_exceptions=False, cookies=client.cookies)
    form = {"csrf_token": csrf, "sha256": crafted.letter_sha, "page": "1", "field": "nik",
            "value": crafted.nik}  # fmt: skip
    response = client.post(f"/kasus/{crafted.submission}/isian", data=form)
    assert response.status_code == 500
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options"):
        assert header in response.headers, header
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("field", "value"),
    [("members.0.__class__", "x"), ("members.0.model_dump", "x"), ("nik", "1" * 1_000_000)],
    ids=["dunder", "method", "1 MB"],
)
def test_a_crafted_field_or_a_huge_value_is_a_400(app, crafted: Crafted, field, value):
    client, csrf = signed_in(app, "rina")
    form = {"csrf_token": csrf, "sha256": crafted.letter_sha, "page": "1", "field": field,
            "value": value}  # fmt: skip
    kk = {**form, "sha256": "c" * 64}  # the KK has the member table
    for data in (form, kk):
        assert client.post(f"/kasus/{crafted.submission}/isian", data=data).status_code == 400


def test_error_text_from_the_address_bar_is_never_shown(app):
    phishing = "Sesi habis. Kirim kata sandi Anda ke wa.me/6281234567890"
    assert phishing not in TestClient(app).get("/masuk", params={"error": phishing}).text
    admin, _ = signed_in(app, "adi")
    assert phishing not in admin.get("/admin", params={"error": phishing}).text
    assert phishing not in admin.get("/admin", params={"galat": phishing}).text
    assert "sudah ada" in admin.get("/admin", params={"galat": "ada"}).text


def test_the_server_log_of_a_500_holds_no_nik_and_no_diagnosis(crafted: Crafted, tmp_path: Path):
    """The real `reaktivasi review serve`: a correction whose write fails (its table is gone)
    is a 500; the database error would list the NIK and the diagnosis it tried to store."""
    import socket
    import subprocess
    import sys
    import time

    import httpx
    from sqlalchemy import text

    from pipeline.state import engine_for

    repo = Path(__file__).resolve().parents[2]
    engine = engine_for(crafted.state_url)
    import review.tables  # noqa: F401
    from models.tables import metadata

    metadata.create_all(engine)
    auth.add_user(engine, "rina", PASSWORDS["rina"], auth.Role.reviewer)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log_path = tmp_path / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "review", "serve", "--out", str(crafted.out),
             "--port", str(port)],
            cwd=repo, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(300):
                try:
                    if httpx.get(f"{url}/masuk", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            client = httpx.Client(base_url=url)
            form = client.get("/masuk").text
            signin = {"name": "rina", "password": PASSWORDS["rina"], "csrf_token": csrf_of(form)}
            client.post("/masuk", data=signin)
            csrf = csrf_of(client.get("/antrian").text)
            with engine.begin() as connection:
                connection.execute(text("DROP TABLE review_correction"))
            diagnosis = "Gagal ginjal kronik stadium 5 dengan hemodialisis"
            for field, value in (("nik", crafted.nik), ("diagnosis", diagnosis)):
                response = client.post(
                    f"/kasus/{crafted.submission}/isian",
                    data={"csrf_token": csrf, "sha256": crafted.letter_sha, "page": "1",
                          "field": field, "value": value},
                )  # fmt: skip
                assert response.status_code == 500
            client.get(f"/kasus/{crafted.submission}?nik={crafted.nik}")
        finally:
            server.terminate()
            server.wait(timeout=30)
    text_ = log_path.read_text()
    assert "Traceback" in text_ and "review_correction" in text_  # the fault is in the log
    assert "********" in text_  # the access-log line with the NIK in the URL is kept, masked
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", text_)
    assert "Gagal ginjal" not in text_ and "hemodialisis" not in text_


def test_the_ticked_reasons_alone_send_a_case_back(app, crafted: Crafted):
    """One click: the suspected reasons come ticked, a note is optional; nothing at all is a 400."""
    import json

    client, csrf = signed_in(app, "rina")
    case = f"/kasus/{crafted.submission}"
    empty = client.post(f"{case}/kembalikan", data={"csrf_token": csrf, "note": ""})
    assert empty.status_code == 400
    response = client.post(
        f"{case}/kembalikan", data={"csrf_token": csrf, "codes": ["diagnosis_missing"]}
    )
    assert response.status_code == 200
    reply = json.loads((crafted.out / "outbox" / f"{crafted.submission}.json").read_text())
    assert [r["code"] for r in reply["reasons"]] == ["diagnosis_missing"]
    assert "Catatan petugas" not in reply["reply"]
