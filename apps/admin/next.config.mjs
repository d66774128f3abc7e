// Next.js config of the admin console. Everything is served from this process: no fonts, images or
// scripts from other hosts, so `next build` and `next start` work offline.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');

/** @type {import('next').NextConfig} */
const nextConfig = {
  output: 'standalone',
  // the monorepo root: standalone tracing follows the pnpm symlinks into packages/*
  outputFileTracingRoot: repoRoot,
  turbopack: { root: repoRoot },
  // the workspace packages are compiled Node ESM (dist/); they and their native-ish deps run
  // unbundled on the server
  serverExternalPackages: ['@dsp/db', '@dsp/config', '@dsp/core', 'pg', 'ioredis'],
  poweredByHeader: false,
  reactStrictMode: true,
  devIndicators: false,
  typescript: { ignoreBuildErrors: false },
  async headers() {
    return [
      {
        source: '/:path*',
        headers: [
          { key: 'X-Frame-Options', value: 'DENY' },
          { key: 'X-Content-Type-Options', value: 'nosniff' },
          { key: 'Referrer-Policy', value: 'same-origin' },
          { key: 'Cross-Origin-Opener-Policy', value: 'same-origin' },
        ],
      },
    ];
  },
};

export default nextConfig;
