#!/usr/bin/env node
/**
 * npx aegis-keys create --name NAME [--models GLOB,...] [--routes ROUTE,...] [--rpm N] [--tpm N]
 *                       [--max-concurrent N] [--expires-at ISO-TIME]
 *   Prints a new key once (it is not stored anywhere) and the key store entry to paste, holding its digest.
 * npx aegis-keys hash
 *   Reads a key from stdin (never from the command line, where it would land in shell history and `ps`) and
 *   prints its SHA-256 digest.
 * Plain JavaScript with no dependency, so it runs wherever the package is installed.
 */
import { createHash, randomBytes } from "node:crypto";
import { parseArgs } from "node:util";

const routes = ["chat", "responses", "embeddings", "messages", "count_tokens", "models"];
const usage = `usage: aegis-keys create --name NAME [--models GLOB,...] [--routes ${routes.join("|")},...]
                         [--rpm N] [--tpm N] [--max-concurrent N] [--expires-at 2027-01-31T00:00:00Z]
       aegis-keys hash < key-file`;

function fail(message) {
  process.stderr.write(`aegis-keys: ${message}\n${usage}\n`);
  process.exit(2);
}

const sha256 = (key) => createHash("sha256").update(key, "utf8").digest("hex");
const list = (text) =>
  text
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");

function positive(name, text) {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < 1) fail(`--${name} must be a whole number of at least 1`);
  return Number(text);
}

function create(args) {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: "string" },
      models: { type: "string" },
      routes: { type: "string" },
      rpm: { type: "string" },
      tpm: { type: "string" },
      "max-concurrent": { type: "string" },
      "expires-at": { type: "string" },
    },
    strict: true,
  });
  if (!values.name || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(values.name)) {
    fail("--name is required: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
  }
  const entry = { name: values.name };
  const key = `aegis_${randomBytes(32).toString("base64url")}`;
  entry.sha256 = sha256(key);
  if (values.models !== undefined) entry.models = list(values.models);
  if (values.routes !== undefined) {
    entry.routes = list(values.routes);
    const unknown = entry.routes.filter((route) => !routes.includes(route));
    if (unknown.length > 0) fail(`--routes: unknown ${unknown.join(", ")}`);
  }
  const limits = { rpm: values.rpm, tpm: values.tpm, max_concurrent: values["max-concurrent"] };
  for (const [field, text] of Object.entries(limits)) {
    const value = positive(field.replace("_", "-"), text);
    if (value !== undefined) entry[field] = value;
  }
  if (values["expires-at"] !== undefined) {
    if (Number.isNaN(Date.parse(values["expires-at"]))) fail("--expires-at must be an ISO 8601 time");
    entry.expires_at = new Date(values["expires-at"]).toISOString().replace(".000Z", "Z");
  }
  process.stdout.write(
    `Key (shown once; give it to the client, it is not stored):\n${key}\n\nEntry for the key store:\n${JSON.stringify(entry, null, 2)}\n`,
  );
}

async function hash() {
  if (process.stdin.isTTY) process.stderr.write("Paste the key, then press Enter and Ctrl-D:\n");
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const key = Buffer.concat(chunks).toString("utf8").trim();
  if (key === "") fail("no key on stdin");
  if (/\s/.test(key)) fail("stdin holds more than one word; give one key");
  process.stdout.write(`${sha256(key)}\n`);
}

const [command, ...rest] = process.argv.slice(2);
if (command === "create") create(rest);
else if (command === "hash") {
  if (rest.length > 0) fail("hash reads the key from stdin, never from the command line");
  await hash();
} else fail(command === undefined ? "no command" : `unknown command ${command}`);
