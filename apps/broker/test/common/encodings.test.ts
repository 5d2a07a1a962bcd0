import { RunnelError } from '../../src/common/errors';
import { decodeBase64, parseData, parseHeaders, renderData, parseReadFormat } from '../../src/common/encodings';

describe('encodings', () => {
  it('parses the three data types and null', () => {
    expect(parseData('value', { type: 'STRING', data: 'héllo' })).toEqual(Buffer.from('héllo'));
    expect(parseData('value', { type: 'BINARY', data: Buffer.from([0, 255]).toString('base64') })).toEqual(Buffer.from([0, 255]));
    expect(parseData('value', { type: 'JSON', data: { a: [1, 2] } })?.toString()).toBe('{"a":[1,2]}');
    expect(parseData('value', null)).toBeNull();
    expect(parseData('value', undefined)).toBeNull();
  });

  it('answers 40001 naming the field for a wrong shape, type or base64', () => {
    const cases: unknown[] = ['plain', { type: 'XML', data: 'a' }, { type: 'STRING', data: 5 }, { type: 'BINARY', data: 'not base64!' }];
    for (const input of cases) {
      let error: unknown;
      try {
        parseData('entries[2].value', input);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(RunnelError);
      expect((error as RunnelError).errorCode).toBe(40001);
      expect((error as RunnelError).message).toContain('entries[2].value');
    }
  });

  it('accepts padded and unpadded base64 and rejects stray characters', () => {
    expect(decodeBase64('x', 'YQ==')).toEqual(Buffer.from('a'));
    expect(decodeBase64('x', 'YQ')).toEqual(Buffer.from('a'));
    expect(() => decodeBase64('x', 'Y')).toThrow(RunnelError);
    expect(() => decodeBase64('x', 'YQ=a')).toThrow(RunnelError);
  });

  it('parses headers with null values', () => {
    expect(
      parseHeaders('headers', [
        { name: 'trace', value: 'YQ==' },
        { name: 'empty', value: null },
      ]),
    ).toEqual([
      { key: 'trace', value: Buffer.from('a') },
      { key: 'empty', value: null },
    ]);
    expect(() => parseHeaders('headers', [{ value: 'YQ==' }])).toThrow(/headers\[0\].name/);
  });

  it('renders by format: json falls back to STRING for UTF-8 text that does not parse, else BINARY', () => {
    const bytes = Buffer.from('{"n":1}');
    expect(renderData(bytes, 'binary')).toEqual({ type: 'BINARY', data: bytes.toString('base64') });
    expect(renderData(bytes, 'string')).toEqual({ type: 'STRING', data: '{"n":1}' });
    expect(renderData(bytes, 'json')).toEqual({ type: 'JSON', data: { n: 1 } });
    expect(renderData(Buffer.from('nope{'), 'json')).toEqual({ type: 'STRING', data: 'nope{' });
    expect(renderData(Buffer.from([0x7b, 0xff]), 'json')).toEqual({ type: 'BINARY', data: Buffer.from([0x7b, 0xff]).toString('base64') });
    expect(renderData(null, 'json')).toBeNull();
    expect(() => parseReadFormat('xml')).toThrow(RunnelError);
  });
});
