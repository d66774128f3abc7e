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
  // ioredis runs unbundled. The service layer (@dsp/db, with pg) is not bundled either: Turbopack
  // always compiles workspace packages, so src/server/dsp.ts loads it with Node's own import()
  serverExternalPackages: ['ioredis', 'pg'],
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
