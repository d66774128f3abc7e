// @dsp/config: the TOML schema shared by every process, its loader, env overrides and errors.
export {
  configSchema,
  envVarName,
  isValidTimeZone,
  schemaKeys,
  schemaSections,
  schemaLists,
  ACCOUNT_NAME_PATTERN,
  DEFAULT_MODELS,
  JWT_ALGORITHMS,
  LOG_LEVELS,
  type Config,
  type ConfigInput,
  type KeyInfo,
  type KeyMeta,
  type SectionInfo,
  type TableListInfo,
  type ValueKind,
} from './schema.js';
export { loadConfig, parseConfig, defaultConfig, type LoadedConfig, type LoadOptions, type ParseOptions } from './load.js';
export { resolveConfigFile, DEFAULT_CONFIG_FILE, type ConfigFileChoice } from './resolve.js';
export { CONFIG_ENV_VAR } from './env.js';
export { START_ENV_FILE, STATE_DIR, findConfigDir, namesConfigFile, readStartEnv, writeStartEnv, withStartEnv, type StartEnv } from './state.js';
export { ConfigError, isConfigError, type ConfigProblem, type SourceKind } from './errors.js';
export { demoMode, instanceId, workerCount, redactConfig } from './helpers.js';
export { renderConfigReference, renderGeneratedFiles } from './reference.js';
export { renderExampleConfig } from './example.js';
export { TUNING_PROFILES, type TuningProfile, type ProfileSetting } from './profiles.js';
export type { Env } from './sources.js';
export { upstreamAccounts, DEFAULT_ACCOUNT, type UpstreamAccount } from './accounts.js';
