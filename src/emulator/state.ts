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
  /** region → exception name every Bedrock Runtime call signed for that region fails with. */
  readonly regionFailures = new Map<string, string>();
  /** region → ms every Bedrock Runtime call signed for that region waits before it is handled (a hanging region). */
  readonly regionStalls = new Map<string, number>();
  /** Refuse base ids of models served only through inference profiles, as Bedrock does (opt-in). */
  requireProfiles = false;

  /** Aborted requests among the records dropped to stay within `keepRequests`. */
  private droppedAborts = 0;

  /**
   * @param keepRequests how many of the newest records to keep: a long benchmark would otherwise grow the
   *   emulator's heap, and its garbage collection time, with every request it serves.
   */
  constructor(
    readonly region: string,
    private readonly keepRequests = Number.POSITIVE_INFINITY,
  ) {
    this.secrets = new SecretStore(region);
  }

  record(request: RecordedRequest): void {
    this.requests.push(request);
    // Trimmed in batches, so the cost of shifting the array is spread over many requests.
    if (this.requests.length >= 2 * this.keepRequests) {
      const dropped = this.requests.splice(0, this.requests.length - this.keepRequests);
      this.droppedAborts += dropped.filter((r) => r.aborted).length;
    }
  }

  aborts(): number {
    return this.droppedAborts + this.requests.filter((r) => r.aborted).length;
  }

  /** Clears records, counters and injected failures; keeps parameters and secrets. */
  reset(): void {
    this.requests.length = 0;
    this.droppedAborts = 0;
    this.connections = 0;
    this.failures.clear();
    this.regionFailures.clear();
    this.regionStalls.clear();
  }
}
