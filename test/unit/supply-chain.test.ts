import { describe, expect, it } from "vitest";
import { licenceAllowed, licenceProblems } from "../../scripts/supply-chain/licences.js";
import { missingFromSbom, PACKAGE_MANIFEST, sbomPackages } from "../../scripts/supply-chain/sbom.js";

const component = (name: string, version: string, licence: string, path: string, group?: string) => ({
  type: "library",
  name,
  ...(group ? { group } : {}),
  version,
  purl: `pkg:npm/${group ? `${encodeURIComponent(group)}/` : ""}${name}@${version}`,
  licenses: [{ license: { id: licence } }],
  properties: [{ name: "cdx:npm:package:path", value: path }],
});

const sbom = {
  bomFormat: "CycloneDX",
  specVersion: "1.6",
  metadata: { component: { name: "aegis-gateway", version: "0.1.0" } },
  components: [
    component("fastify", "5.12.8", "MIT", "node_modules/fastify"),
    {
      ...component("core", "3.41.1", "Apache-2.0", "node_modules/@smithy/core", "@smithy"),
      components: [component("tslib", "2.8.1", "0BSD", "node_modules/@smithy/core/node_modules/tslib")],
    },
  ],
};

describe("licences", () => {
  it.for([
    ["MIT", true],
    ["(MIT OR GPL-3.0-only)", true],
    ["Apache-2.0 AND MIT", true],
    ["GPL-3.0-only", false],
    ["MIT AND AGPL-3.0-only", false],
    ["SSPL-1.0", false],
    [undefined, false],
  ] as const)("%s allowed: %s", ([expression, allowed]) => {
    expect(licenceAllowed(expression)).toBe(allowed);
  });

  it("names each package whose licence is not allowed", () => {
    expect(
      licenceProblems([
        { name: "a", version: "1.0.0", licence: "MIT" },
        { name: "b", version: "2.0.0", licence: "AGPL-3.0-only" },
      ]),
    ).toEqual(["b@2.0.0: licence AGPL-3.0-only is not on the allowed list"]);
  });
});

describe("SBOM completeness", () => {
  it("reads nested components with scoped names, paths and licences", () => {
    expect(sbomPackages(sbom)).toEqual([
      { name: "fastify", version: "5.12.8", licence: "MIT", path: "node_modules/fastify" },
      { name: "@smithy/core", version: "3.41.1", licence: "Apache-2.0", path: "node_modules/@smithy/core" },
      {
        name: "tslib",
        version: "2.8.1",
        licence: "0BSD",
        path: "node_modules/@smithy/core/node_modules/tslib",
      },
    ]);
  });

  it("refuses a document that is not CycloneDX", () => {
    expect(() => sbomPackages({ ...sbom, bomFormat: "SPDX" })).toThrow();
    expect(() => sbomPackages({ ...sbom, components: [{ name: "x" }] })).toThrow();
  });

  it("names installed packages the SBOM leaves out, or lists at another version", () => {
    const installed = [
      { path: "node_modules/fastify", name: "fastify", version: "5.12.8" },
      { path: "node_modules/@smithy/core/node_modules/tslib", name: "tslib", version: "2.8.1" },
      { path: "node_modules/zod", name: "zod", version: "4.6.7" },
      { path: "node_modules/@smithy/core", name: "@smithy/core", version: "3.41.2" },
    ];
    expect(missingFromSbom(sbomPackages(sbom), installed)).toEqual([
      "node_modules/zod (zod@4.6.7)",
      "node_modules/@smithy/core (@smithy/core@3.41.2)",
    ]);
  });

  it("tells a package's manifest from the package.json files inside it", () => {
    expect(PACKAGE_MANIFEST.exec("node_modules/zod/package.json")?.[1]).toBe("node_modules/zod");
    expect(PACKAGE_MANIFEST.exec("node_modules/@aws-sdk/core/package.json")?.[1]).toBe(
      "node_modules/@aws-sdk/core",
    );
    expect(PACKAGE_MANIFEST.exec("node_modules/a/node_modules/@s/b/package.json")?.[1]).toBe(
      "node_modules/a/node_modules/@s/b",
    );
    expect(PACKAGE_MANIFEST.test("node_modules/zod/v4/package.json")).toBe(false);
    expect(PACKAGE_MANIFEST.test("node_modules/@aws-sdk/core/dist-es/package.json")).toBe(false);
  });
});
