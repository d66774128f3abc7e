#!/usr/bin/env node
// Starts the admin console on config.admin.host / config.admin.port and prints its URL.
//
//   node apps/admin/scripts/start.mjs [--config FILE] [--next-start]     (or DSP_CONFIG=FILE)
//
// The config is found as every other process finds it (--config, DSP_CONFIG, ./deepseek-proxy.toml,
// plus what `pnpm start` recorded in ./.dsp/start.env), looked for in the working directory, then
// the directory pnpm was started from and the repository root, so `pnpm --filter @dsp/admin start`
// finds the root's. The server gets the variables found and the file as DSP_CONFIG. Runs the
// standalone server (.next/standalone) when
// the build made one (after copying the static assets into it and linking the workspace package
// @dsp/db, which the server loads unbundled), else `next start` (--next-start forces it).
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig, isConfigError, findConfigDir, namesConfigFile, withStartEnv } from '@dsp/config';

const appDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(appDir, '../..');
const argv = process.argv.slice(2).filter((a) => a !== '--next-start');

// a named file is relative to where pnpm was started; else the config is looked for (findConfigDir)
const cwd = namesConfigFile(argv, process.env)
  ? (process.env.INIT_CWD ?? process.cwd())
  : (findConfigDir([process.cwd(), process.env.INIT_CWD, repoRoot].filter(Boolean)) ?? process.cwd());
let config;
let configPath;
let found;
try {
  found = withStartEnv({ argv, env: process.env, cwd });
  ({ config, file: configPath } = loadConfig({ argv, env: found.env, cwd, startEnv: false }));
} catch (e) {
  console.error(isConfigError(e) ? e.message : e);
  process.exit(2);
}
const { host, port } = config.admin;

const env = {
  ...found.env,
  NEXT_TELEMETRY_DISABLED: '1',
  NODE_ENV: 'production',
  ...(configPath ? { DSP_CONFIG: configPath } : {}),
};

// tells the server which TCP peer each request came from (scripts/peer-address.mjs)
const peerPreload = pathToFileURL(join(appDir, 'scripts/peer-address.mjs')).href;
const standaloneDir = join(appDir, '.next/standalone/apps/admin');
const standalone = join(standaloneDir, 'server.js');
let child;
if (existsSync(standalone) && !process.argv.includes('--next-start')) {
  // the standalone server serves .next/static and public/ only from its own copy: refresh it
  // whenever the build changed
  const buildId = (p) => (existsSync(p) ? readFileSync(p, 'utf8') : null);
  const copied = join(standaloneDir, '.next/static/.build-id');
  if (buildId(join(appDir, '.next/BUILD_ID')) !== buildId(copied)) {
    cpSync(join(appDir, '.next/static'), join(standaloneDir, '.next/static'), { recursive: true });
    cpSync(join(appDir, '.next/BUILD_ID'), copied);
  }
  if (existsSync(join(appDir, 'public'))) cpSync(join(appDir, 'public'), join(standaloneDir, 'public'), { recursive: true });
  // @dsp/db (the service layer) is loaded unbundled at run time (src/server/dsp.ts), so the
  // tracer does not copy it: link the workspace package in, as the app's own node_modules does
  const link = join(standaloneDir, 'node_modules/@dsp/db');
  const target = relative(dirname(link), realpathSync(join(appDir, 'node_modules/@dsp/db')));
  mkdirSync(dirname(link), { recursive: true });
  rmSync(link, { force: true, recursive: true });
  symlinkSync(target, link, 'dir');
  child = spawn(process.execPath, ['--import', peerPreload, standalone], {
    cwd: process.cwd(),
    env: { ...env, HOSTNAME: host, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
} else {
  const nextBin = join(appDir, 'node_modules/next/dist/bin/next');
  child = spawn(process.execPath, ['--import', peerPreload, nextBin, 'start', appDir, '-H', host, '-p', String(port)], {
    cwd: process.cwd(),
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
const url = `http://${shownHost}:${port}`;
let announced = false;
child.stdout.on('data', (b) => {
  process.stdout.write(b);
  if (!announced && /ready|started server|listening/i.test(b.toString())) {
    announced = true;
    console.log(`admin console: ${url}  (config: ${configPath ?? 'defaults, no file'}${found.startEnv ? `, with ${found.startEnv.file}` : ''})`);
  }
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
