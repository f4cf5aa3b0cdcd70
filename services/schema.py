"""Imports every model module so that `Base.metadata` describes the whole schema."""

from services import models  # noqa: F401
from services.db import Base

metadata = Base.metadata
