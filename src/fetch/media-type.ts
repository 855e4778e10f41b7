import { documentFormatOf, imageFormatOf, sniffDocumentFormat, sniffImageFormat } from "../media/formats.js";
import type { LoadedMedia } from "../media/types.js";
import { unsupportedDocument, unsupportedImage } from "../media/unsupported.js";
import type { FetchedFile } from "./guarded-fetch.js";

/** Content types that say nothing about the bytes (S3 objects uploaded without a type get these). */
const genericTypes = new Set([
  "",
  "application/octet-stream",
  "binary/octet-stream",
  "application/binary",
  "application/unknown",
  "application/x-download",
  "application/force-download",
]);

export const mimeOf = (header: string | undefined) => (header ?? "").split(";")[0]!.trim().toLowerCase();

/** What the Accept header of a download asks for. */
export const acceptFor = (expected: "image" | "document") =>
  expected === "image"
    ? "image/png, image/jpeg, image/gif, image/webp, */*;q=0.5"
    : "application/pdf, text/*, application/*;q=0.9, */*;q=0.5";

/**
 * The Bedrock block for downloaded bytes. A specific Content-Type must be one Bedrock accepts for the block;
 * a missing or generic one is settled by the bytes' magic numbers. For images the bytes always decide the
 * format (a server that calls a JPEG image/png would make Bedrock refuse the request).
 */
export function mediaOfDownload(
  file: FetchedFile,
  expected: "image" | "document",
  param: string,
): LoadedMedia {
  const mime = mimeOf(file.contentType);
  const generic = genericTypes.has(mime);
  if (expected === "image") {
    const format = sniffImageFormat(file.bytes);
    if (!format || !(generic || imageFormatOf(mime))) throw unsupportedImage(mime, param);
    return { kind: "image", format, bytes: file.bytes };
  }
  const format = generic ? sniffDocumentFormat(file.bytes, file.url.pathname) : documentFormatOf(mime);
  if (!format) throw unsupportedDocument(mime, param);
  return { kind: "document", format, bytes: file.bytes };
}
