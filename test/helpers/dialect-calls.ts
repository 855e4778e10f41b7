/** Raw chat calls in both dialects, to see exactly what status, headers and body (or SSE text) come back. */

export type DialectName = "openai" | "anthropic";

export function chatRequest(dialect: DialectName, text: string, stream: boolean) {
  return dialect === "openai"
    ? {
        path: "/v1/chat/completions",
        body: { model: "amazon.nova-lite-v1:0", messages: [{ role: "user", content: text }], stream },
      }
    : {
        path: "/anthropic/v1/messages",
        body: {
          model: "claude-haiku-4-5",
          max_tokens: 50,
          messages: [{ role: "user", content: text }],
          stream,
        },
      };
}

export async function chat(
  gatewayUrl: string,
  dialect: DialectName,
  text: string,
  stream = false,
): Promise<{ status: number; headers: Headers; text: string }> {
  const { path, body } = chatRequest(dialect, text, stream);
  const response = await fetch(`${gatewayUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The error type a dialect's body (or its stream's error event) carries. */
export function errorTypeOf(dialect: DialectName, json: string): string | undefined {
  const parsed = JSON.parse(json) as { type?: string; error?: { type?: string } };
  if (dialect === "anthropic" && parsed.type !== "error") return undefined;
  return parsed.error?.type;
}

/** The error event at the end of an SSE text, in the dialect's shape; undefined if the stream has none. */
export function streamErrorOf(
  dialect: DialectName,
  sse: string,
): { type?: string; message?: string } | undefined {
  const frames = sse.split("\n\n").filter((frame) => frame.trim() !== "");
  const last = frames.at(-1) ?? "";
  if (dialect === "anthropic") {
    if (!last.startsWith("event: error\n")) return undefined;
    const data = /\ndata: (.*)/.exec(last)?.[1] ?? "{}";
    return (JSON.parse(data) as { error?: { type?: string; message?: string } }).error;
  }
  const data = /^data: (.*)/.exec(last)?.[1];
  if (!data || data === "[DONE]") return undefined;
  return (JSON.parse(data) as { error?: { type?: string; message?: string } }).error;
}

/**
 * Opens a stream that runs for minutes (a word every 300 ms) and resolves once its first bytes arrived; `rest`
 * is its whole text once it ends (wrapped: an async function returning the promise itself would wait for it).
 */
export async function openLongStream(url: string, dialect: DialectName): Promise<{ rest: Promise<string> }> {
  const { path, body } = chatRequest(dialect, `${"word ".repeat(400)}@@slow:300`, true);
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status !== 200) throw new Error(`the stream was answered ${response.status}`);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = decoder.decode((await reader.read()).value, { stream: true });
  const rest = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return text;
      text += decoder.decode(value, { stream: true });
    }
  })();
  return { rest };
}
