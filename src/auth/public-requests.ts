import type { FastifyRequest } from "fastify";

/**
 * The only requests served without a key: the health check (load balancers carry no key) and CORS
 * preflights (browsers never send credentials on them; the CORS policy decides what they learn).
 */
export function isPublicRequest(request: FastifyRequest): boolean {
  const { method } = request;
  if (method === "GET" || method === "HEAD") return request.routeOptions.url === "/health";
  return (
    method === "OPTIONS" &&
    request.headers.origin !== undefined &&
    request.headers["access-control-request-method"] !== undefined
  );
}
