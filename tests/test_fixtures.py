"""The test suite's own helpers look where the README says."""

from conftest import genuine_data

from intense.data.files import DEFAULT_DATA_ROOT


def test_the_genuine_data_tests_read_INTENSE_DATA_before_the_folder_beside_the_repository(tmp_path, monkeypatch):
    monkeypatch.setenv("INTENSE_DATA", str(tmp_path))
    assert genuine_data() is None  # no ENRICO there: those tests skip
    (tmp_path / "enrico").mkdir()
    assert genuine_data() == tmp_path
    monkeypatch.delenv("INTENSE_DATA")
    assert genuine_data() in (None, DEFAULT_DATA_ROOT)
