// @dsp/config: the TOML schema shared by every process, its loader, env overrides and errors.
export { configSchema, type Config, type ConfigInput } from './schema.js';
export { envVarName, schemaKeys, schemaSections, schemaLists, type KeyInfo, type SectionInfo, type TableListInfo } from './schema-walk.js';
export type { KeyMeta, ValueKind } from './schema-meta.js';
export { ACCOUNT_NAME_PATTERN, DEFAULT_MODELS, JWT_ALGORITHMS, LOG_LEVELS } from './value-checks.js';
export { isValidTimeZone } from './timezone.js';
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
