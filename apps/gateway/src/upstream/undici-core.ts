// The parts of undici an HTTP worker uses (its upstream pool and the reachability probe), and the
// primary's Agent for balance reads, loaded from their own files instead of undici's index. The
// index also loads fetch, WebSocket, EventSource, the cache stores, the mock agents and every
// interceptor: about 3 MB of heap (source text and compiled code) that neither uses
// (bench/optimisations.md, "undici's index"). undici is pinned to one version in package.json; a
// moved file fails at start, which every gateway test would show.
import { createRequire } from 'node:module';
import type * as Undici from 'undici';

const require = createRequire(import.meta.url);

export const Pool = require('undici/lib/dispatcher/pool.js') as typeof Undici.Pool;
export const buildConnector = require('undici/lib/core/connect.js') as typeof Undici.buildConnector;
export const errors = require('undici/lib/core/errors.js') as typeof Undici.errors;
/** `dispatcher.request` of undici's index (its index adds it to every dispatcher's prototype) */
const apiRequest = require('undici/lib/api/api-request.js') as (
  this: Undici.Dispatcher,
  o: Undici.Dispatcher.RequestOptions,
) => Promise<Undici.Dispatcher.ResponseData>;

/** undici's Agent (a Pool per origin), from its own file and only when called: the primary's balance reads. */
export function createAgent(): Undici.Agent {
  const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
  return new Agent();
}

export function request(dispatcher: Undici.Dispatcher, o: Undici.Dispatcher.RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  return apiRequest.call(dispatcher, o);
}

/** PoolBase's symbols (the Pool's client list, its "this client is busy" flag, its hooks) and undici's HTTP/1 client */
export const poolBase = require('undici/lib/dispatcher/pool-base.js') as {
  kClients: symbol;
  kNeedDrain: symbol;
  kAddClient: symbol;
  kGetDispatcher: symbol;
};
export const Client = require('undici/lib/dispatcher/client.js') as typeof Undici.Client;
