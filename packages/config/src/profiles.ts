// Tuning profiles for the upstream pool: the data behind examples/profiles/*.toml and the
// "Tuning profiles" table of docs/CONFIG.md.

export interface ProfileSetting {
  /** Dotted key path, e.g. `deepseek.http_client.max_connections`. */
  key: string;
  value: number | boolean;
  /** Why this profile sets it (the comment above the key in the profile file). */
  why: string;
}

export interface TuningProfile {
  name: 'high-concurrency' | 'low-latency' | 'long-connection';
  /** Path of the profile file from the repository root. */
  file: string;
  whenToUse: string;
  settings: ProfileSetting[];
}

const HC = 'deepseek.http_client';

export const TUNING_PROFILES: readonly TuningProfile[] = [
  {
    name: 'high-concurrency',
    file: 'examples/profiles/high-concurrency.toml',
    whenToUse:
      'Many requests in flight per worker: hundreds of concurrent streams per host, batch jobs, tokens with a high `concurrency` claim. Keeps a large warm pool so bursts do not pay for TCP + TLS handshakes, and caps sockets per worker.',
    settings: [
      {
        key: `${HC}.pool_max_idle_per_host`,
        value: 256,
        why: 'Keep a large warm pool: after a burst, up to 256 idle connections per worker stay open for the next one.',
      },
      {
        key: `${HC}.pool_idle_timeout_seconds`,
        value: 120,
        why: 'Keep idle connections a little longer between bursts (a shorter Keep-Alive hint from the server still wins).',
      },
      {
        key: `${HC}.connect_timeout_seconds`,
        value: 5,
        why: 'Under load a slow connect usually means trouble upstream: fail fast (504) instead of piling up requests.',
      },
      {
        key: `${HC}.max_connections`,
        value: 1024,
        why: 'Cap upstream sockets per worker so a burst cannot exhaust file descriptors or ephemeral ports; extra requests queue in the pool.',
      },
    ],
  },
  {
    name: 'low-latency',
    file: 'examples/profiles/low-latency.toml',
    whenToUse:
      'Interactive chat where time to first token matters and requests are short. Keeps connections warm through lulls, fails fast on a stuck upstream, and uses one HTTP/1.1 connection per request so a lost packet on one stream never stalls others.',
    settings: [
      {
        key: `${HC}.pool_max_idle_per_host`,
        value: 64,
        why: 'More warm connections, so a request rarely waits for a new TCP + TLS handshake.',
      },
      {
        key: `${HC}.pool_idle_timeout_seconds`,
        value: 300,
        why: "Keep warm connections through quiet periods (the server's Keep-Alive hint still caps this).",
      },
      {
        key: `${HC}.connect_timeout_seconds`,
        value: 3,
        why: 'A connect that takes longer than 3 s is failed (504) rather than waited for.',
      },
      {
        key: `${HC}.timeout_seconds`,
        value: 30,
        why: 'Response headers (and a whole non-stream answer) must arrive within 30 s.',
      },
      {
        key: `${HC}.stream_timeout_seconds`,
        value: 60,
        why: 'A stream silent for a minute is treated as stuck and ended.',
      },
      {
        key: `${HC}.http2_adaptive_window`,
        value: false,
        why: 'Stay on HTTP/1.1: one request per connection avoids TCP head-of-line blocking between multiplexed HTTP/2 streams.',
      },
    ],
  },
  {
    name: 'long-connection',
    file: 'examples/profiles/long-connection.toml',
    whenToUse:
      'Long answers: `deepseek-reasoner` thinking for minutes, large non-stream completions, slow clients. Raises the deadlines so legitimate long requests are not cut off, and gives them time to finish on shutdown.',
    settings: [
      {
        key: `${HC}.pool_idle_timeout_seconds`,
        value: 300,
        why: 'Long requests come in slowly; keep their connections for the next one.',
      },
      {
        key: `${HC}.timeout_seconds`,
        value: 600,
        why: 'A non-stream reasoning answer may take many minutes to complete.',
      },
      {
        key: `${HC}.stream_timeout_seconds`,
        value: 600,
        why: 'Allow long pauses between chunks (e.g. while the model reasons before answering).',
      },
      {
        key: 'server.shutdown_grace_seconds',
        value: 600,
        why: 'On SIGTERM, let running long requests finish instead of cutting them after 30 s.',
      },
    ],
  },
];
