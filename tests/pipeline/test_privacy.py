import logging
import re

from pipeline.privacy import install_log_masking, mask_numbers

SIXTEEN = re.compile(r"(?<!\d)\d{16}(?!\d)")


def test_mask_numbers_masks_only_sixteen_digit_runs():
    text = "NIK 6101014507890003, KK 6101010101230001, HP 081234567890, 61010145078900031"
    assert mask_numbers(text) == (
        "NIK 6101********0003, KK 6101********0001, HP 081234567890, 61010145078900031"
    )


def test_log_records_of_any_logger_are_masked(caplog):
    install_log_masking()
    install_log_masking()  # idempotent
    with caplog.at_level(logging.INFO):
        logging.getLogger("some.library").info("looked up %s in %s", "6101014507890003", "list")
    assert caplog.records[-1].getMessage() == "looked up 6101********0003 in list"
    assert "6101014507890003" not in caplog.text


def _formatted(emit, formatter: logging.Formatter | None = None) -> str:
    """What a handler writes for the records `emit` logs (the real logging machinery)."""
    import io

    install_log_masking()
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter or logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("test.privacy")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        emit(logger)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_exception_text_is_masked_too():
    def emit(logger):
        try:
            raise ValueError("no row for NIK 6101014507890003, sender 6281234567890")
        except ValueError:
            logger.exception("lookup failed")

    text = _formatted(emit)
    assert "Traceback" in text and "6101********0003" in text
    assert not SIXTEEN.search(text) and "6281234567890" not in text


def test_whatsapp_sender_numbers_in_submission_ids_are_masked():
    text = _formatted(lambda logger: logger.info("%s: ready", "wa-6281234567890"))
    assert "wa-6281******890: ready" in text


def test_control_characters_in_file_names_cannot_forge_log_lines():
    name = "wa-1/a\nERROR forged: all files deleted\x1b[2J\u202egpj.exe"
    text = _formatted(lambda logger: logger.warning("%s: the file is empty", name))
    assert text.count("\n") == 1 and "\x1b" not in text and "\u202e" not in text
    assert "\\n" in text and "\\x1b" in text and "\\u202e" in text


def test_an_access_log_line_with_a_nik_in_the_url_is_kept_and_masked():
    from uvicorn.logging import AccessFormatter

    formatter = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s')
    text = _formatted(
        lambda logger: logger.info(
            '%s - "%s %s HTTP/%s" %d',
            "127.0.0.1:5000",
            "GET",
            "/cari?nik=6101014507890003",
            "1.1",
            200,
        ),
        formatter,
    )
    assert "GET /cari?nik=6101********0003 HTTP/1.1" in text and "200" in text


def test_database_errors_do_not_list_their_parameters(tmp_path):
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from pipeline.state import engine_for

    engine = engine_for(f"sqlite:///{tmp_path / 'state.sqlite'}")
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO no_such_table VALUES (:nik, :diagnosis)"),
                {"nik": "6101014507890003", "diagnosis": "Gagal ginjal kronik"},
            )
    except OperationalError as exc:
        message = str(exc)
    assert "no_such_table" in message
    assert "6101014507890003" not in message and "Gagal ginjal" not in message
