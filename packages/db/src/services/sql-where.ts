// Building a WHERE clause one condition at a time, each value a numbered parameter on `args`.
import { validateUserId } from './users-shared.js';

/** `column = $n`, with `value` pushed on `args`. */
export function whereEquals(where: string[], args: unknown[], column: string, value: unknown): void {
  args.push(value);
  where.push(`${column} = $${args.length}`);
}

/** The user and token filters the request log and the refusals share (a user id is validated). */
export function whereUserAndToken(where: string[], args: unknown[], o: { userId?: string; tokenId?: string }): void {
  if (o.userId !== undefined) whereEquals(where, args, 'user_id', validateUserId(o.userId));
  if (o.tokenId !== undefined) whereEquals(where, args, 'token_id', o.tokenId);
}
