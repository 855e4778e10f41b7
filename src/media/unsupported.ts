import { invalidRequest } from "../errors.js";

/** The 400 for bytes that are not an image Bedrock reads. */
export const unsupportedImage = (mime: string, param: string) =>
  invalidRequest(
    `Unsupported image type "${mime || "unknown"}"; use png, jpeg, gif or webp.`,
    param,
    "unsupported_media_type",
  );

/** The 400 for bytes that are not a document Bedrock reads. */
export const unsupportedDocument = (mime: string, param: string) =>
  invalidRequest(
    `Unsupported document type "${mime || "unknown"}"; use pdf, csv, doc, docx, xls, xlsx, html, txt or md.`,
    param,
    "unsupported_media_type",
  );
