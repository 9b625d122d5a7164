// A client of Stemma typed by openapi-typescript from the OpenAPI 3.1
// document (proto/openapi/stemma.openapi.json), calling a live server with
// openapi-fetch: it creates two works, records a derivation between them,
// reads the derivative's ancestors and licence audit, and checks the error
// a bad licence expression gets. services/internal/app/client_typescript_test.go
// generates ./stemma.d.ts beside it, type-checks it with tsc and runs it
// with STEMMA_URL and STEMMA_KEY set. Type errors are failures as much as
// wrong answers: they mean the document does not describe the API.
import createClient from "openapi-fetch";
import type { components, paths } from "./stemma.js";

type Status = components["schemas"]["rpcStatus"];
type Work = components["schemas"]["v1Work"];

const baseUrl = process.env.STEMMA_URL;
const key = process.env.STEMMA_KEY;
if (!baseUrl || !key) {
  throw new Error("STEMMA_URL and STEMMA_KEY must be set");
}

const client = createClient<paths>({
  baseUrl,
  headers: { Authorization: `Bearer ${key}` },
});

function check(ok: boolean, what: string, got: unknown): void {
  if (!ok) {
    throw new Error(`${what}: got ${JSON.stringify(got)}`);
  }
}

async function createWork(title: string, licence: string): Promise<Work> {
  const { data, error, response } = await client.POST("/v1/works", {
    body: { kind: "WORK_KIND_SOFTWARE", title, licence },
  });
  check(response.status === 200 && data !== undefined, `create ${title}`, error ?? response.status);
  return data as Work;
}

const source = await createWork("ts-client source", "MIT");
const derivative = await createWork("ts-client derivative", "Apache-2.0");
const id = (w: Work): string => (w.name ?? "").replace(/^works\//, "");

const derivation = await client.POST("/v1/derivations", {
  body: {
    derivative: derivative.name ?? "",
    source: source.name ?? "",
    relation: "RELATION_ADAPTATION",
  },
});
check(
  derivation.response.status === 200 && derivation.data?.conflict === false,
  "create derivation",
  derivation.error ?? derivation.data,
);

const ancestors = await client.GET("/v1/works/{work}/ancestors", {
  params: { path: { work: id(derivative) } },
});
const names = (ancestors.data?.ancestors ?? []).map((a) => a.work);
check(names.length === 1 && names[0] === source.name, "ancestors", ancestors.data ?? ancestors.error);

const audit = await client.GET("/v1/works/{work}:audit", {
  params: { path: { work: id(derivative) } },
});
check(
  audit.response.status === 200 && audit.data?.work === derivative.name && audit.data?.derivationsChecked === 1,
  "audit",
  audit.data ?? audit.error,
);

const bad = await client.POST("/v1/works", {
  body: { kind: "WORK_KIND_SOFTWARE", title: "ts-client bad licence", licence: "MIT AND (" },
});
// The error's type is the document's google.rpc.Status: code, message and
// details are all required there, so no optional chaining is needed.
const status: Status | undefined = bad.error;
check(
  bad.response.status === 400 &&
    status !== undefined &&
    status.code === 3 &&
    status.message.length > 0 &&
    Array.isArray(status.details),
  "bad licence expression",
  status,
);

console.log(
  JSON.stringify({
    source: source.name,
    derivative: derivative.name,
    derivation: derivation.data?.name,
    ancestors: names,
    audited: audit.data?.derivationsChecked,
    error: { code: status?.code, message: status?.message },
  }),
);
