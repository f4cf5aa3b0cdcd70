"""Satisfaction surveys and the commune's reports: surveys, their delivery and answers,
satisfaction statistics, charts, CSV exports and the printable monthly report."""
