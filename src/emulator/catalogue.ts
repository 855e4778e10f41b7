/**
 * The foundation models and inference profiles the emulator pretends to host. Ids, names and
 * modalities follow the real Bedrock catalogue so that model-resolution code in the gateway can be
 * tested against realistic data. Runtime operations accept any of these ids, profile ids, or ARNs.
 */

export type Modality = "TEXT" | "IMAGE" | "EMBEDDING" | "VIDEO" | "AUDIO" | "SPEECH";
export type InferenceType = "ON_DEMAND" | "PROVISIONED" | "INFERENCE_PROFILE";

export interface FoundationModel {
  modelId: string;
  modelName: string;
  providerName: string;
  inputModalities: Modality[];
  outputModalities: Modality[];
  responseStreamingSupported: boolean;
  customizationsSupported: string[];
  inferenceTypesSupported: InferenceType[];
}

/** The account id the emulator reports everywhere an account appears (ARNs, error messages). */
export const EMULATOR_ACCOUNT_ID = "123456789012";

const TEXT_CHAT: Pick<FoundationModel, "outputModalities" | "responseStreamingSupported"> = {
  outputModalities: ["TEXT"],
  responseStreamingSupported: true,
};

function chat(
  modelId: string,
  modelName: string,
  providerName: string,
  inputModalities: Modality[],
  inferenceTypesSupported: InferenceType[],
  customizationsSupported: string[] = [],
): FoundationModel {
  return {
    modelId,
    modelName,
    providerName,
    inputModalities,
    ...TEXT_CHAT,
    customizationsSupported,
    inferenceTypesSupported,
  };
}

function embedding(
  modelId: string,
  modelName: string,
  providerName: string,
  inputModalities: Modality[],
): FoundationModel {
  return {
    modelId,
    modelName,
    providerName,
    inputModalities,
    outputModalities: ["EMBEDDING"],
    responseStreamingSupported: false,
    customizationsSupported: [],
    inferenceTypesSupported: ["ON_DEMAND"],
  };
}

const ON_DEMAND: InferenceType[] = ["ON_DEMAND", "INFERENCE_PROFILE"];
// Newer models are only reachable through inference profiles on real Bedrock.
const PROFILE_ONLY: InferenceType[] = ["INFERENCE_PROFILE"];

/** A current Claude model: text and images in, reachable only through inference profiles. */
const claude = (modelId: string, modelName: string) =>
  chat(modelId, modelName, "Anthropic", ["TEXT", "IMAGE"], PROFILE_ONLY);

export const FOUNDATION_MODELS: readonly FoundationModel[] = [
  chat("anthropic.claude-3-haiku-20240307-v1:0", "Claude 3 Haiku", "Anthropic", ["TEXT", "IMAGE"], ON_DEMAND),
  chat("anthropic.claude-3-5-haiku-20241022-v1:0", "Claude 3.5 Haiku", "Anthropic", ["TEXT"], ON_DEMAND),
  chat(
    "anthropic.claude-3-5-sonnet-20241022-v2:0",
    "Claude 3.5 Sonnet v2",
    "Anthropic",
    ["TEXT", "IMAGE"],
    ON_DEMAND,
  ),
  chat(
    "anthropic.claude-3-7-sonnet-20250219-v1:0",
    "Claude 3.7 Sonnet",
    "Anthropic",
    ["TEXT", "IMAGE"],
    PROFILE_ONLY,
  ),
  chat(
    "anthropic.claude-sonnet-4-20250514-v1:0",
    "Claude Sonnet 4",
    "Anthropic",
    ["TEXT", "IMAGE"],
    PROFILE_ONLY,
  ),
  chat(
    "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "Claude Sonnet 4.5",
    "Anthropic",
    ["TEXT", "IMAGE"],
    PROFILE_ONLY,
  ),
  chat(
    "anthropic.claude-haiku-4-5-20251001-v1:0",
    "Claude Haiku 4.5",
    "Anthropic",
    ["TEXT", "IMAGE"],
    PROFILE_ONLY,
  ),
  chat(
    "anthropic.claude-opus-4-1-20250805-v1:0",
    "Claude Opus 4.1",
    "Anthropic",
    ["TEXT", "IMAGE"],
    PROFILE_ONLY,
  ),
  // Claude 4.5 and later: ids, names and profile geographies (PROFILE_GEOGRAPHIES below) as Bedrock lists
  // them (Anthropic's "Claude on Amazon Bedrock" model table, the AWS model cards, list-inference-profiles
  // output published for Opus 5.5). Newer ids drop the date and the `-v1:0` suffix.
  claude("anthropic.claude-opus-4-5-20251101-v1:0", "Claude Opus 4.5"),
  claude("anthropic.claude-opus-4-6-v1", "Claude Opus 4.6"),
  claude("anthropic.claude-sonnet-4-6", "Claude Sonnet 4.6"),
  claude("anthropic.claude-opus-4-7", "Claude Opus 4.7"),
  claude("anthropic.claude-opus-4-8", "Claude Opus 4.8"),
  claude("anthropic.claude-sonnet-5", "Claude Sonnet 5"),
  claude("anthropic.claude-fable-5", "Claude Fable 5"),
  claude("anthropic.claude-opus-5-5", "Claude Opus 5.5"),
  chat("amazon.nova-micro-v1:0", "Nova Micro", "Amazon", ["TEXT"], ON_DEMAND, [
    "FINE_TUNING",
    "DISTILLATION",
  ]),
  chat("amazon.nova-lite-v1:0", "Nova Lite", "Amazon", ["TEXT", "IMAGE", "VIDEO"], ON_DEMAND, [
    "FINE_TUNING",
    "DISTILLATION",
  ]),
  chat("amazon.nova-pro-v1:0", "Nova Pro", "Amazon", ["TEXT", "IMAGE", "VIDEO"], ON_DEMAND, [
    "FINE_TUNING",
    "DISTILLATION",
  ]),
  chat("amazon.nova-premier-v1:0", "Nova Premier", "Amazon", ["TEXT", "IMAGE", "VIDEO"], PROFILE_ONLY),
  chat("meta.llama3-8b-instruct-v1:0", "Llama 3 8B Instruct", "Meta", ["TEXT"], ["ON_DEMAND"]),
  chat("meta.llama3-70b-instruct-v1:0", "Llama 3 70B Instruct", "Meta", ["TEXT"], ["ON_DEMAND"]),
  chat("meta.llama3-1-8b-instruct-v1:0", "Llama 3.1 8B Instruct", "Meta", ["TEXT"], ON_DEMAND, [
    "FINE_TUNING",
  ]),
  chat("meta.llama3-1-70b-instruct-v1:0", "Llama 3.1 70B Instruct", "Meta", ["TEXT"], ON_DEMAND, [
    "FINE_TUNING",
  ]),
  chat("meta.llama3-3-70b-instruct-v1:0", "Llama 3.3 70B Instruct", "Meta", ["TEXT"], PROFILE_ONLY),
  chat(
    "meta.llama4-maverick-17b-instruct-v1:0",
    "Llama 4 Maverick 17B Instruct",
    "Meta",
    ["TEXT", "IMAGE"],
    PROFILE_ONLY,
  ),
  chat("mistral.mistral-7b-instruct-v0:2", "Mistral 7B Instruct", "Mistral AI", ["TEXT"], ["ON_DEMAND"]),
  chat("mistral.mixtral-8x7b-instruct-v0:1", "Mixtral 8x7B Instruct", "Mistral AI", ["TEXT"], ["ON_DEMAND"]),
  chat("mistral.mistral-large-2402-v1:0", "Mistral Large (24.02)", "Mistral AI", ["TEXT"], ["ON_DEMAND"]),
  chat("mistral.mistral-small-2402-v1:0", "Mistral Small (24.02)", "Mistral AI", ["TEXT"], ["ON_DEMAND"]),
  embedding("amazon.titan-embed-text-v2:0", "Titan Text Embeddings V2", "Amazon", ["TEXT"]),
  embedding("amazon.titan-embed-text-v1", "Titan Embeddings G1 - Text", "Amazon", ["TEXT"]),
  embedding("cohere.embed-english-v3", "Embed English", "Cohere", ["TEXT"]),
  embedding("cohere.embed-multilingual-v3", "Embed Multilingual", "Cohere", ["TEXT"]),
  embedding("cohere.embed-v4:0", "Embed v4", "Cohere", ["TEXT", "IMAGE"]),
  embedding("amazon.nova-2-multimodal-embeddings-v1:0", "Nova Multimodal Embeddings", "Amazon", [
    "TEXT",
    "IMAGE",
    "AUDIO",
    "VIDEO",
  ]),
  {
    modelId: "amazon.nova-canvas-v1:0",
    modelName: "Nova Canvas",
    providerName: "Amazon",
    inputModalities: ["TEXT", "IMAGE"],
    outputModalities: ["IMAGE"],
    responseStreamingSupported: false,
    customizationsSupported: [],
    inferenceTypesSupported: ["ON_DEMAND"],
  },
];

export interface InferenceProfile {
  inferenceProfileId: string;
  inferenceProfileName: string;
  description: string;
  /** The foundation model every region of the profile routes to. */
  modelId: string;
  /** Regions the profile routes between (their model ARNs are listed in `models`). */
  regions: string[];
}

/** Geographic prefixes of the system-defined cross-region profiles. */
const GEOGRAPHIES: ReadonlyArray<{ prefix: string; label: string; regions: string[] }> = [
  { prefix: "us", label: "US", regions: ["us-east-1", "us-east-2", "us-west-2"] },
  { prefix: "eu", label: "EU", regions: ["eu-central-1", "eu-west-1", "eu-west-3"] },
  { prefix: "apac", label: "APAC", regions: ["ap-northeast-1", "ap-southeast-1", "ap-south-1"] },
  { prefix: "jp", label: "JP", regions: ["ap-northeast-1", "ap-northeast-3"] },
  { prefix: "au", label: "AU", regions: ["ap-southeast-2", "ap-southeast-4"] },
  { prefix: "global", label: "Global", regions: ["us-east-1", "eu-west-1", "ap-northeast-1"] },
];

/** Profiles of models not listed in PROFILE_GEOGRAPHIES. */
const DEFAULT_GEOGRAPHIES = ["us", "eu", "global"];

/**
 * The geographies that have a profile of each Claude 4.5+ model, per Anthropic's Bedrock model table and
 * the AWS model cards. Not every model has every geography: Opus 5.5 has no `us.` profile here (only the
 * `jp.` and `global.` profiles of its launch listing), so a caller in us-east-1 reaches it through `global.`.
 */
const PROFILE_GEOGRAPHIES: Readonly<Record<string, readonly string[]>> = {
  "anthropic.claude-sonnet-4-5-20250929-v1:0": ["us", "eu", "jp", "au", "global"],
  "anthropic.claude-haiku-4-5-20251001-v1:0": ["us", "eu", "jp", "au", "global"],
  "anthropic.claude-opus-4-5-20251101-v1:0": ["us", "eu", "global"],
  "anthropic.claude-opus-4-6-v1": ["us", "eu", "apac", "jp", "au", "global"],
  "anthropic.claude-sonnet-4-6": ["us", "eu", "jp", "au", "global"],
  "anthropic.claude-opus-4-7": ["us", "eu", "jp", "global"],
  "anthropic.claude-opus-4-8": ["us", "eu", "jp", "au", "global"],
  "anthropic.claude-sonnet-5": ["us", "eu", "jp", "au", "global"],
  "anthropic.claude-fable-5": ["us", "eu", "global"],
  "anthropic.claude-opus-5-5": ["jp", "global"],
};

const PROFILED_PROVIDERS = new Set(["Anthropic", "Amazon"]);

export const INFERENCE_PROFILES: readonly InferenceProfile[] = FOUNDATION_MODELS.filter(
  (m) => PROFILED_PROVIDERS.has(m.providerName) && m.outputModalities.includes("TEXT"),
).flatMap((model) =>
  GEOGRAPHIES.filter((geo) =>
    (PROFILE_GEOGRAPHIES[model.modelId] ?? DEFAULT_GEOGRAPHIES).includes(geo.prefix),
  ).map((geo) => ({
    inferenceProfileId: `${geo.prefix}.${model.modelId}`,
    inferenceProfileName: `${geo.label} ${model.providerName} ${model.modelName}`,
    description: `Routes requests to ${model.providerName} ${model.modelName} in ${geo.regions.join(", ")}.`,
    modelId: model.modelId,
    regions: geo.regions,
  })),
);

/** Fixed creation time so listings are byte-for-byte stable. */
export const CATALOGUE_TIMESTAMP = "2025-01-01T00:00:00Z";

export function foundationModelArn(region: string, modelId: string): string {
  return `arn:aws:bedrock:${region}::foundation-model/${modelId}`;
}

export function inferenceProfileArn(region: string, profileId: string): string {
  return `arn:aws:bedrock:${region}:${EMULATOR_ACCOUNT_ID}:inference-profile/${profileId}`;
}

const MODELS_BY_ID = new Map(FOUNDATION_MODELS.map((m) => [m.modelId, m]));
const PROFILES_BY_ID = new Map(INFERENCE_PROFILES.map((p) => [p.inferenceProfileId, p]));

/** ARNs name the resource after the last `:`-separated field: `arn:aws:bedrock:REGION:ACCOUNT:TYPE/ID`. */
const BEDROCK_ARN =
  /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:(\d{12})?:(foundation-model|inference-profile)\/(.+)$/;

export interface ResolvedModel {
  model: FoundationModel;
  /** Set when the caller named an inference profile (by id or ARN). */
  profile?: InferenceProfile;
}

/**
 * Resolves what the caller put in the `{modelId}` path segment to a catalogue model, the way Bedrock
 * does: a model id, an inference profile id, or the ARN of either (any region or account).
 */
export function resolveModel(identifier: string): ResolvedModel | undefined {
  const arn = BEDROCK_ARN.exec(identifier);
  if (arn) {
    const [, , kind, id] = arn;
    if (kind === "foundation-model") {
      const model = MODELS_BY_ID.get(id ?? "");
      return model && { model };
    }
    return resolveProfile(id ?? "");
  }
  const model = MODELS_BY_ID.get(identifier);
  return model ? { model } : resolveProfile(identifier);
}

function resolveProfile(id: string): ResolvedModel | undefined {
  const profile = PROFILES_BY_ID.get(id);
  if (!profile) return undefined;
  const model = MODELS_BY_ID.get(profile.modelId);
  return model && { model, profile };
}
