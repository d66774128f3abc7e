// The configuration schema: one zod object of the config sections (sections/), whose every key
// carries a default, a description and the metadata the loader (env typing, path resolution,
// secret files) and the reference renderer need (schema-meta.ts). The TOML names are used
// unchanged (snake_case) in the parsed config; the order here is the order of the docs.
import { z } from 'zod';
import { adminSection } from './sections/admin.js';
import { authSection } from './sections/auth.js';
import { limitsSection, serverSection } from './sections/gateway.js';
import { alertsSection, pricingSection, quotaSection } from './sections/money.js';
import { logSection, metricsSection, tracingSection, usageSection } from './sections/observability.js';
import { databaseSection, redisSection } from './sections/stores.js';
import { deepseekSection, modelsSection } from './sections/upstream.js';

export const configSchema = z.object({
  server: serverSection,
  deepseek: deepseekSection,
  models: modelsSection,
  auth: authSection,
  limits: limitsSection,
  quota: quotaSection,
  redis: redisSection,
  database: databaseSection,
  metrics: metricsSection,
  tracing: tracingSection,
  log: logSection,
  usage: usageSection,
  pricing: pricingSection,
  alerts: alertsSection,
  admin: adminSection,
});

/** The parsed configuration, with the TOML names (snake_case). Loaded configs are deeply frozen. */
export type Config = z.infer<typeof configSchema>;
/** What a TOML file may contain (every key optional). */
export type ConfigInput = z.input<typeof configSchema>;
