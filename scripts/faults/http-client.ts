import * as http from 'node:http';

/**
 * The fault suite's HTTP client: node:http with a hard per-request deadline (a blackholed link
 * never answers), an optional source address (the workload's requests come from a client address
 * the proxy can cut separately from the brokers'), and keep-alive agents that are bounded.
 */
export interface HttpAnswer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- answers are read field by field
  body: any;
}

export class HttpClient {
  private readonly agent: http.Agent;

  constructor(options: { localAddress?: string; maxSockets?: number } = {}) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 64, localAddress: options.localAddress });
  }

  /** Sends a JSON request; rejects on network errors and after `timeoutMs` (the outcome is then unknown). */
  request(method: string, url: string, body: unknown, timeoutMs: number): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = http.request(url, {
        method,
        agent: this.agent,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
      });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      req.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > 64 * 1024 * 1024) req.destroy(new Error('answer over 64 MiB'));
          else chunks.push(chunk);
        });
        res.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
        res.once('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = undefined;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = { unparsed: text.slice(0, 200) };
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** A short, one-line description of an error for the history. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return ((error as NodeJS.ErrnoException).code ?? '') + (error.message ? ` ${error.message}` : '');
  return String(error);
}
