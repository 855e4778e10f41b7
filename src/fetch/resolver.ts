import { lookup } from "node:dns/promises";

/** Every address a host name resolves to (A and AAAA). Injected, so tests never ask the machine's DNS. */
export type Resolver = (hostname: string) => Promise<string[]>;

/** The operating system's resolver (getaddrinfo: /etc/hosts, then DNS), all answers in their given order. */
export const systemResolver: Resolver = async (hostname) => {
  const answers = await lookup(hostname, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
};
