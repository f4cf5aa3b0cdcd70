"""Guided online filing on the National Public Service Portal: five resumable steps, the
dossier code and its status, reminders for stalled walks, SIPAS ratings, the funnel."""

from services import privacy
from services.filing import personal_data

privacy.register("filing", personal_data.export, personal_data.erase,
                 personal_data.traces)
