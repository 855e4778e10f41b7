import { invalidRequest } from "../errors.js";
import { documentFormatOf, imageFormatOf, sniffImageFormat } from "./formats.js";
import type { LoadedMedia, MediaLoader } from "./types.js";
import { unsupportedDocument, unsupportedImage } from "./unsupported.js";

const base64Pattern = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decode a `data:<mime>;base64,<payload>` URL into image or document bytes. */
export function decodeDataUrl(url: string, expected: "image" | "document", param: string): LoadedMedia {
  const comma = url.indexOf(",");
  const header = comma > 5 ? url.slice(5, comma) : "";
  const parts = header.split(";");
  const mime = (parts[0] ?? "").trim().toLowerCase();
  if (comma < 0 || !parts.slice(1).some((part) => part.trim().toLowerCase() === "base64")) {
    throw invalidRequest(
      "Only base64 data URLs (data:<type>;base64,...) are supported.",
      param,
      "invalid_data_url",
    );
  }
  const payload = url.slice(comma + 1).replace(/\s+/g, "");
  if (payload === "" || payload.length % 4 === 1 || !base64Pattern.test(payload)) {
    throw invalidRequest("The data URL does not contain valid base64.", param, "invalid_data_url");
  }
  const bytes = Buffer.from(payload, "base64");
  if (expected === "image") {
    const format = imageFormatOf(mime) ?? sniffImageFormat(bytes);
    if (!format) throw unsupportedImage(mime, param);
    return { kind: "image", format, bytes };
  }
  const format = documentFormatOf(mime);
  if (!format) throw unsupportedDocument(mime, param);
  return { kind: "document", format, bytes };
}

/** `data:` URLs are decoded locally, never fetched. */
export const isDataUrl = (url: string) => url.slice(0, 5).toLowerCase() === "data:";

/** The loader when ENABLE_REMOTE_URL_FETCH=false: data URLs only, and a clear word for everything else. */
export const dataUrlOnlyLoader: MediaLoader = {
  async load(url, expected, param) {
    if (isDataUrl(url)) return decodeDataUrl(url, expected, param);
    throw invalidRequest(
      "Remote URLs are disabled on this gateway; send the file inline as a base64 data URL.",
      param,
      "remote_url_disabled",
    );
  },
};
