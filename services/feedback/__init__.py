"""Citizen feedback ("phản ánh, kiến nghị"): filing, following, handling, deadlines, Open311."""

from services import privacy
from services.feedback import personal_data

privacy.register("feedback", personal_data.export, personal_data.erase,
                 personal_data.traces)
