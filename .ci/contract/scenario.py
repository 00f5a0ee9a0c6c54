"""The integrator's scenario with the client openapi-python-client generated from the committed
spec: sign in, create a partner twice with one Idempotency-Key (one partner), list with sort and
pagination, get, PATCH with If-Match, a JSON report and its CSV twin as text, and a 422 read as the
typed problem. Usage: scenario.py <generated package parent> <base url> <admin password>"""

import sys
import uuid

sys.path.insert(0, sys.argv[1])
base_url, password = sys.argv[2], sys.argv[3]

from kompetensi_client import AuthenticatedClient, Client  # noqa: E402
from kompetensi_client.api.auth import login  # noqa: E402
from kompetensi_client.api.partners import (  # noqa: E402
    create_partner,
    get_partner,
    list_partners,
    update_partner,
)
from kompetensi_client.api.reports import get_report_partners, get_report_partners_csv  # noqa: E402
from kompetensi_client.models import (  # noqa: E402
    ListPartnersSortItem,
    LoginRequest,
    Partner,
    PartnerInput,
    PartnerKind,
    PartnerPage,
    PartnerPatch,
    PartnerReports,
    Problem,
    TokenPair,
)


def check(condition, message):
    if not condition:
        sys.exit(f"python client: {message}")


signed_in = login.sync_detailed(
    client=Client(base_url=base_url),
    body=LoginRequest(username="admin", password=password),
)
check(signed_in.status_code == 200 and isinstance(signed_in.parsed, TokenPair), f"login: {signed_in.content!r}")
api = AuthenticatedClient(base_url=base_url, token=signed_in.parsed.access_token)

key = str(uuid.uuid4())
name = f"Universitas Contoh {key[:8]}"
body = PartnerInput(name=name, kind=PartnerKind.UNIVERSITY)
first = create_partner.sync_detailed(client=api, body=body, idempotency_key=key)
again = create_partner.sync_detailed(client=api, body=body, idempotency_key=key)
check(first.status_code == 201 and isinstance(first.parsed, Partner), f"create: {first.content!r}")
check(again.status_code == 201 and again.parsed.id == first.parsed.id, "the retry created another partner")
found = list_partners.sync(client=api, q=key[:8])
check(isinstance(found, PartnerPage) and found.total == 1, f"one partner per key, found {found}")

page = list_partners.sync_detailed(
    client=api, sort=[ListPartnersSortItem.VALUE_9, ListPartnersSortItem.ID], per_page=2, page=1
)
check(page.status_code == 200 and isinstance(page.parsed, PartnerPage), f"list: {page.content!r}")
check(len(page.parsed.items) <= 2 and page.parsed.per_page == 2, "pagination")
check('rel="first"' in page.headers.get("link", ""), "the Link header")
up = [p.name for p in list_partners.sync(client=api, sort=[ListPartnersSortItem.NAME], per_page=100).items]
down = [p.name for p in list_partners.sync(client=api, sort=[ListPartnersSortItem.VALUE_3], per_page=100).items]
check(len(up) >= 2 and up == down[::-1], "sort=name and sort=-name")

got = get_partner.sync_detailed(first.parsed.id, client=api)
check(got.status_code == 200 and got.parsed.name == name, "get")
etag = got.headers["etag"]
changed = update_partner.sync_detailed(
    first.parsed.id, client=api, body=PartnerPatch.from_dict({"phone": "+62 717 438 455"}), if_match=etag
)
check(changed.status_code == 200 and changed.parsed.phone == "+62 717 438 455", f"patch: {changed.content!r}")
stale = update_partner.sync_detailed(
    first.parsed.id, client=api, body=PartnerPatch.from_dict({"phone": "+62 717 000 000"}), if_match=etag
)
check(stale.status_code == 412 and isinstance(stale.parsed, Problem), "a stale If-Match is 412")

report = get_report_partners.sync(client=api)
check(isinstance(report, PartnerReports) and any(r.name == name for r in report.items), "JSON report")
csv = get_report_partners_csv.sync(client=api)
check(isinstance(csv, str) and csv.startswith("partner_id,name,") and name in csv, f"CSV twin: {csv!r}")

invalid = create_partner.sync_detailed(client=api, body=PartnerInput(name="", kind=PartnerKind.NGO))
check(invalid.status_code == 422 and isinstance(invalid.parsed, Problem), "422")
check(invalid.parsed.code == "validation_failed", invalid.parsed.code)
check("name" in invalid.parsed.errors.additional_properties, f"errors: {invalid.parsed.errors}")
print("python client: scenario passed")
