"""The country's time zone: the default of a commune, of the settings, of the working
calendar and of the reports."""

from zoneinfo import ZoneInfo

VIETNAM_TZ_NAME = "Asia/Ho_Chi_Minh"
VIETNAM_TZ = ZoneInfo(VIETNAM_TZ_NAME)
