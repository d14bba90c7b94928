import type * as http from 'node:http';
import type { TransportStats } from '../transport/http-transport-options';
import type { Transport, TransportEvents } from './transport';

/** The transport as the host uses it: send, receive through `attach`, and optionally mount on a server. */
export interface PeerTransport extends Transport {
  attach(events: TransportEvents): void;
  handle?(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  readonly stats?: TransportStats;
}
