export { startMockDeepSeek } from './mock.js';
export type { MockOptions, MockDeepSeek, ReceivedRequest, IssuedUsage, KeyStats, DownMode } from './mock.js';
export type { MockBehaviour, FaultPoint } from './behaviour.js';
export type { KeyBehaviour, BalanceInfo } from './keys.js';
export type { MockStats } from './control.js';
export { expectedText, chatPromptTokens, fimPromptTokens, cacheHitTokens } from './content.js';
export { MODELS } from './models.js';
export { thinkingSignature } from './tools.js';
