/**
 * The list pages' URL parameters, kept to what the broker knows (a hand-edited URL cannot smuggle
 * others): the first value of each, `sort` only from the page's columns, `order` asc or desc.
 */
export type SearchParams = Record<string, string | string[] | undefined>;

export function firstParam(raw: SearchParams, name: string): string | undefined {
  const value = raw[name];
  return (Array.isArray(value) ? value[0] : value) || undefined;
}

export function sortedListParams(
  raw: SearchParams,
  sorts: readonly string[],
): { search?: string; sort?: string; order?: string; page_token?: string } {
  const sort = firstParam(raw, 'sort');
  const order = firstParam(raw, 'order');
  return {
    search: firstParam(raw, 'search'),
    sort: sort && sorts.includes(sort) ? sort : undefined,
    order: order === 'desc' || order === 'asc' ? order : undefined,
    page_token: firstParam(raw, 'page_token'),
  };
}
