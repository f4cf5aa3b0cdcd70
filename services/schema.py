"""Imports every model module so that `Base.metadata` describes the whole schema."""

from services import calendars, models  # noqa: F401
from services.db import Base
from services.documents import models as document_models  # noqa: F401
from services.feedback import models as feedback_models  # noqa: F401
from services.filing import models as filing_models  # noqa: F401
from services.invites import OfficialInvite  # noqa: F401
from services.notices import models as notice_models  # noqa: F401
from services.ops import models as ops_models  # noqa: F401
from services.procedures import models as procedure_models  # noqa: F401
from services.surveys import models as survey_models  # noqa: F401

metadata = Base.metadata
