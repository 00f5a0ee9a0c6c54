// The integrator's scenario with openapi-typescript's types of the committed spec and
// openapi-fetch, under `tsc --strict`: sign in, create a partner twice with one Idempotency-Key
// (one partner), list with sort and pagination, get, PATCH with If-Match, a JSON report and its
// CSV twin as text, and a 422 read as the typed problem.
// Usage: node scenario.js <base url> <admin password>
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

type Problem = components["schemas"]["Problem"];

function check(condition: boolean, message: string): asserts condition {
  if (!condition) {
    console.error(`typescript client: ${message}`);
    process.exit(1);
  }
}

const [baseUrl, password] = process.argv.slice(2);
const anonymous = createClient<paths>({ baseUrl });
const signedIn = await anonymous.POST("/api/v1/auth/login", {
  body: { username: "admin", password },
});
check(signedIn.data !== undefined, `login: ${JSON.stringify(signedIn.error)}`);
const api = createClient<paths>({
  baseUrl,
  headers: { Authorization: `Bearer ${signedIn.data.access_token}` },
});

const key = crypto.randomUUID();
const name = `Yayasan Contoh ${key.slice(0, 8)}`;
const create = () =>
  api.POST("/api/v1/partners", {
    params: { header: { "Idempotency-Key": key } },
    body: { name, kind: "ngo" },
  });
const first = await create();
const again = await create();
check(first.data !== undefined && first.response.status === 201, "create");
check(again.data !== undefined && again.data.id === first.data.id, "the retry created another partner");
const found = await api.GET("/api/v1/partners", { params: { query: { q: key.slice(0, 8) } } });
check(found.data?.total === 1, "one partner per key");

const page = await api.GET("/api/v1/partners", {
  params: { query: { sort: ["-created_at", "id"], per_page: 2, page: 1 } },
  querySerializer: { array: { style: "form", explode: false } },
});
check(page.data !== undefined && page.data.items.length <= 2 && page.data.per_page === 2, "pagination");
check((page.response.headers.get("link") ?? "").includes('rel="first"'), "the Link header");

const id = first.data.id;
const got = await api.GET("/api/v1/partners/{id}", { params: { path: { id } } });
check(got.data?.name === name, "get");
const etag = got.response.headers.get("etag") ?? "";
const changed = await api.PATCH("/api/v1/partners/{id}", {
  params: { path: { id }, header: { "If-Match": etag } },
  body: { phone: "+62 717 438 455" },
});
check(changed.data?.phone === "+62 717 438 455", `patch: ${JSON.stringify(changed.error)}`);
const stale = await api.PATCH("/api/v1/partners/{id}", {
  params: { path: { id }, header: { "If-Match": etag } },
  body: { phone: "+62 717 000 000" },
});
check(stale.response.status === 412, "a stale If-Match is 412");

const report = await api.GET("/api/v1/reports/partners");
check(report.data?.items.some((row) => row.name === name) === true, "JSON report");
const csv = await api.GET("/api/v1/reports/partners.csv", { parseAs: "text" });
const text: string | undefined = csv.data;
check(text !== undefined && text.startsWith("partner_id,name,") && text.includes(name), "CSV twin");

const invalid = await api.POST("/api/v1/partners", { body: { name: "", kind: "ngo" } });
const problem: Problem | undefined = invalid.error;
check(invalid.response.status === 422 && problem !== undefined, "422");
check(problem.code === "validation_failed" && problem.errors?.["name"] !== undefined, JSON.stringify(problem));
console.log("typescript client: scenario passed");
