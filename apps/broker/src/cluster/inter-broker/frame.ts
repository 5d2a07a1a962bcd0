/**
 * The frame of every inter-broker route except replica-fetch (which has its own codec): a JSON
 * header carrying the call's parameters, then raw bytes (record batches) appended untouched, so a
 * forwarded produce or read never re-encodes its records.
 *
 *   frame  = headerLength:uint32be  header:utf8-json[headerLength]  body:bytes[rest]
 *
 * Decoding is bounded: a header longer than `maxHeaderBytes` or past the end of the buffer is
 * refused before anything is parsed.
 */
export const FRAME_HEADER_BYTES_MAX = 1 << 20;

export class FrameError extends Error {
  override readonly name = 'FrameError';
}

export function encodeFrame(params: unknown, body?: Buffer): Buffer[] {
  const header = Buffer.from(JSON.stringify(params ?? null), 'utf8');
  if (header.length > FRAME_HEADER_BYTES_MAX)
    throw new FrameError(`frame header of ${header.length} bytes is over ${FRAME_HEADER_BYTES_MAX}`);
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(header.length, 0);
  return body && body.length > 0 ? [length, header, body] : [length, header];
}

export function decodeFrame<T>(frame: Buffer, maxHeaderBytes = FRAME_HEADER_BYTES_MAX): { params: T; body: Buffer } {
  if (frame.length < 4) throw new FrameError(`frame of ${frame.length} bytes has no header length`);
  const headerLength = frame.readUInt32BE(0);
  if (headerLength > maxHeaderBytes) throw new FrameError(`frame header of ${headerLength} bytes is over ${maxHeaderBytes}`);
  if (4 + headerLength > frame.length)
    throw new FrameError(`frame header of ${headerLength} bytes runs past the end (${frame.length} bytes)`);
  let params: T;
  try {
    params = JSON.parse(frame.subarray(4, 4 + headerLength).toString('utf8')) as T;
  } catch {
    throw new FrameError('frame header is not JSON');
  }
  return { params, body: frame.subarray(4 + headerLength) };
}
