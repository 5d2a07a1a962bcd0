import { absoluteTime, formatTime } from '@/lib/format';
import { Badge } from './page-header';

/** A time in the user's zone, the absolute UTC instant on hover. Server or client. */
export function Time({ ms, zone }: { ms: number | null | undefined; zone: string }) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return <span>—</span>;
  return (
    <time dateTime={new Date(ms).toISOString()} title={absoluteTime(ms)} className="tabular-nums whitespace-nowrap">
      {formatTime(ms, zone)}
    </time>
  );
}

/** Whether a record's timestamp was set by its producer (CreateTime) or by the broker (LogAppendTime). */
export function TimestampType({ type }: { type: string | undefined }) {
  const logAppend = type === 'LogAppendTime' || type === 'LOG_APPEND_TIME';
  return (
    <span title={logAppend ? 'Set by the broker when it appended the record' : 'Set by the producer'}>
      <Badge tone={logAppend ? 'blue' : 'neutral'}>{logAppend ? 'LogAppendTime' : 'CreateTime'}</Badge>
    </span>
  );
}
