import { AUTH_ROUTES } from '../../../contracts/auth.ts';
import { api, hasSessionCookie } from './api.ts';
import { createRealtimeClient, type RealtimeClient, type WebSocketLike } from './realtime-client.ts';

export type { RealtimeClient, RealtimeStatus } from './realtime-client.ts';

let shared: RealtimeClient | undefined;

/** The page's client, connected to this origin's `/realtime` (created on first use). */
export function realtimeClient(): RealtimeClient {
  if (!shared) {
    const { protocol, host } = window.location;
    shared = createRealtimeClient({
      createSocket: (url) => new WebSocket(url) as unknown as WebSocketLike,
      url: `${protocol === 'https:' ? 'wss:' : 'ws:'}//${host}/realtime`,
      // An expired access cookie fails the handshake: one authenticated request through the API
      // client refreshes the session (sharing its single refresh: refresh tokens rotate).
      beforeReconnect: async () => {
        if (hasSessionCookie()) await api.get(AUTH_ROUTES.session.path, AUTH_ROUTES.session.response[200]);
      },
    });
  }
  return shared;
}
