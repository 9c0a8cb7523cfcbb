from extractors.crosscheck import nik_birth_date_notice
from models import Field

NIK = "6101014507890003"  # woman, 05-07-(19)89


def test_matching_dates_give_no_notice():
    assert nik_birth_date_notice(Field(name="nik", value=NIK),
                                 Field(name="birth_date", value="1989-07-05")) is None


def test_mismatch_is_a_masked_warning():
    notice = nik_birth_date_notice(Field(name="nik", value=NIK),
                                   Field(name="birth_date", value="1989-07-06"))
    assert notice is not None
    assert notice.code == "nik_birth_date_mismatch"
    assert NIK not in notice.message
    assert "6101********0003" in notice.message


def test_missing_values_give_no_notice():
    assert nik_birth_date_notice(Field(name="nik"), Field(name="birth_date")) is None
