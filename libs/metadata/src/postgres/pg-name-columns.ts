/**
 * Work-around for prisma/orm#27403: `@prisma/adapter-pg` 6.19 cannot deserialize PostgreSQL's
 * `name` type (OID 19), which catalog queries (and `prisma migrate`) return. Reporting such columns
 * as `text` (OID 25) is exact: both are strings. Idempotent; patches the `pg` module in this process.
 */
export function patchPgNameColumns(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Result = require('pg/lib/result') as { prototype: unknown };
  const proto = Result.prototype as { addFields(fields: { dataTypeID: number }[]): void; runnelNamePatched?: boolean };
  if (proto.runnelNamePatched) return;
  const addFields = proto.addFields;
  proto.addFields = function (this: unknown, fields: { dataTypeID: number }[]) {
    for (const field of fields) if (field.dataTypeID === 19) field.dataTypeID = 25;
    return addFields.call(this, fields);
  };
  proto.runnelNamePatched = true;
}
