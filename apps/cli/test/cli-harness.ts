// Shared by the CLI's end-to-end tests: run the built `dsp` against a config file, and a fresh
// ES256 key pair with the [auth] settings that use it.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateKeyPairPem, type AuthSettings } from '@dsp/core';

export const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
export const REDIS_URL = process.env.DSP_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface DspResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `dsp --config FILE ARGS…` in `cwd`, with only PATH and HOME from this environment. */
export function runDsp(configFile: string, cwd: string, args: string[]): Promise<DspResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, '--config', configFile, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** public.pem / private.pem in `dir`, and [auth] settings naming them (issuer and audience "dsp-cli-test"). */
export async function writeKeyPair(dir: string): Promise<AuthSettings> {
  const kp = await generateKeyPairPem('ES256');
  writeFileSync(join(dir, 'public.pem'), kp.publicKey);
  writeFileSync(join(dir, 'private.pem'), kp.privateKey);
  return {
    issuer: 'dsp-cli-test',
    audience: 'dsp-cli-test',
    algorithms: ['ES256'],
    public_key_file: join(dir, 'public.pem'),
    private_key_file: join(dir, 'private.pem'),
    secret: '',
    key_id: '',
    previous_public_key_files: [],
  };
}
