/** Keys, values and header values as an application hands them to the client. */
export type Bytes = Buffer | Uint8Array | string;

/** Strings are UTF-8 encoded (as Java's StringSerializer, so keys hash to the same partitions). */
export function toBuffer(bytes: Bytes): Buffer {
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8');
  if (Buffer.isBuffer(bytes)) return bytes;
  if (bytes instanceof Uint8Array) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new TypeError(`a key, value or header value must be a string, Buffer or Uint8Array, not ${typeof bytes}`);
}
