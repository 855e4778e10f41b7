// Run inside the test's network namespace (ip netns exec): GET /health, then one chat completion through the
// official openai client, and a stream when asked. Prints one JSON line. For HTTPS, NODE_EXTRA_CA_CERTS
// names the test CA.
import OpenAI from "openai";

const [baseUrl, apiKey, mode = "plain"] = process.argv.slice(2);
const health = await fetch(`${baseUrl}/health`).then(async (res) => ({
  status: res.status,
  body: await res.json(),
}));
const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey, maxRetries: 0, timeout: 20_000 });
const result = { health };
if (mode === "stream") {
  // Announces itself once the stream has begun, so the test can stop the gateway while it is in flight.
  const stream = await client.chat.completions.create({
    model: "amazon.nova-micro-v1:0",
    messages: [{ role: "user", content: "Hello @@deltas:8 @@slow:400" }],
    stream: true,
  });
  let text = "";
  let announced = false;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? "";
    if (!announced) {
      announced = true;
      process.stderr.write("streaming\n");
    }
  }
  result.streamed = text;
} else {
  const answer = await client.chat.completions.create({
    model: "amazon.nova-micro-v1:0",
    messages: [{ role: "user", content: "Hello @@deltas:3" }],
  });
  result.content = answer.choices[0]?.message.content;
}
process.stdout.write(`${JSON.stringify(result)}\n`);
