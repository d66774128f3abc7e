// as apps/admin/src/server/*.ts: the console never imports the gateway
import { createApp } from '../../../gateway/src/server.js';
import type { Deps } from '@dsp/gateway';

export const fixture: [typeof createApp, Deps | null] = [createApp, null];
