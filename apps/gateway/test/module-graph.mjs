// Prints, as JSON, every module URL the ESM loader resolves while importing the module given as
// the first argument (a resolve hook on the loader thread posts each URL back). Used by
// worker-modules.test.ts to see what a role's process loads without starting it.
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const urls = [];
port1.on('message', (url) => urls.push(url));
port1.unref();
const hook = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) { const r = await next(specifier, context); port.postMessage(r.url); return r; }`;
register(`data:text/javascript,${encodeURIComponent(hook)}`, { data: { port: port2 }, transferList: [port2] });
await import(process.argv[2]);
// the last messages from the loader thread
await new Promise((r) => setTimeout(r, 100));
process.stdout.write(JSON.stringify([...new Set(urls)]));
