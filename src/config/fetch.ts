import { envBoolean, envByteSize, envInteger, setting } from "./define.js";

/** Downloads of image and document URLs found in messages (the guarded fetcher in src/fetch/). */
export const fetchSettings = {
  ENABLE_REMOTE_URL_FETCH: setting(
    envBoolean(true),
    "Download http(s) image and document URLs given in messages. false refuses every remote URL; data: URLs still work.",
  ),
  SSRF_PROTECTION_BLOCK_PRIVATE_NETWORKS: setting(
    envBoolean(true),
    "Also refuse private and other non-global addresses (RFC 1918, 100.64.0.0/10, fc00::/7, ...). Loopback, link-local, cloud metadata, multicast and reserved addresses are refused whatever this says.",
  ),
  SSRF_MAX_REDIRECTS: setting(
    envInteger(3, 0, 10),
    "Redirects followed per download; every hop is checked like the first URL.",
  ),
  MAX_INPUT_FILE_SIZE: setting(
    envByteSize(20 * 1024 ** 2),
    "Largest downloaded file (e.g. 20MiB), counted on decoded bytes while streaming; larger files get 413.",
    "20MiB",
  ),
  MAX_INPUT_FILES_TOTAL_SIZE: setting(
    envByteSize(80 * 1024 ** 2),
    "Largest total of the images and documents of one request (e.g. 80MiB), inline and downloaded together, counted while downloads stream; more gets 413.",
    "80MiB",
  ),
  MAX_CONCURRENT_INPUT_DOWNLOADS: setting(
    envInteger(8, 1, 64),
    "Downloads running at the same time for one request; the others wait their turn.",
  ),
  REMOTE_URL_CONNECT_TIMEOUT_SECONDS: setting(
    envInteger(5, 1, 60),
    "Seconds allowed to open the connection (TCP and TLS) of a download.",
  ),
  REMOTE_URL_TIMEOUT_SECONDS: setting(
    envInteger(20, 1, 300),
    "Seconds allowed for a whole download, redirects and body included: one deadline, not a per-chunk timeout.",
  ),
};
