from __future__ import annotations

from datetime import date

from platform_core.models import PublicTopic
from platform_core.topics import load_topics, topic_for_pass


def _topic(year: int) -> PublicTopic:
    return PublicTopic(year=year, name="习近平法治思想", window_start=date(year, 1, 1),
                       window_end=date(year + 1, 3, 31))


def test_r04_2023_has_the_nine_topics_of_the_notice() -> None:
    names = [t.name for t in load_topics() if t.year == 2023]
    assert len(names) == 9 and "数字中国：数字化建设与发展" in names
    assert {t.window_end for t in load_topics() if t.year == 2023} == {date(2024, 3, 31)}


def test_r07_the_2022_topics_stop_counting_on_2023_04_01() -> None:
    assert {t.window_end for t in load_topics() if t.year == 2022} == {date(2023, 3, 31)}


def test_r06_a_recurring_topic_name_takes_the_year_whose_window_holds_the_pass() -> None:
    topics = [_topic(2024), _topic(2023)]  # newest first, as find_topics returns them
    assert topic_for_pass(topics, date(2023, 9, 1)).year == 2023
    assert topic_for_pass(topics, date(2024, 3, 31)).year == 2023  # catch-up window of 2023
    assert topic_for_pass(topics, date(2024, 4, 1)).year == 2024
    assert topic_for_pass(topics, date(2025, 6, 1)).year == 2024  # late: refused later under R6
    assert topic_for_pass([], date(2024, 1, 1)) is None
