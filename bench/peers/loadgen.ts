import * as http from 'node:http';
import * as https from 'node:https';

/**
 * The HTTP load generator every HTTP case shares (broker and sink alike): `connections` workers,
 * each with its own keep-alive socket, POST a prepared body back to back until the time is up or
 * `maxRequests` were sent. The body is built once, so the generator spends its CPU on HTTP only.
 */
export interface HttpLoad {
  url: (worker: number) => string;
  body: Buffer;
  headers: Record<string, string>;
  recordsPerRequest: number;
  payloadBytesPerRequest: number;
  connections: number;
  seconds: number;
  maxRequests?: number;
  /** Whether an answer (status, body) means every record was accepted. */
  accepted?: (status: number, body: string) => boolean;
  /** For an https URL: the CA that signed the broker's certificate. */
  tls?: { ca: Buffer };
}

export interface LoadResult {
  seconds: number;
  requests: number;
  records: number;
  payloadBytes: number;
  failures: number;
  firstFailure?: string;
}

export async function runHttpLoad(load: HttpLoad): Promise<LoadResult> {
  const agent = load.tls
    ? new https.Agent({ keepAlive: true, maxSockets: load.connections, ca: load.tls.ca })
    : new http.Agent({ keepAlive: true, maxSockets: load.connections });
  const request = load.tls ? https.request : http.request;
  const accepted = load.accepted ?? ((status) => status >= 200 && status < 300);
  const result: LoadResult = { seconds: 0, requests: 0, records: 0, payloadBytes: 0, failures: 0 };
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(load.seconds * 1e9));
  let issued = 0;
  const post = (url: URL): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: 'POST', agent, headers: { ...load.headers, 'content-length': load.body.length } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(load.body);
    });
  const worker = async (n: number): Promise<void> => {
    const url = new URL(load.url(n));
    while (process.hrtime.bigint() < deadline && (load.maxRequests === undefined || issued < load.maxRequests)) {
      issued++;
      try {
        const { status, body } = await post(url);
        if (accepted(status, body)) {
          result.requests++;
          result.records += load.recordsPerRequest;
          result.payloadBytes += load.payloadBytesPerRequest;
        } else {
          result.failures++;
          result.firstFailure ??= `${status} ${body.slice(0, 200)}`;
        }
      } catch (error) {
        result.failures++;
        result.firstFailure ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: load.connections }, (_, n) => worker(n)));
  result.seconds = Number(process.hrtime.bigint() - start) / 1e9;
  agent.destroy();
  return result;
}
