import { pino, type Logger } from 'pino';

export type { Logger };

/** JSON lines to stdout; pretty only when asked (pnpm start on a TTY sets DSP_LOG_PRETTY). */
export function createLogger(level: string, base: Record<string, unknown>, pretty = false): Logger {
  const redact = { paths: ['authorization', 'headers.authorization', 'api_key', 'token', 'secret'], censor: '[redacted]' };
  if (pretty) {
    return pino({
      level,
      base,
      redact,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level, base, redact });
}
