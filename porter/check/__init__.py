"""`porter check`: run each backend's port of the golden kernels and compare with the goldens."""

from porter.check.records import STATUSES, CheckRecord
from porter.check.run import check

__all__ = ["STATUSES", "CheckRecord", "check"]
