export * from "./aegis-gateway.js";
export type { ApiKeyProps } from "./api-key.js";
export { gatewayImageFromRepo } from "./gateway-image.js";
export { interfaceEndpointServices } from "./network.js";
export { anonymousIpRuleGroup, countedCoreRules, managedRuleGroups } from "./waf.js";
