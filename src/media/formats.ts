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

const documentFormatByExtension: Record<string, DocumentFormat> = {
  pdf: "pdf",
  csv: "csv",
  doc: "doc",
  docx: "docx",
  xls: "xls",
  xlsx: "xlsx",
  html: "html",
  htm: "html",
  txt: "txt",
  md: "md",
};

const extensionOf = (pathname: string) => /\.([a-z0-9]{1,5})$/i.exec(pathname)?.[1]?.toLowerCase() ?? "";

/**
 * The document format from the first bytes, for sources that send no or a generic content type. PDF says what
 * it is; Office files are zip (docx, xlsx) or OLE (doc, xls) containers whose magic number alone does not tell
 * which, so the file name's extension decides between the two, and only when the container matches it.
 * Plain-text formats have no magic number: the extension decides, if the bytes have no NUL.
 */
export function sniffDocumentFormat(bytes: Uint8Array, pathname: string): DocumentFormat | undefined {
  const starts = (...signature: number[]) => signature.every((byte, i) => bytes[i] === byte);
  const byExtension = documentFormatByExtension[extensionOf(pathname)];
  if (starts(0x25, 0x50, 0x44, 0x46, 0x2d)) return "pdf";
  if (starts(0x50, 0x4b, 0x03, 0x04))
    return byExtension === "docx" || byExtension === "xlsx" ? byExtension : undefined;
  if (starts(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) {
    return byExtension === "doc" || byExtension === "xls" ? byExtension : undefined;
  }
  const textual =
    byExtension === "csv" || byExtension === "txt" || byExtension === "md" || byExtension === "html";
  return textual && !bytes.subarray(0, 4096).includes(0) ? byExtension : undefined;
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
