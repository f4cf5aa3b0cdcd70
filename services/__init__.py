"""The domain of Thôn Số and its persistence. Knows no messaging API."""
