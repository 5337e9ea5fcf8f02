/**
 * Reads a password for the CLI: the first line of stdin with `--password-stdin`, or a prompt without
 * echo on a terminal. Never from argv, where other users of the machine can see it (`ps`).
 */
import { createInterface } from 'node:readline';
import { AppError } from '../errors.ts';

/** The first line of stdin, without its line ending ('' when stdin is empty). */
async function readStdinLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
    // Whatever follows the first line is not ours; stop reading so the process can exit.
    process.stdin.destroy();
  }
}

/** Reads one line from the terminal in raw mode, echoing nothing. Ctrl-C aborts the command. */
function promptHidden(prompt: string): Promise<string> {
  const input = process.stdin;
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new AppError('invalid', 'cancelled'));
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (char >= ' ') value += char;
      }
    };
    input.on('data', onData);
  });
}

/**
 * The password for a new account. On a terminal it is asked twice, so a typo does not lock the
 * user out; without a terminal `--password-stdin` is required, so a script never hangs on a prompt.
 */
export async function readNewPassword(options: { passwordStdin?: boolean | undefined }): Promise<string> {
  if (options.passwordStdin) return readStdinLine();
  if (!process.stdin.isTTY) {
    throw new AppError(
      'invalid',
      'password: no terminal to prompt on; pipe the password with --password-stdin (it is never read from arguments)',
    );
  }
  const password = await promptHidden('Password: ');
  const again = await promptHidden('Repeat the password: ');
  if (password !== again) throw new AppError('invalid', 'password: the two entries differ');
  return password;
}
