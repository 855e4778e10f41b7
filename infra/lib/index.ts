export * from "./aegis-gateway.js";
export { alarmDefaults, type GatewayAlarmsProps } from "./alarms.js";
export type { ApiKeyProps } from "./api-key.js";
export { gatewayImageFromRepo } from "./gateway-image.js";
export { emfDefaultNamespace, emfMetric, gatewayRoutes, streamingRoutes } from "./gateway-metrics.js";
export {
  type ExistingGuardrailProps,
  type GatewayGuardrailProps,
  type GuardrailPreset,
  type PresetGuardrailProps,
  piiMaskEntities,
  presetPolicies,
  strictContentFilters,
} from "./guardrail.js";
export { interfaceEndpointServices } from "./network.js";
export { anonymousIpRuleGroup, countedCoreRules, managedRuleGroups } from "./waf.js";
