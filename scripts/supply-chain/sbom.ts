import * as z from "zod";
import type { LicensedPackage } from "./licences.js";

/**
 * The parts of a CycloneDX JSON SBOM (as @cyclonedx/cyclonedx-npm writes it) that the checks rely on. Full
 * schema validation is cyclonedx-library's JsonStrictValidator; this reads what it validated.
 */
const licenceChoice = z.object({
  license: z.object({ id: z.string().optional(), name: z.string().optional() }).optional(),
  expression: z.string().optional(),
});

interface Component {
  name: string;
  group?: string | undefined;
  version: string;
  purl: string;
  licenses?: z.infer<typeof licenceChoice>[] | undefined;
  properties?: { name: string; value?: string | undefined }[] | undefined;
  components?: Component[] | undefined;
}

const component: z.ZodType<Component> = z.lazy(() =>
  z.object({
    name: z.string().min(1),
    group: z.string().optional(),
    version: z.string().min(1),
    purl: z.string().startsWith("pkg:npm/"),
    licenses: z.array(licenceChoice).optional(),
    properties: z.array(z.object({ name: z.string(), value: z.string().optional() })).optional(),
    components: z.array(component).optional(),
  }),
);

const sbomShape = z.object({
  bomFormat: z.literal("CycloneDX"),
  specVersion: z.string(),
  metadata: z.object({ component: z.object({ name: z.string(), version: z.string() }) }),
  components: z.array(component),
});

export interface SbomPackage extends LicensedPackage {
  /** Where it is installed, relative to the application folder (node_modules/...). */
  path: string | undefined;
}

/** Every package the SBOM lists, nested ones included; throws when the document lacks what we rely on. */
export function sbomPackages(document: unknown): SbomPackage[] {
  const sbom = sbomShape.parse(document);
  const out: SbomPackage[] = [];
  const walk = (components: Component[]) => {
    for (const c of components) {
      const licences = (c.licenses ?? []).map((l) => l.expression ?? l.license?.id ?? l.license?.name);
      out.push({
        name: c.group ? `${c.group}/${c.name}` : c.name,
        version: c.version,
        licence: licences.length > 1 ? licences.join(" AND ") : licences[0],
        path: c.properties?.find((p) => p.name === "cdx:npm:package:path")?.value,
      });
      walk(c.components ?? []);
    }
  };
  walk(sbom.components);
  return out;
}

export interface InstalledPackage {
  path: string;
  name: string;
  version: string;
}

/** Installed packages the SBOM does not list at that path with that name and version. */
export function missingFromSbom(sbom: SbomPackage[], installed: InstalledPackage[]): string[] {
  const listed = new Set(sbom.map((p) => `${p.path}|${p.name}@${p.version}`));
  return installed
    .filter((p) => !listed.has(`${p.path}|${p.name}@${p.version}`))
    .map((p) => `${p.path} (${p.name}@${p.version})`);
}

/** Whether a path inside an application folder is the package.json of an installed package (not a nested one). */
export const PACKAGE_MANIFEST =
  /^((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)*node_modules\/(?:@[^/]+\/)?[^/]+)\/package\.json$/;
