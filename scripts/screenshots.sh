#!/bin/sh
# Regenerates the README's console screenshots (docs/screenshots/*.png) from the console's browser
# test, run against its own seeded stack (real gateway, Redis, Postgres, Debian's Chromium).
# Needs a build first: pnpm exec turbo run build --filter=@dsp/admin --filter=@dsp/gateway
set -e
cd "$(dirname "$0")/.."
mkdir -p docs/screenshots
DSP_SCREENSHOTS="$PWD/docs/screenshots" exec pnpm exec vitest run --project admin apps/admin/test/console.test.ts
