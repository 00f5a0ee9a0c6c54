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
serializer for by default.
"""

import ast
import sys
import threading

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

if __name__ == "__main__":
    sys.argv[0] = "schemathesis"
    sys.exit(schemathesis())
