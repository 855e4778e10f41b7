import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack } from "./helpers/gateway.js";
import { waitFor } from "./helpers/wait.js";

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status?: { code?: number };
}

type AnyValue = {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  arrayValue?: { values: AnyValue[] };
};
const anyValue = (value: AnyValue): unknown =>
  value.stringValue ??
  (value.intValue !== undefined ? Number(value.intValue) : undefined) ??
  value.boolValue ??
  value.arrayValue?.values.map(anyValue);

/** An OTLP/HTTP receiver of our own (JSON encoding), on loopback: what a collector would get. */
function startReceiver(): Promise<{
  server: Server;
  url: string;
  spans: ExportedSpan[];
  services: string[];
}> {
  const spans: ExportedSpan[] = [];
  const services: string[] = [];
  const server = createServer((request, response) => {
    let body = "";
    request.on("data", (chunk) => {
      body += chunk;
    });
    request.on("end", () => {
      expect(request.url).toBe("/v1/traces");
      expect(request.headers["content-type"]).toContain("application/json");
      const payload = JSON.parse(body) as {
        resourceSpans: {
          resource: { attributes: { key: string; value: AnyValue }[] };
          scopeSpans: {
            spans: (Omit<ExportedSpan, "attributes"> & { attributes: { key: string; value: AnyValue }[] })[];
          }[];
        }[];
      };
      for (const resource of payload.resourceSpans) {
        const service = resource.resource.attributes.find((a) => a.key === "service.name");
        if (service) services.push(String(anyValue(service.value)));
        for (const scope of resource.scopeSpans)
          for (const span of scope.spans)
            spans.push({
              ...span,
              attributes: Object.fromEntries(span.attributes.map((a) => [a.key, anyValue(a.value)])),
            });
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, services }),
    ),
  );
}

const model = "amazon.nova-lite-v1:0";
const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
const parentId = "00f067aa0ba902b7";
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let stack: Awaited<ReturnType<typeof startStack>>;
let client: OpenAI;

beforeAll(async () => {
  receiver = await startReceiver();
  process.env.OTEL_BSP_SCHEDULE_DELAY = "50";
  stack = await startStack({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: "aegis-test" });
  client = new OpenAI({
    baseURL: `${stack.gateway.url}/v1`,
    apiKey: "unused",
    maxRetries: 0,
    defaultHeaders: { traceparent: `00-${traceId}-${parentId}-01` },
  });
});
afterAll(async () => {
  await stack?.close();
  await new Promise((resolve) => receiver?.server.close(resolve));
  delete process.env.OTEL_BSP_SCHEDULE_DELAY;
});

describe("OpenTelemetry traces (OTEL_EXPORTER_OTLP_ENDPOINT)", () => {
  it("continue the client's traceparent: a server span, a Bedrock client span with GenAI attributes", async () => {
    const answer = await client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "trace me" }],
    });
    await waitFor(
      () => receiver.spans.some((span) => span.attributes["gen_ai.system"] === "aws.bedrock"),
      10_000,
    );
    await waitFor(() => receiver.spans.some((span) => span.kind === 2 && span.traceId === traceId), 10_000);
    const server = receiver.spans.find((span) => span.kind === 2 && span.traceId === traceId) as ExportedSpan;
    expect(server.parentSpanId).toBe(parentId);
    expect(server.name).toBe("POST /v1/chat/completions");
    expect(server.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/v1/chat/completions",
      "http.response.status_code": 200,
    });
    const bedrock = receiver.spans.find(
      (span) => span.attributes["gen_ai.system"] === "aws.bedrock",
    ) as ExportedSpan;
    expect(bedrock.traceId).toBe(traceId);
    expect(bedrock.parentSpanId).toBe(server.spanId);
    expect(bedrock.kind).toBe(3);
    expect(bedrock.attributes).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.request.model": model,
      "gen_ai.usage.input_tokens": answer.usage?.prompt_tokens,
      "gen_ai.usage.output_tokens": answer.usage?.completion_tokens,
      "gen_ai.response.finish_reasons": ["end_turn"],
    });
    expect(receiver.services).toContain("aegis-test");
  });

  it("a refused media download is a child span with the refusal as error.type", async () => {
    await expect(
      client.chat.completions.create({
        model,
        messages: [
          {
            role: "user",
            content: [{ type: "image_url", image_url: { url: "http://127.0.0.1:9/x.png?token=secret" } }],
          },
        ],
      }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
    await waitFor(
      () => receiver.spans.some((span) => span.attributes["server.address"] === "127.0.0.1"),
      10_000,
    );
    const download = receiver.spans.find(
      (span) => span.attributes["server.address"] === "127.0.0.1",
    ) as ExportedSpan;
    expect(download.attributes["error.type"]).toBe("blocked_address");
    expect(download.status?.code).toBe(2);
    expect(JSON.stringify(download)).not.toContain("secret");
    const parent = receiver.spans.find((span) => span.spanId === download.parentSpanId);
    expect(parent?.kind).toBe(2);
  });
});
