"""cleaner: strip site chrome from web article text, with auditable provenance."""

__version__ = "0.1.0"

from cleaner.api import Cleaner, CleanResult  # noqa: E402
from cleaner.document import Document, Removal, rebuild  # noqa: E402
from cleaner.extract import NoContent, NotHtml  # noqa: E402
from cleaner.rules.errors import RuleError  # noqa: E402

__all__ = ["CleanResult", "Cleaner", "Document", "NoContent", "NotHtml", "Removal", "RuleError", "__version__",
           "rebuild"]
