/**
 * Licences a production dependency may carry: permissive ones that Apache-2.0 code can ship. Anything else
 * (GPL, AGPL, LGPL, SSPL, no licence at all...) fails the check, to be judged by a person.
 */
export const ALLOWED_LICENCES = new Set([
  "Apache-2.0",
  "MIT",
  "ISC",
  "BSD-2-Clause",
  "BSD-3-Clause",
  "0BSD",
  "BlueOak-1.0.0",
  "CC0-1.0",
  "Unlicense",
]);

/**
 * Whether an SPDX expression allows shipping: with OR one allowed choice is enough, with AND every part must
 * be allowed. (Parentheses are read flat: "(A OR B) AND C" is judged as A OR (B AND C) would be only when it
 * matters, which none of our dependencies needs; an unknown shape fails closed.)
 */
export function licenceAllowed(expression: string | undefined): boolean {
  if (!expression) return false;
  const flat = expression.replace(/[()]/g, " ").trim();
  return flat
    .split(/\s+OR\s+/)
    .some((choice) => choice.split(/\s+AND\s+/).every((id) => ALLOWED_LICENCES.has(id.trim())));
}

export interface LicensedPackage {
  name: string;
  version: string;
  licence: string | undefined;
}

/** One line per package whose licence is not allowed. */
export function licenceProblems(packages: LicensedPackage[]): string[] {
  return packages
    .filter((pkg) => !licenceAllowed(pkg.licence))
    .map(
      (pkg) => `${pkg.name}@${pkg.version}: licence ${pkg.licence ?? "(none)"} is not on the allowed list`,
    );
}
