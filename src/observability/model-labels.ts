/**
 * Bounds the model label of the metrics. A model id becomes a label once Bedrock has answered a call with
 * it (so it exists in Bedrock's catalogue, a bounded set) or when the operator named it (MODEL_ALIASES);
 * anything else a client typed is "other", so made-up names cannot grow the number of series.
 */
export class ModelLabels {
  private readonly known = new Set<string>();

  constructor(
    configured: Iterable<string>,
    private readonly limit = 500,
  ) {
    for (const model of configured) this.known.add(model);
  }

  /** The label for `model`; `answered` says Bedrock accepted a call with it. */
  labelOf(model: string | undefined, answered: boolean): string {
    if (model === undefined) return "none";
    // An application inference profile ARN names an account; its id alone identifies it.
    const label = model.startsWith("arn:") ? (model.split("/").pop() ?? "other") : model;
    if (this.known.has(label)) return label;
    if (answered && this.known.size < this.limit) {
      this.known.add(label);
      return label;
    }
    return "other";
  }
}
