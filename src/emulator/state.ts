import type { RecordedRequest } from "./exchange.js";
import { SecretStore } from "./secrets.js";
import { ParameterStore } from "./ssm.js";

/**
 * Everything the emulator remembers between requests. Records and counters are what tests assert
 * on; parameters and secrets are fixtures; failures are injected faults.
 */
export class EmulatorState {
  /** Every AWS request, in arrival order. Cleared in place by reset() so held references stay live. */
  readonly requests: RecordedRequest[] = [];
  connections = 0;
  readonly parameters = new ParameterStore();
  readonly secrets: SecretStore;
  /** operation name → exception name every call of it fails with. */
  readonly failures = new Map<string, string>();

  constructor(readonly region: string) {
    this.secrets = new SecretStore(region);
  }

  aborts(): number {
    return this.requests.filter((r) => r.aborted).length;
  }

  /** Clears records, counters and injected failures; keeps parameters and secrets. */
  reset(): void {
    this.requests.length = 0;
    this.connections = 0;
    this.failures.clear();
  }
}
