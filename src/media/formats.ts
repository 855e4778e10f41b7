import type { DocumentFormat, ImageFormat } from "@aws-sdk/client-bedrock-runtime";

const imageFormatByMime: Record<string, ImageFormat> = {
  "image/png": "png",
  "image/jpeg": "jpeg",
  "image/jpg": "jpeg",
  "image/gif": "gif",
  "image/webp": "webp",
};

const documentFormatByMime: Record<string, DocumentFormat> = {
  "application/pdf": "pdf",
  "text/csv": "csv",
  "application/msword": "doc",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "application/vnd.ms-excel": "xls",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
  "text/html": "html",
  "text/plain": "txt",
  "text/markdown": "md",
};

export const imageFormatOf = (mime: string): ImageFormat | undefined => imageFormatByMime[mime.toLowerCase()];
export const documentFormatOf = (mime: string): DocumentFormat | undefined =>
  documentFormatByMime[mime.toLowerCase()];

/** The image format from the first bytes, for sources that send no or a generic content type. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const starts = (...signature: number[]) => signature.every((byte, i) => bytes[i] === byte);
  if (starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return "png";
  if (starts(0xff, 0xd8, 0xff)) return "jpeg";
  if (starts(0x47, 0x49, 0x46, 0x38)) return "gif";
  if (
    starts(0x52, 0x49, 0x46, 0x46) &&
    bytes[8] === 0x57 &&
    bytes[9] === 0x45 &&
    bytes[10] === 0x42 &&
    bytes[11] === 0x50
  ) {
    return "webp";
  }
  return undefined;
}

/** Bedrock document names allow only letters, digits, spaces, hyphens, parentheses and brackets. */
export function documentName(filename: string | undefined, index: number): string {
  const base = (filename ?? "").replace(/\.[^.]*$/, "");
  const cleaned = base
    .replace(/[^a-zA-Z0-9\s\-()[\]]/g, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 100);
  return cleaned || `document-${index + 1}`;
}
