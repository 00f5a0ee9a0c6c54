"""The schemathesis command line, with ast.parse serialised across threads.

On CPython 3.11 (this machine's Python) the AST constructor keeps its recursion depth in state
shared by the whole interpreter; when the garbage collector releases the GIL in the middle of
one ast.parse and another thread parses at the same time, one of them fails with
"SystemError: AST constructor recursion depth mismatch" (python/cpython#106905, fixed by
python/cpython#113035 in later versions). Schemathesis's --workers are threads, and hypothesis
parses source (lambda descriptions, constants) while generating, so a CI run once reported
that error as a "Runtime Error" of the fuzzer on an operation that had passed every check.
One lock around ast.parse removes the race; the service under test is not involved.

It also sends file uploads (PDF, PNG, JPEG bodies) as raw bytes, which schemathesis has no
serializer for by default, and signs in as the admin (KOMPETENSI_FUZZ_URL,
KOMPETENSI_ADMIN_PASSWORD) again whenever a case answers 401: a fuzzed sign-out, or an edit of
the admin's own account, revokes the token it holds (auth::revocations), and with one token
given on the command line every later case tested only the 401 (95 of 183 operations, once).
"""

import ast
import json
import os
import sys
import threading
import urllib.request

_lock = threading.RLock()
_parse = ast.parse


def _serialised_parse(*args, **kwargs):
    with _lock:
        return _parse(*args, **kwargs)


ast.parse = _serialised_parse

import schemathesis as _schemathesis  # noqa: E402  (after the patch, so every caller sees it)
from schemathesis.cli import schemathesis  # noqa: E402

# The evidence upload takes a file as its own media type (PDF, PNG, JPEG): send the generated
# bytes as they are, as for application/octet-stream. The service then judges the content.
for _media in ("application/pdf", "image/png", "image/jpeg"):
    _schemathesis.serializer.alias(_media, "application/octet-stream")


@_schemathesis.auth()
class _SignedInAdmin:
    """A fresh admin token on the first case and after a 401 (schemathesis' `retry_on`)."""

    def get(self, case, context):
        login = urllib.request.Request(
            os.environ["KOMPETENSI_FUZZ_URL"] + "/api/v1/auth/login",
            data=json.dumps(
                {"username": "admin", "password": os.environ["KOMPETENSI_ADMIN_PASSWORD"]}
            ).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(login, timeout=30) as answer:
            return json.load(answer)["access_token"]

    def set(self, case, data, context):
        case.headers = case.headers or {}
        case.headers["Authorization"] = f"Bearer {data}"


if __name__ == "__main__":
    sys.argv[0] = "schemathesis"
    sys.exit(schemathesis())
