// The engine's transport and token ports over a ServerCore in the same process: no sockets,
// no serialisation, answers as resolved promises. For `npm start` before the simulator, and
// for end-to-end tests of the async engine. `online()` lets a test cut the link.

import type { ErrorBody, PullQuery, PullResponse, PushRequest, PushResponse, TokenResponse } from '../engine/protocol.ts';
import type { TokenProviderPort, TransportOutcome, TransportPort } from '../engine/ports.ts';
import type { Reply, ServerCore } from './core/index.ts';

export interface InProcessLink {
  readonly transport: TransportPort;
  readonly tokens: TokenProviderPort;
  /** Cut or restore the link: while cut, every request is `unsent`. */
  setReachable(reachable: boolean): void;
}

function outcomeOf<T>(reply: Reply<T | ErrorBody>): TransportOutcome<T> {
  if (reply.status === 200) return { kind: 'ok', body: reply.body as T };
  const retryAfter = reply.headers?.['retry-after'] ?? reply.headers?.['Retry-After'];
  return { kind: 'http', status: reply.status, retryAfterMs: retryAfter === undefined ? null : Number(retryAfter) * 1000, body: reply.body as ErrorBody };
}

/** A link for one user's client to `server`, with server time from `serverNow`. */
export function inProcessLink(server: () => ServerCore, user: string, serverNow: () => number): InProcessLink {
  let reachable = true;
  let token: string | null = null;
  const fetchToken = async (): Promise<string> => {
    const reply = server().issueToken({ user }, serverNow());
    if (reply.status !== 200) throw new Error(`token refused: ${JSON.stringify(reply.body)}`);
    token = (reply.body as TokenResponse).token;
    return token;
  };
  const call = <T>(token: string, run: (user: string) => Reply<T | ErrorBody>): Promise<TransportOutcome<T>> => {
    if (!reachable) return Promise.resolve({ kind: 'unsent', reason: 'unreachable' });
    const auth = server().authenticate(`Bearer ${token}`, serverNow());
    if (!auth.ok) return Promise.resolve(outcomeOf<T>(auth.reply));
    return Promise.resolve(outcomeOf(run(auth.user)));
  };
  const transport: TransportPort = {
    push: (request: PushRequest, t: string) => call<PushResponse>(t, (u) => server().push(u, request, serverNow()).reply),
    pull: (query: PullQuery, t: string) => call<PullResponse>(t, (u) => server().pull(u, query, serverNow())),
  };
  const tokens: TokenProviderPort = {
    token: () => (token === null ? fetchToken() : Promise.resolve(token)),
    refresh: fetchToken,
  };
  return { transport, tokens, setReachable: (r) => void (reachable = r) };
}
