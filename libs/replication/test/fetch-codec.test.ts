import {
  decodeFetchRequest,
  decodeFetchResponse,
  encodeFetchRequest,
  encodeFetchResponse,
  encodeFetchResponseChunks,
  FetchCodecError,
  MAX_FETCH_HEADER_BYTES,
  type ReplicaFetchRequest,
  type ReplicaFetchResponse,
} from '@runnel/replication';

const request: ReplicaFetchRequest = {
  replicaId: 2,
  brokerEpoch: 17,
  maxWaitMs: 500,
  maxBytes: 1 << 20,
  partitions: [
    {
      topic: 'orders',
      partition: 0,
      currentLeaderEpoch: 4,
      fetchOffset: 1234,
      lastFetchedEpoch: 3,
      durableOffset: 1200,
      logStartOffset: 0,
      maxBytes: 65536,
    },
    {
      topic: 'payments.v2',
      partition: 11,
      currentLeaderEpoch: 0,
      fetchOffset: 0,
      lastFetchedEpoch: -1,
      durableOffset: 0,
      logStartOffset: 0,
      maxBytes: 65536,
    },
  ],
};

/** Bytes that stand for record batches: every byte value, so nothing may be text-transcoded. */
const records = (length: number, seed: number): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff));

const response: ReplicaFetchResponse = {
  partitions: [
    { topic: 'orders', partition: 0, error: 'NONE', highWatermark: 1300, logStartOffset: 0, records: records(700, 1) },
    {
      topic: 'orders',
      partition: 1,
      error: 'NONE',
      highWatermark: 90,
      logStartOffset: 10,
      divergingEpoch: { epoch: 2, endOffset: 88 },
      records: Buffer.alloc(0),
    },
    { topic: 'payments.v2', partition: 11, error: 'FENCED_LEADER_EPOCH', highWatermark: -1, logStartOffset: -1, records: Buffer.alloc(0) },
    { topic: 'payments.v2', partition: 12, error: 'NONE', highWatermark: 5, logStartOffset: 0, records: records(300, 2) },
  ],
};

/** Builds a message by hand: version, header length, header text, then raw bytes. */
function message(header: string, ...tail: Buffer[]): Buffer {
  const json = Buffer.from(header, 'utf8');
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(0, 0);
  prefix.writeUInt32BE(json.length, 1);
  return Buffer.concat([prefix, json, ...tail]);
}

describe('fetch codec', () => {
  it('round-trips a request', () => {
    expect(decodeFetchRequest(encodeFetchRequest(request))).toEqual(request);
  });

  it('round-trips a response, records byte for byte', () => {
    const decoded = decodeFetchResponse(encodeFetchResponse(response));
    expect(decoded).toEqual(response);
    expect(decoded.partitions[0].records.equals(response.partitions[0].records)).toBe(true);
    expect(decoded.partitions[1].divergingEpoch).toEqual({ epoch: 2, endOffset: 88 });
    expect('divergingEpoch' in decoded.partitions[0]).toBe(false);
  });

  it('appends the records untouched after the header (no base64, no copy into the header)', () => {
    const encoded = encodeFetchResponse(response);
    const headerLength = encoded.readUInt32BE(1);
    const header = JSON.parse(encoded.toString('utf8', 5, 5 + headerLength));
    expect(header.partitions.map((p: { recordsLength: number }) => p.recordsLength)).toEqual([700, 0, 0, 300]);
    expect(encoded.subarray(5 + headerLength).equals(Buffer.concat([response.partitions[0].records, response.partitions[3].records]))).toBe(
      true,
    );
    expect(encoded.length).toBe(5 + headerLength + 1000);
  });

  it('hands out the records buffers themselves as chunks, and decodes to views of the input', () => {
    const chunks = encodeFetchResponseChunks(response);
    expect(chunks.slice(2)).toEqual([response.partitions[0].records, response.partitions[3].records]);
    expect(chunks[2]).toBe(response.partitions[0].records);
    const encoded = Buffer.concat(chunks);
    const decoded = decodeFetchResponse(encoded);
    expect(decoded.partitions[0].records.buffer).toBe(encoded.buffer);
  });

  it('decodes a fixed byte fixture', () => {
    const bytes = Buffer.concat([
      Buffer.from([0x00, 0x00, 0x00, 0x00, 0x9d]), // version 0, header of 157 bytes
      Buffer.from(
        '{"partitions":[{"topic":"t","partition":3,"error":"NONE","highWatermark":7,"logStartOffset":2,' +
          '"divergingEpoch":{"epoch":1,"endOffset":5},"recordsLength":4}]}',
        'utf8',
      ),
      Buffer.from([0xde, 0xad, 0xbe, 0xef]),
    ]);
    expect(bytes.readUInt32BE(1)).toBe(bytes.length - 9);
    expect(decodeFetchResponse(bytes)).toEqual({
      partitions: [
        {
          topic: 't',
          partition: 3,
          error: 'NONE',
          highWatermark: 7,
          logStartOffset: 2,
          divergingEpoch: { epoch: 1, endOffset: 5 },
          records: Buffer.from([0xde, 0xad, 0xbe, 0xef]),
        },
      ],
    });
  });

  it('decodes an empty fetch', () => {
    expect(decodeFetchResponse(encodeFetchResponse({ partitions: [] }))).toEqual({ partitions: [] });
    expect(decodeFetchRequest(encodeFetchRequest({ ...request, partitions: [] })).partitions).toEqual([]);
  });

  describe('bounded decoding', () => {
    const ok = '{"partitions":[{"topic":"t","partition":0,"error":"NONE","highWatermark":0,"logStartOffset":0,"recordsLength":4}]}';

    it.each<[string, Buffer]>([
      ['shorter than the prefix', Buffer.from([0, 0, 0])],
      ['an unknown version', Buffer.concat([Buffer.from([1]), message(ok, Buffer.alloc(4)).subarray(1)])],
      [
        'a header length above 1 MiB',
        (() => {
          const b = Buffer.alloc(5);
          b.writeUInt32BE(MAX_FETCH_HEADER_BYTES + 1, 1);
          return b;
        })(),
      ],
      ['a header length past the end', message(ok).subarray(0, 50)],
      ['a header that is not JSON', message('{"partitions":[', Buffer.alloc(0))],
      ['a header that is not an object', message('[1,2]')],
      ['records past the end', message(ok, Buffer.alloc(3))],
      ['bytes after the records', message(ok, Buffer.alloc(5))],
      ['a negative records length', message(ok.replace('"recordsLength":4', '"recordsLength":-1'))],
      ['an unknown error code', message(ok.replace('"NONE"', '"WHATEVER"'), Buffer.alloc(4))],
      [
        'an offset that is not a safe integer',
        message(ok.replace('"highWatermark":0', '"highWatermark":9007199254740993'), Buffer.alloc(4)),
      ],
      ['a string where a number belongs', message(ok.replace('"partition":0', '"partition":"0"'), Buffer.alloc(4))],
      ['a missing field', message(ok.replace('"topic":"t",', ''), Buffer.alloc(4))],
    ])('rejects a response with %s', (_name, bytes) => {
      expect(() => decodeFetchResponse(bytes)).toThrow(FetchCodecError);
    });

    it('rejects a request with trailing bytes or a bad field', () => {
      const encoded = encodeFetchRequest(request);
      expect(() => decodeFetchRequest(Buffer.concat([encoded, Buffer.alloc(1)]))).toThrow(FetchCodecError);
      const header = JSON.stringify({ ...request, maxWaitMs: -5 });
      expect(() => decodeFetchRequest(message(header))).toThrow(/maxWaitMs/);
      expect(() => decodeFetchRequest(message(JSON.stringify({ ...request, partitions: [{ topic: 1 }] })))).toThrow(FetchCodecError);
    });

    it('refuses to encode a header above the bound', () => {
      const huge = { ...request, partitions: Array.from({ length: 10_000 }, () => ({ ...request.partitions[0], topic: 'x'.repeat(200) })) };
      expect(() => encodeFetchRequest(huge)).toThrow(FetchCodecError);
    });
  });
});
