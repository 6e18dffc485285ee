from __future__ import annotations

from platform_core.audit import summarize


def test_r24_stamps_mask_real_id_numbers_but_keep_certificate_numbers_readable() -> None:
    out = summarize({
        "first": "340800192023000001",  # 审计 (19) certificate number: 18 digits, not an ID
        "last": "340800202012000011",  # 统计 (20)
        "note": "核对 340822199001010018 与 13800138000",
    })
    assert out["first"] == "340800192023000001" and out["last"] == "340800202012000011"
    assert out["note"] == "核对 340822********0018 与 138****8000"
