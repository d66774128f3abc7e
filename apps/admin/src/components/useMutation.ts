'use client';
// A mutation from a component: `run(fn)` keeps `busy` set while fn runs (the API call and what
// follows its success), shows an error in the console's language, and refreshes the page's server
// data after a success.
import { useCallback, useState } from 'react';
import { useRouter } from 'next/navigation';
import { useApiError } from './useApiError';

export function useMutation(): { busy: boolean; run: (fn: () => Promise<void>) => Promise<void> } {
  const router = useRouter();
  const onError = useApiError();
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async (fn: () => Promise<void>) => {
      setBusy(true);
      try {
        await fn();
        router.refresh();
      } catch (e) {
        onError(e);
      } finally {
        setBusy(false);
      }
    },
    [router, onError],
  );
  return { busy, run };
}
