// as packages/config/src/*.ts: the config package imports nothing of ours
import { keys } from '@dsp/core';

export const fixture = keys;
