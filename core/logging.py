"""No log line carries a token or an API key, whoever writes it: Django's request logger
prints the path of every 4xx and 5xx answer, and a scanner may put a token in a URL."""

import logging
import re

# A token (32 hex digits, dashed or not) or a key (api.services.KEY_PREFIX and its secret).
_SECRETS = re.compile(
    r"tk_[A-Za-z0-9_-]{8,}"
    r"|[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"
)


class SecretsRedacted(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRETS.sub("[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True
