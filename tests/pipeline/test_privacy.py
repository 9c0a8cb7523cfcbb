import logging

from pipeline.privacy import install_log_masking, mask_numbers


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
