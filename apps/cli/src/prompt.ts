// Reading a secret: a hidden prompt on a terminal, else the first line of piped stdin.
import { CliError } from './command.js';
import type { Io } from './output.js';

export function promptHidden(stdin: NodeJS.ReadStream, io: Io, prompt: string): Promise<string> {
  io.stderr(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let buf = '';
    const finish = () => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      io.stderr('\n');
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') {
          finish();
          return resolve(buf);
        }
        if (ch === '\u0003' || (ch === '\u0004' && buf === '')) {
          finish();
          return reject(new CliError('aborted'));
        }
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else if (ch >= ' ') buf += ch;
      }
    };
    stdin.on('data', onData);
  });
}

export async function readFirstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

/** --password, else $DSP_ADMIN_PASSWORD, else a prompt (twice) on a terminal, else a line of stdin. */
export async function readNewPassword(o: { flag?: string; env: NodeJS.ProcessEnv; stdin: NodeJS.ReadStream; io: Io }): Promise<string> {
  if (o.flag !== undefined) {
    o.io.stderr('warning: --password is visible to other users of this machine; prefer DSP_ADMIN_PASSWORD or the prompt\n');
    return o.flag;
  }
  const fromEnv = o.env.DSP_ADMIN_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  if (o.stdin.isTTY) {
    const a = await promptHidden(o.stdin, o.io, 'password: ');
    const b = await promptHidden(o.stdin, o.io, 'password again: ');
    if (a !== b) throw new CliError('the passwords do not match');
    return a;
  }
  const line = await readFirstLine(o.stdin);
  if (line === '') throw new CliError('no password: use --password, DSP_ADMIN_PASSWORD, a terminal prompt, or pipe it on stdin');
  return line;
}
