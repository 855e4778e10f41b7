import { invalidRequest } from "../errors.js";
import { documentFormatOf, imageFormatOf, sniffImageFormat } from "./formats.js";
import type { LoadedDocument, LoadedImage, LoadedMedia, LoadedMediaOf, MediaLoader } from "./types.js";

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
  return decodeBase64Media(mime, url.slice(comma + 1), expected, param);
}

/**
 * Decode base64 image or document bytes whose media type the caller declared (a data URL's header,
 * or an Anthropic `source.media_type`). Images of an unknown or generic type are recognised by their bytes.
 */
export function decodeBase64Media(
  mime: string,
  base64: string,
  expected: "image",
  param: string,
): LoadedImage;
export function decodeBase64Media(
  mime: string,
  base64: string,
  expected: "document",
  param: string,
): LoadedDocument;
export function decodeBase64Media(
  mime: string,
  base64: string,
  expected: "image" | "document",
  param: string,
): LoadedMedia;
export function decodeBase64Media(
  mime: string,
  base64: string,
  expected: "image" | "document",
  param: string,
): LoadedMedia {
  const payload = base64.replace(/\s+/g, "");
  if (payload === "" || payload.length % 4 === 1 || !base64Pattern.test(payload)) {
    throw invalidRequest("The data is not valid base64.", param, "invalid_base64");
  }
  const bytes = Buffer.from(payload, "base64");
  if (expected === "image") {
    const format = imageFormatOf(mime) ?? sniffImageFormat(bytes);
    if (!format) {
      throw invalidRequest(
        `Unsupported image type "${mime || "unknown"}"; use png, jpeg, gif or webp.`,
        param,
        "unsupported_media_type",
      );
    }
    return { kind: "image", format, bytes };
  }
  const format = documentFormatOf(mime);
  if (!format) {
    throw invalidRequest(
      `Unsupported document type "${mime || "unknown"}"; use pdf, csv, doc, docx, xls, xlsx, html, txt or md.`,
      param,
      "unsupported_media_type",
    );
  }
  return { kind: "document", format, bytes };
}

/** The loader used when remote fetching is not available: data URLs only. */
export const dataUrlOnlyLoader: MediaLoader = {
  async load(url, expected, param) {
    if (url.slice(0, 5).toLowerCase() === "data:") return decodeDataUrl(url, expected, param);
    throw invalidRequest("Only data: URLs are accepted for media in this deployment.", param, "invalid_url");
  },
  inline: (mime, base64, expected, param) =>
    decodeBase64Media(mime, base64, expected, param) as LoadedMediaOf[typeof expected],
};
