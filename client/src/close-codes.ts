/**
 * What the client does after each close code (docs/protocol.md "Close codes"). `reconnect`:
 * whether it tries again; `newToken`: only if the token callback gives it a (new) token;
 * `minDelay`: the shortest wait before trying (a server that said "too much" is not hammered);
 * `immediate`: try again at once (a draining instance: another one takes the connection).
 */
export interface CloseBehaviour {
  reconnect: boolean;
  /** Reconnect only when a token callback is configured (it is asked for a fresh token). */
  newToken?: boolean;
  /** ms */
  minDelay?: number;
  /** Reconnect at once (within 100 ms of jitter), not after a backoff. */
  immediate?: boolean;
  /** What the code means, for `disconnected` listeners and logs. */
  meaning: string;
}

/** Codes the server sends (and the ones a browser reports), and the client's answer to each. */
export const CLOSE_BEHAVIOUR: ReadonlyMap<number, CloseBehaviour> = new Map<number, CloseBehaviour>([
  [1000, { reconnect: true, meaning: 'normal closure by the server' }],
  [1001, { reconnect: true, meaning: 'going away: heartbeat timeout' }],
  [1006, { reconnect: true, meaning: 'connection lost (no close frame)' }],
  [1008, { reconnect: true, meaning: 'policy: slow consumer' }],
  [1009, { reconnect: true, meaning: 'a message was too large' }],
  [1011, { reconnect: true, meaning: 'server error while opening the session' }],
  [1012, { reconnect: true, immediate: true, meaning: 'server restarting (draining): reconnect at once, to another instance' }],
  [1013, { reconnect: true, minDelay: 5000, meaning: 'server full: try again later' }],
  [4000, { reconnect: true, meaning: 'no answer to the client heartbeat (closed by the client)' }],
  [4001, { reconnect: true, meaning: 'the token callback failed (the network, or the token endpoint, is away): retried with backoff' }],
  [4401, { reconnect: true, newToken: true, meaning: 'unauthorized: token missing, invalid or expired' }],
  [4403, { reconnect: false, meaning: 'forbidden' }],
  [4408, { reconnect: true, newToken: true, meaning: 'authentication timeout' }],
  [4429, { reconnect: true, minDelay: 10_000, meaning: 'rate limited' }],
]);

/** Unknown codes: 1xxx protocol-level ones are retried, application codes (4xxx) are not. */
export function closeBehaviour(code: number): CloseBehaviour {
  return CLOSE_BEHAVIOUR.get(code) ?? (code >= 4000 ? { reconnect: false, meaning: `application close code ${code}` } : { reconnect: true, meaning: `close code ${code}` });
}

/** Close code the client itself uses when the server stopped answering its heartbeat. */
export const HEARTBEAT_CLOSE = 4000;
/** Code the client reports when its token callback failed (threw, rejected or timed out): not an auth refusal. */
export const TOKEN_CALLBACK_FAILED = 4001;
