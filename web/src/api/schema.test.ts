// schema.d.ts must be what `npm run gen` makes of openapi.json; tests/web/test_openapi_types.py checks
// that openapi.json is the app's own document. Together: the app's types cannot drift from the API.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const web = resolve(__dirname, "../..");

describe("generated API types", () => {
  it("schema.d.ts is up to date with openapi.json (run `make web-api`)", () => {
    const cli = resolve(web, "node_modules/openapi-typescript/bin/cli.js");
    // the same options as `npm run gen`, without its output file: the types go to stdout
    const gen = (JSON.parse(readFileSync(resolve(web, "package.json"), "utf8")) as { scripts: { gen: string } }).scripts.gen;
    const [command, input, ...rest] = gen.split(/\s+/);
    expect([command, input]).toEqual(["openapi-typescript", "openapi.json"]);
    const options = rest.filter((arg, i) => !["-o", "--output"].includes(arg) && !["-o", "--output"].includes(rest[i - 1] ?? ""));
    const generated = execFileSync(process.execPath, [cli, "openapi.json", ...options], {
      cwd: web,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
    });
    const committed = readFileSync(resolve(web, "src/api/schema.d.ts"), "utf8");
    expect(committed === generated, "web/src/api/schema.d.ts is stale: run `make web-api`").toBe(true);
  }, 60_000);
});
