import type { DocumentFormat, ImageFormat } from "@aws-sdk/client-bedrock-runtime";

export interface LoadedImage {
  kind: "image";
  format: ImageFormat;
  bytes: Uint8Array;
}

export interface LoadedDocument {
  kind: "document";
  format: DocumentFormat;
  bytes: Uint8Array;
}

export type LoadedMedia = LoadedImage | LoadedDocument;

/** The loaded block for each kind a caller expects. */
export interface LoadedMediaOf {
  image: LoadedImage;
  document: LoadedDocument;
}

/**
 * Turns a URL from a message (data: or remote) into bytes Bedrock accepts.
 * `param` names the request field, for error messages. One loader serves one request,
 * so it can bound the downloads of that request.
 */
export interface MediaLoader {
  load(url: string, expected: "image" | "document", param: string): Promise<LoadedMedia>;
  /** Base64 bytes given inline with their media type (Anthropic `base64` sources), counted like the rest. */
  inline<K extends keyof LoadedMediaOf>(
    mime: string,
    base64: string,
    expected: K,
    param: string,
  ): LoadedMediaOf[K];
}
