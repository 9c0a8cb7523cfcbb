"""The app factory and its routes: thin handlers over `review.*` and
`pipeline.cases.review_decision`.

Every page but the login needs a session; every POST needs the session's CSRF token; admin
pages need the admin role. Responses carry a strict Content-Security-Policy (scripts and
styles from /static only) and are not cached, since they hold personal data.
"""

from __future__ import annotations

import logging
import math
import secrets
import threading
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from typing import Annotated
from urllib.parse import quote, urlsplit

from fastapi import BackgroundTasks, Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from extractors.nik import mask_nik
from models import ReasonCode
from pipeline.cases import route as route_module
from pipeline.cases.decide import CORRECTION
from pipeline.cases.policy import Policy, load_policy
from pipeline.cases.route import publish
from pipeline.config import Settings, get_settings
from pipeline.state import engine_for
from pipeline.state import state_url as pipeline_state_url
from pipeline.storage import Storage, open_location
from review import actions, auth, labels
from review.cases import load_case, when
from review.dashboard import load_dashboard
from review.pages import PageMissing, page_png
from review.queue import ALL, PRIORITIES, STATUSES, CaseIndex, load_queue
from review.settings import ReviewSettings

log = logging.getLogger(__name__)
SESSION_COOKIE = "reaktivasi_sesi"
LOGIN_CSRF_COOKIE = "reaktivasi_csrf_masuk"
PACKAGE = resources.files("review")


SERVER_ERROR = (
    "<!doctype html><html lang=id><title>Kesalahan server</title>"
    "<p>Terjadi kesalahan di server. Perubahan Anda mungkin belum tersimpan; coba lagi atau "
    "hubungi admin.</p></html>"
)
ADMIN_ERRORS = {
    "nama": "Nama pengguna 1-64 huruf, angka, '.', '_' atau '-'.",
    "sandi": f"Kata sandi paling sedikit {auth.MIN_PASSWORD_LENGTH} karakter.",
    "ada": "Nama pengguna itu sudah ada.",
    "peran": "Peran tidak dikenal.",
    "diri": "Anda tidak dapat menonaktifkan diri sendiri.",
}


class LoginRequired(Exception):
    """No valid session: the browser is sent to the login page."""


@dataclass
class Context:
    """What every handler needs, built once by the factory."""

    settings: ReviewSettings
    pipeline: Settings
    engine: Engine
    storage: Storage
    policy: Policy
    index: CaseIndex

    def as_of(self) -> date:
        return self.settings.as_of or date.today()


def state_url(settings: ReviewSettings, pipeline: Settings) -> str:
    """The database `process` wrote: same rules, same file, unless the review sets its own."""
    return settings.state_url or pipeline_state_url(str(settings.out), pipeline)


def current_session(request: Request) -> auth.Session:
    ctx: Context = request.app.state.ctx
    found = auth.load_session(ctx.engine, request.cookies.get(SESSION_COOKIE))
    if found is None:
        raise LoginRequired()
    return found


def admin_session(
    current: Annotated[auth.Session, Depends(current_session)],
) -> auth.Session:
    if not current.user.is_admin:
        raise HTTPException(403, "Halaman ini hanya untuk admin.")
    return current


Signed = Annotated[auth.Session, Depends(current_session)]
Admin = Annotated[auth.Session, Depends(admin_session)]


def create_app(settings: ReviewSettings | None = None) -> FastAPI:
    settings = settings or ReviewSettings()
    pipeline = get_settings()
    import review.tables  # noqa: F401  (the review tables join the metadata before create_all)

    engine = engine_for(state_url(settings, pipeline))
    from models.tables import metadata

    metadata.create_all(engine)
    storage, _ = open_location(str(settings.out), pipeline)
    ctx = Context(
        settings, pipeline, engine, storage, load_policy(settings.policy_file), CaseIndex(engine)
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        """Under a server, the queue's copy of the decisions follows `process` runs."""
        stop = threading.Event()
        follower = threading.Thread(
            target=ctx.index.follow, args=(stop,), name="review-index", daemon=True
        )
        follower.start()
        yield
        stop.set()
        follower.join(timeout=5)

    app = FastAPI(
        title="Reaktivasi PBI-JK — peninjauan",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    templates = Jinja2Templates(directory=str(PACKAGE / "templates"))
    templates.env.globals.update(
        labels=labels, mask_nik=mask_nik, when=when, statuses=STATUSES, priorities=PRIORITIES
    )
    app.mount("/static", StaticFiles(directory=str(PACKAGE / "static")), name="static")

    @app.middleware("http")
    async def headers(request: Request, call_next):
        started = time.perf_counter()
        try:
            response = await call_next(request)
        except Exception:  # logged (masked) here; the 500 page gets the headers below
            log.exception("%s %s failed", request.method, request.url.path)
            response = HTMLResponse(SERVER_ERROR, status_code=500)
        elapsed = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        )
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, _exc: LoginRequired):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/masuk?next={quote(target)}", status_code=303)

    def secure(request: Request) -> bool:
        return settings.secure_cookies or request.url.scheme == "https"

    async def form_of(request: Request, current: auth.Session) -> dict[str, str]:
        """The posted form, after its CSRF token was checked against the session's."""
        form = await request.form()
        values = {k: str(v) for k, v in form.multi_items() if isinstance(v, str)}
        if not auth.same_token(current.csrf, values.get("csrf_token")):
            raise HTTPException(403, "Token formulir (CSRF) tidak ada atau tidak cocok.")
        values["_codes"] = ",".join(str(v) for v in form.getlist("codes"))
        return values

    def page(
        request: Request, name: str, current: auth.Session | None, code: int = 200, **data
    ) -> HTMLResponse:
        return templates.TemplateResponse(
            request,
            name,
            {"user": current.user if current else None, "csrf": current.csrf if current else ""}
            | data,
            status_code=code,
        )

    # --- login -----------------------------------------------------------------------------

    def safe_next(target: str | None) -> str:
        parts = urlsplit(target or "")
        if target and target.startswith("/") and not target.startswith("//") and not parts.netloc:
            return target
        return "/antrian"

    def login_refused(request: Request, form, message: str, code: int) -> HTMLResponse:
        """The login page again, with why and where the user was going."""
        return page(
            request,
            "login.html",
            None,
            login_csrf=request.cookies.get(LOGIN_CSRF_COOKIE, ""),
            next=safe_next(str(form.get("next", ""))),
            error=message,
            code=code,
        )

    @app.get("/masuk", response_class=HTMLResponse)
    def login_form(request: Request, next: str = "/antrian"):
        token = secrets.token_urlsafe(32)
        response = page(request, "login.html", None, login_csrf=token, next=safe_next(next))
        response.set_cookie(
            LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure(request)
        )
        return response

    @app.post("/masuk")
    async def login(request: Request):
        form = await request.form()
        name, password = str(form.get("name", "")).strip(), str(form.get("password", ""))
        if not auth.same_token(request.cookies.get(LOGIN_CSRF_COOKIE), str(form.get("csrf_token"))):
            raise HTTPException(403, "Token formulir (CSRF) tidak ada atau tidak cocok.")
        address = request.client.host if request.client else "-"
        window = timedelta(minutes=settings.login_window_minutes)
        attempt = await run_in_threadpool(
            auth.reserve_attempt,
            engine,
            name,
            address,
            window,
            settings.login_max_failures_per_user,
            settings.login_max_failures_per_address,
        )
        if attempt.locked_until is not None:
            log.warning("login refused: too many failures (user %r, %s)", name, address)
            minutes = max(1, math.ceil((attempt.locked_until - auth._now()).total_seconds() / 60))
            message = (
                f"Terlalu banyak percobaan gagal. Coba lagi dalam {minutes} menit, "
                "atau minta admin membuka kunci akun Anda."
            )
            return login_refused(request, form, message, 429)
        # argon2 takes tens of milliseconds on purpose: off the event loop.
        user = await run_in_threadpool(auth.authenticate, engine, name, password)
        if user is None:
            return login_refused(request, form, "Nama pengguna atau kata sandi salah.", 401)
        await run_in_threadpool(auth.attempt_succeeded, engine, attempt)
        token, _ = auth.start_session(engine, user, timedelta(hours=settings.session_hours))
        response = RedirectResponse(safe_next(str(form.get("next", ""))), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=secure(request),
            max_age=int(settings.session_hours * 3600),
        )
        response.delete_cookie(LOGIN_CSRF_COOKIE)
        return response

    @app.post("/keluar")
    async def logout(request: Request, current: Signed):
        await form_of(request, current)
        auth.end_session(engine, request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/masuk", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    # --- queue and dashboard ---------------------------------------------------------------

    @app.get("/")
    def home(current: Signed):
        return RedirectResponse("/antrian", status_code=303)

    @app.get("/antrian", response_class=HTMLResponse)
    def queue(
        request: Request,
        current: Signed,
        status: str = "needs_review",
        prioritas: str = ALL,
        kecamatan: str = ALL,
        halaman: int = 1,
    ):
        status = status if status in (*STATUSES, ALL) else "needs_review"
        prioritas = prioritas if prioritas in (*PRIORITIES, ALL) else ALL
        ctx.index.refresh()
        found = load_queue(engine, status, prioritas, kecamatan, halaman, settings.page_size)
        return page(
            request,
            "queue.html",
            current,
            queue=found,
            status=status,
            prioritas=prioritas,
            kecamatan=kecamatan,
        )

    @app.get("/dasbor", response_class=HTMLResponse)
    def dashboard(request: Request, current: Signed):
        ctx.index.refresh()
        return page(request, "dashboard.html", current, board=load_dashboard(engine))

    # --- one case ----------------------------------------------------------------------------

    @app.get("/kasus/{submission}", response_class=HTMLResponse)
    def case_screen(request: Request, submission: str, current: Signed):
        view = load_case(engine, submission, ctx.policy, ctx.as_of())
        if view is None:
            raise HTTPException(404, "Kasus tidak ditemukan.")
        return page(
            request,
            "case.html",
            current,
            case=view,
            threshold=ctx.policy.review_confidence,
            correction_codes=[c for c in ReasonCode if c in CORRECTION],
        )

    @app.get("/kasus/{submission}/halaman/{sha256}/{number}.png")
    def page_image(submission: str, sha256: str, number: int, current: Signed):
        from pipeline.cases.review_decision import load_submission

        loaded = load_submission(engine, submission)
        if loaded is None or sha256 not in {d.sha256 for d in loaded[0].documents}:
            raise HTTPException(404, "Halaman tidak ditemukan.")
        try:
            png = page_png(storage, pipeline, sha256, number)
        except PageMissing as exc:
            raise HTTPException(404, f"Halaman tidak tersedia: {exc}") from None
        return Response(png, media_type="image/png", headers={"Cache-Control": "private"})

    @app.post("/kasus/{submission}/isian")
    async def set_field(request: Request, submission: str, current: Signed):
        form = await form_of(request, current)
        try:
            await run_in_threadpool(
                actions.set_field,
                engine,
                current.user,
                submission,
                form.get("sha256", ""),
                int(form.get("page", "0") or 0),
                form.get("field", ""),
                form.get("value"),
                form.get("reason", ""),
                accept=form.get("action") == "accept",
            )
        except actions.CaseNotFound:
            raise HTTPException(404, "Kasus tidak ditemukan.") from None
        except (actions.BadCorrection, ValueError) as exc:
            raise HTTPException(400, str(exc)) from None
        anchor = form.get("next_key", "")
        return RedirectResponse(
            f"/kasus/{quote(submission)}" + (f"#f-{anchor}" if anchor else ""), status_code=303
        )

    @app.post("/kasus/{submission}/setujui")
    async def approve(
        request: Request,
        submission: str,
        background: BackgroundTasks,
        current: Signed,
    ):
        form = await form_of(request, current)
        try:
            await run_in_threadpool(
                actions.approve,
                engine,
                current.user,
                submission,
                ctx.policy,
                ctx.as_of(),
                form.get("reason", ""),
            )
        except actions.CaseNotFound:
            raise HTTPException(404, "Kasus tidak ditemukan.") from None
        await run_in_threadpool(ctx.index.refresh, True)
        background.add_task(_publish, engine, storage)
        return RedirectResponse(f"/kasus/{quote(submission)}?diputuskan=1", status_code=303)

    @app.post("/kasus/{submission}/kembalikan")
    async def send_back(
        request: Request,
        submission: str,
        background: BackgroundTasks,
        current: Signed,
    ):
        form = await form_of(request, current)
        note = form.get("note", "").strip()
        codes = [ReasonCode(c) for c in form["_codes"].split(",") if c in ReasonCode.__members__]
        if not note and not codes:  # the suspected reasons come ticked: one click suffices
            raise HTTPException(400, "Pilih alasan atau tuliskan pesan untuk pemohon.")
        try:
            await run_in_threadpool(
                actions.return_to_applicant, engine, current.user, submission, codes, note
            )
        except actions.CaseNotFound:
            raise HTTPException(404, "Kasus tidak ditemukan.") from None
        await run_in_threadpool(ctx.index.refresh, True)
        background.add_task(_publish, engine, storage)
        return RedirectResponse(f"/kasus/{quote(submission)}?diputuskan=1", status_code=303)

    # --- admin -------------------------------------------------------------------------------

    @app.get("/admin", response_class=HTMLResponse)
    def admin_page(request: Request, current: Admin, galat: str = ""):
        window = timedelta(minutes=settings.login_window_minutes)
        return page(
            request,
            "admin.html",
            current,
            users=auth.list_users(engine),
            locked=auth.locked_users(engine, window, settings.login_max_failures_per_user),
            roles=list(auth.Role),
            error=ADMIN_ERRORS.get(galat, ""),  # a fixed sentence, never the address bar's text
        )

    @app.post("/admin/pengguna")
    async def add_user(request: Request, current: Admin):
        form = await form_of(request, current)
        try:
            role = auth.Role(form.get("role", ""))
        except ValueError:
            return RedirectResponse("/admin?galat=peran", status_code=303)
        try:
            auth.add_user(engine, form.get("name", ""), form.get("password", ""), role)
        except auth.UserError as exc:
            return RedirectResponse(f"/admin?galat={exc.code}", status_code=303)
        return RedirectResponse("/admin", status_code=303)

    @app.post("/admin/pengguna/{name}/status")
    async def user_status(request: Request, name: str, current: Admin):
        form = await form_of(request, current)
        if name == current.user.name:
            return RedirectResponse("/admin?galat=diri", status_code=303)
        auth.set_active(engine, name, form.get("active") == "1")
        return RedirectResponse("/admin", status_code=303)

    @app.post("/admin/pengguna/{name}/buka")
    async def user_unlock(request: Request, name: str, current: Admin):
        await form_of(request, current)
        auth.unlock(engine, name)
        log.info("login lock of %r lifted by %s", name, current.user.name)
        return RedirectResponse("/admin", status_code=303)

    @app.get("/admin/ekspor/worklist.{kind}")
    def export(kind: str, current: Admin):
        rows = route_module.worklist_rows(engine)
        if kind == "csv":
            body = route_module.worklist_csv(rows)
            media = "text/csv; charset=utf-8"
        elif kind == "xlsx":
            body = route_module.worklist_xlsx(rows)
            media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        else:
            raise HTTPException(404, "Format tidak dikenal.")
        log.info("worklist (%d rows, %s) downloaded by %s", len(rows), kind, current.user.name)
        return Response(
            body,
            media_type=media,
            headers={"Content-Disposition": f'attachment; filename="worklist-siks-ng.{kind}"'},
        )

    @app.exception_handler(HTTPException)
    async def error_page(request: Request, exc: HTTPException):
        current = auth.load_session(engine, request.cookies.get(SESSION_COOKIE))
        return page(
            request,
            "error.html",
            current,
            exc.status_code,
            status=exc.status_code,
            message=exc.detail,
        )

    return app


def _publish(engine: Engine, storage: Storage) -> None:
    try:
        publish(engine, storage)
    except Exception:  # the decision is stored; the outputs catch up on the next publish
        log.exception("publishing the outputs after a review failed")
