"""Guided online filing on the National Public Service Portal: five resumable steps, the
dossier code and its status, reminders for stalled walks, SIPAS ratings, the funnel."""
