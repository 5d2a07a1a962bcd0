import type { Readable } from 'node:stream';
import { RunnelError, badRequest } from '../common/errors';

/**
 * Reads a whole request body that a route received as a stream, refusing it (413 / 41301) as
 * soon as it passes `limit` bytes — used where the exact bytes are needed (an Idempotency-Key's
 * fingerprint, the raw JSON text of records:batch). The rest of a refused body is discarded.
 */
export async function readBody(source: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    // destroyOnReturn false: refusing early must not destroy the request (the answer needs its socket).
    for await (const chunk of source.iterator({ destroyOnReturn: false })) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      received += bytes.length;
      if (received > limit) break;
      chunks.push(bytes);
    }
  } catch {
    throw badRequest('The request body ended early');
  }
  if (received > limit) {
    source.resume();
    throw new RunnelError('TOO_LARGE', `Request body is larger than the broker's limit of ${limit} bytes`);
  }
  return Buffer.concat(chunks, received);
}
