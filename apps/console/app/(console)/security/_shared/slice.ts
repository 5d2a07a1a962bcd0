export const PAGE_SIZE = 50;

/** One page of a list the broker answers whole, paged on the console's server (never shipped whole to the browser). */
export interface Slice<T> {
  rows: T[];
  total: number;
  page: number;
  pages: number;
  size: number;
}

export function slice<T>(all: T[], page: number, size = PAGE_SIZE): Slice<T> {
  const pages = Math.max(1, Math.ceil(all.length / size));
  const current = Math.min(Math.max(1, Number.isFinite(page) ? Math.floor(page) : 1), pages);
  return { rows: all.slice((current - 1) * size, current * size), total: all.length, page: current, pages, size };
}
