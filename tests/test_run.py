"""The library layer under the CLI: the store's cache rules, on the real model and a real SQLite file."""
from datetime import date

import pytest

pytestmark = pytest.mark.slow


def _speakers(paths, settings):
    from quotex.run import Report, extract_paths

    report = Report()
    names = [q.speaker.name for q in extract_paths(paths, settings, report)]
    return names, report


def test_a_different_date_is_not_served_from_the_cache(tmp_path, nlp):
    from quotex.run import ExtractSettings

    f = tmp_path / "a.txt"
    f.write_text("官房長官は記者会見で「状況を注視している」と述べた。", encoding="utf-8")
    db = tmp_path / "q.db"
    names, r = _speakers([str(f)], ExtractSettings(store_path=db, doc_date=date(2024, 6, 19)))
    assert "林芳正" in names and r.parsed == 1
    names, r = _speakers([str(f)], ExtractSettings(store_path=db, doc_date=date(2024, 6, 19)))
    assert "林芳正" in names and r.cached == 1 and r.parsed == 0
    names, r = _speakers([str(f)], ExtractSettings(store_path=db, doc_date=date(2026, 3, 1)))
    assert "木原稔" in names and r.parsed == 1


def test_warm_run_uses_the_stored_date_for_filters(tmp_path, nlp):
    from quotex.run import ExtractSettings, RecordFilter

    f = tmp_path / "b.txt"
    f.write_text("2024年6月18日\n山田太郎教授は「景気は回復する」と述べた。", encoding="utf-8")
    db = tmp_path / "q.db"
    flt = RecordFilter(since=date(2024, 6, 1), until=date(2024, 6, 30))
    first, _ = _speakers([str(f)], ExtractSettings(store_path=db, filter=flt))
    again, r = _speakers([str(f)], ExtractSettings(store_path=db, filter=flt))
    assert first == again == ["山田太郎"] and r.cached == 1
