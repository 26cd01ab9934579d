"""Secrets out of URLs and DSNs: the one function every log line, summary, error message and
``newscrawl state`` passes a URL (or a text holding URLs) through.

``mask_url`` hides, in every ``scheme://...`` it finds (a text runs a URL to the next
whitespace):

- the **userinfo, whole**: everything between ``//`` and the *last* ``@`` of the URL, whatever
  it holds (an unencoded ``@``, ``:`` or ``/`` in a password too), becomes ``:***``, so
  ``redis://user:p@ss@host:6379/0`` reads ``redis://:***@host:6379/0``. A URL whose path
  or query holds an ``@`` (``/@user``, ``?mail=a@b``) is masked up to it as well: shown
  too little, never a secret;
- the **value of every query parameter named like a secret**: a name holding ``password``,
  ``passwd``, ``pass``, ``token``, ``secret``, ``key`` or ``auth`` (any case, percent-encoded
  or not: ``?password=``, ``&api_key=``, ``;authToken=``) becomes ``***``. redis-py reads
  ``?password=`` as the password, which is how one reached the log in plain text (issue 16).

Nothing else changes, so a URL without secrets is shown as given.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

MASK = "***"
SECRET_NAMES = ("password", "passwd", "pass", "token", "secret", "key", "auth")

_URL_RE = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<rest>\S*)")
_PARAM_RE = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&;#?]*)=(?P<value>[^&;#]*)")


def is_secret_name(name: str) -> bool:
    """Whether a query parameter's name says its value is a secret."""
    name = unquote(name).lower()
    return any(word in name for word in SECRET_NAMES)


def _masked_param(match: re.Match[str]) -> str:
    if not is_secret_name(match.group("name")):
        return match.group(0)
    return f"{match.group('lead')}{match.group('name')}={MASK}"


def _masked(match: re.Match[str]) -> str:
    rest = match.group("rest")
    at = rest.rfind("@")
    lead = ""
    if at >= 0:
        lead, rest = f":{MASK}@", rest[at + 1:]
    query = rest.find("?")
    if query >= 0:
        rest = rest[:query] + _PARAM_RE.sub(_masked_param, rest[query:])
    return match.group("scheme") + lead + rest


def mask_url(text: str | None) -> str:
    """``text`` with the userinfo and the secret query values of every URL in it masked (see the module doc)."""
    if not text:
        return ""
    return _URL_RE.sub(_masked, text)
