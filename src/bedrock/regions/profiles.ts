import { profileGeography } from "../../dialects/anthropic/models.js";

export interface ProfileOptions {
  /** AWS_BEDROCK_CROSS_REGION_INFERENCE */
  enabled: boolean;
  /** AWS_BEDROCK_CROSS_REGION_INFERENCE_GLOBAL */
  allowGlobal: boolean;
}

const geographyPrefix = /^(us-gov|us|eu|apac|jp|au|ca|global)\./;

/**
 * Whether a profile of this geography can be called from `region`: jp. and au. are the Japanese and
 * Australian parts of apac., so a jp. profile chosen for Tokyo stays jp. there.
 */
function servesRegion(prefix: string, region: string): boolean {
  switch (prefix) {
    case "global":
      return true;
    case "jp":
      return region === "ap-northeast-1" || region === "ap-northeast-3";
    case "au":
      return region === "ap-southeast-2" || region === "ap-southeast-4";
    case "apac":
      return region.startsWith("ap-");
    case "us-gov":
      return region.startsWith("us-gov-");
    case "us":
      return region.startsWith("us-") && !region.startsWith("us-gov-");
    default:
      return region.startsWith(`${prefix}-`);
  }
}

/** Bedrock's answer to a base model id it serves only through an inference profile. */
export function needsProfile(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  return name === "ValidationException" && /on-demand throughput isn.t supported/i.test(message ?? "");
}

/** Bedrock's answer to a profile id that does not exist (in that region). */
function unknownModel(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  return name === "ValidationException" && /model identifier is invalid/i.test(message ?? "");
}

/**
 * Model ids per region, for cross-region inference. A geography profile of another geography (us. sent to an
 * eu- region after a failover) becomes the target region's own: the same model, in the geography that region
 * can call. A base model id goes as given until Bedrock answers that it serves it only through an inference
 * profile; then the profiles are tried (global. first unless global profiles are off, then the region's
 * geography) and the one that works is remembered for that region. Nothing is listed in advance, so models
 * served on demand cost no extra call. Off (AWS_BEDROCK_CROSS_REGION_INFERENCE=false): ids go as given.
 */
export class ProfileChooser {
  /** "region model" → the profile id that served it. Bounded: model ids come from clients. */
  private readonly learned = new Map<string, string>();

  constructor(private readonly options: ProfileOptions) {}

  /** The id to send first. */
  idFor(region: string, modelId: string): string {
    if (!this.options.enabled || modelId.startsWith("arn:")) return modelId;
    const prefix = geographyPrefix.exec(modelId)?.[1];
    if (prefix !== undefined) {
      const geography = profileGeography(region);
      if (servesRegion(prefix, region) || geography === undefined) return modelId;
      return `${geography}.${modelId.slice(prefix.length + 1)}`;
    }
    return this.learned.get(`${region} ${modelId}`) ?? modelId;
  }

  /**
   * `call` with the region's id for `modelId`; when Bedrock wants a profile for it, with the profiles in order.
   */
  async call<T>(region: string, modelId: string, call: (id: string) => Promise<T>): Promise<T> {
    const first = this.idFor(region, modelId);
    try {
      return await call(first);
    } catch (error) {
      if (!this.options.enabled || first !== modelId || !needsProfile(error)) throw error;
      const geography = profileGeography(region);
      const candidates = [...(this.options.allowGlobal ? ["global"] : []), ...(geography ? [geography] : [])];
      for (const candidate of candidates) {
        const profile = `${candidate}.${modelId}`;
        try {
          const result = await call(profile);
          if (this.learned.size >= 1_000) this.learned.clear();
          this.learned.set(`${region} ${modelId}`, profile);
          return result;
        } catch (profileError) {
          if (!unknownModel(profileError)) throw profileError;
        }
      }
      throw error;
    }
  }
}
