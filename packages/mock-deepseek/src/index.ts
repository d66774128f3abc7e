export { startMockDeepSeek } from './mock.js';
export type { MockOptions, MockDeepSeek, ReceivedRequest, IssuedUsage } from './mock.js';
export type { MockBehaviour, FaultPoint } from './behaviour.js';
export { expectedText, chatPromptTokens, fimPromptTokens, cacheHitTokens, MODELS } from './content.js';
