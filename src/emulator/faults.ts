import { EMULATOR_ACCOUNT_ID } from "./catalogue.js";
import type { Directives } from "./directives.js";
import { EmulatedError, type Service, statusFor } from "./exceptions.js";
import type { Exchange } from "./exchange.js";
import { sleep } from "./sleep.js";

/**
 * Faults a test can ask for: per request through directives, or per operation through
 * failOperation(). Error messages deliberately carry an ARN and an account id, like real Bedrock
 * messages do, so the gateway's scrubbing of them can be tested.
 */

export const THROTTLE_MESSAGE = "Too many requests, please wait before trying again.";

function resourceArn(region: string, modelId: string | undefined): string {
  return `arn:aws:bedrock:${region}:${EMULATOR_ACCOUNT_ID}:foundation-model/${modelId ?? "unknown"}`;
}

/** Extra members some exceptions carry, so the SDK's exception objects look real. */
function extraFields(exceptionName: string, arn: string): Record<string, unknown> {
  if (exceptionName === "ModelErrorException") return { originalStatusCode: 500, resourceName: arn };
  if (exceptionName === "ModelStreamErrorException") {
    return { originalStatusCode: 500, originalMessage: "The model stopped unexpectedly." };
  }
  return {};
}

/** The error `@@error:<name>` / `@@midstream:<name>` produce, with its body members. */
export function directedError(
  exceptionName: string,
  region: string,
  modelId: string | undefined,
): EmulatedError {
  const arn = resourceArn(region, modelId);
  return new EmulatedError(
    exceptionName,
    `Emulated ${exceptionName} while invoking ${arn} for account ${EMULATOR_ACCOUNT_ID}.`,
    statusFor("bedrock-runtime", exceptionName),
    {},
    extraFields(exceptionName, arn),
  );
}

export function throttled(): EmulatedError {
  return new EmulatedError("ThrottlingException", THROTTLE_MESSAGE, 429, { "retry-after": "3" });
}

/**
 * Applies the directives that act before any answer: stall, throttle, error. Resolves false when the
 * client left during the stall (nothing more should be written).
 */
export async function honourRequestDirectives(exchange: Exchange, directives: Directives): Promise<boolean> {
  if (directives.stallMs !== undefined && !(await sleep(directives.stallMs, exchange.signal))) return false;
  if (directives.throttle) throw throttled();
  if (directives.error) throw directedError(directives.error, exchange.region, exchange.record.modelId);
  return true;
}

/** The error an operation answers while failOperation() is in force for it. */
export function injectedFailure(
  service: Service,
  operation: string,
  exceptionName: string,
  region: string,
): EmulatedError {
  return new EmulatedError(
    exceptionName,
    `Emulated ${exceptionName} for ${operation} (account ${EMULATOR_ACCOUNT_ID}, region ${region}).`,
    statusFor(service, exceptionName),
  );
}
