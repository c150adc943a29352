"""Workspace settings: declared once, with default and help text; persisted in the workspace."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

EMERGENCY_WORDS = ("紧急", "突发", "险情", "火情", "地震", "事故", "汛情")


class Settings(BaseModel):
    """Everything a user can change. Stored as JSON in the workspace's ``meta`` table."""

    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    timezone: str = Field("Asia/Shanghai", description="时区：导出文件里的文字时间按此时区理解")
    work_start: dt.time = Field(dt.time(8, 30), description="上班时间")
    work_end: dt.time = Field(dt.time(18, 0), description="下班时间（此刻起算非工作时间）")
    lunch_start: dt.time | None = Field(None, description="午休开始（可不设）")
    lunch_end: dt.time | None = Field(None, description="午休结束（可不设）")
    extra_holidays: list[dt.date] = Field(default_factory=list, description="额外的放假日期")
    extra_workdays: list[dt.date] = Field(default_factory=list, description="额外的上班日期")
    emergency_words: list[str] = Field(list(EMERGENCY_WORDS), description="含这些词的消息属于应急，不计入非工作时间")
    zombie_days: int = Field(30, ge=1, le=3650, description="多少天没有消息算“僵尸群”")
    cap: int = Field(3, ge=1, le=50, description="每名干部原则上最多加入的工作群数")
    reading_seconds: float = Field(3.0, gt=0, le=600, description="阅读一条消息的估计秒数")
    max_group_members: int = Field(500, ge=2, le=100000, description="一个微信群的人数上限")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value not in zoneinfo.available_timezones():
            raise ValueError(f"未知时区：{value}（例如 Asia/Shanghai）")
        return value


class Limits(BaseModel):
    """Import limits, explained to the user on the import page."""

    max_upload_mb: int = Field(500, description="网页上传单个文件的大小上限（MB），与 .streamlit/config.toml 一致")
    max_file_mb: int = Field(4096, description="命令行导入单个文件的大小上限（MB）")
    max_rows_per_file: int = Field(20_000_000, description="单个文件最多行数")
    max_files_per_batch: int = Field(200, description="一次最多上传的文件数")


LIMITS = Limits()
