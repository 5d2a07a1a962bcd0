import { isUtf8 } from 'node:buffer';
import { TimestampType, timestampTypeOf, type RecordView } from '@runnel/protocol';
import { ReadFormat, renderData, renderHeaders } from '../common/encodings';
import { jsonRecordText, type JsonRecord } from '../common/record-render';

/**
 * A `match` line of the search stream: the record rendered as the consume API renders it
 * (common/record-render.ts, the read's `format`), plus `topic`-less partition id. A value above
 * MAX_VALUE_PREVIEW_BYTES is cut to a preview of its first bytes (at a character boundary),
 * rendered as STRING when that preview is UTF-8 text and BINARY otherwise (a cut JSON text is
 * no longer JSON), with `"value_truncated":true,"value_size":<bytes>`: a 50 MB record must not
 * travel to a browser to be shown in a list. Read it whole with the records API.
 */
export const MAX_VALUE_PREVIEW_BYTES = 64 * 1024;

export function matchLine(partition: number, r: RecordView, format: ReadFormat): string {
  const section = r.section;
  const valueSize = r.valueStart < 0 ? 0 : r.valueEnd - r.valueStart;
  const truncated = valueSize > MAX_VALUE_PREVIEW_BYTES;
  const record: JsonRecord = {
    partition_id: partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestamp_type: timestampTypeOf(r.batch.attributes) === TimestampType.LogAppendTime ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
    key: r.keyStart < 0 ? null : renderData(section.subarray(r.keyStart, r.keyEnd), format),
    value:
      r.valueStart < 0
        ? null
        : truncated
          ? preview(section.subarray(r.valueStart, r.valueStart + MAX_VALUE_PREVIEW_BYTES), format)
          : renderData(section.subarray(r.valueStart, r.valueEnd), format),
    headers: renderHeaders(r.headers),
  };
  let text = jsonRecordText(record);
  if (truncated) text = `${text.slice(0, -1)},"value_truncated":true,"value_size":${valueSize}}`;
  return `{"type":"match","record":${text}}\n`;
}

function preview(bytes: Buffer, format: ReadFormat) {
  if (format === 'binary') return renderData(bytes, 'binary');
  const text = bytes.subarray(0, utf8Boundary(bytes));
  return isUtf8(text) ? { type: 'STRING' as const, data: text.toString('utf8') } : renderData(bytes, 'binary');
}

/** The length of `bytes` without a trailing partial UTF-8 character. */
function utf8Boundary(bytes: Buffer): number {
  let end = bytes.length;
  let back = 0;
  while (end - back - 1 >= 0 && back < 3 && (bytes[end - back - 1] & 0xc0) === 0x80) back++;
  const lead = end - back - 1;
  if (lead < 0) return end;
  const c = bytes[lead];
  const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
  if (need > back + 1) end = lead;
  return end;
}
