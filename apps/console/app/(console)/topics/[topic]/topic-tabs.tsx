'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';

export function TopicTabs({ topic }: { topic: string }) {
  const base = `/topics/${encodeURIComponent(topic)}`;
  const tabs = [
    { href: base, label: 'Partitions' },
    { href: `${base}/messages`, label: 'Messages' },
    { href: `${base}/search`, label: 'Search' },
    { href: `${base}/configs`, label: 'Configs' },
    { href: `${base}/consumers`, label: 'Consumers' },
    { href: `${base}/settings`, label: 'Manage' },
  ];
  const path = usePathname();
  return (
    <nav aria-label="Topic" className="flex gap-1 border-b border-zinc-200 dark:border-zinc-800">
      {tabs.map((tab) => {
        const current = tab.href === base ? path === base : path.startsWith(tab.href);
        return (
          <Link
            key={tab.href}
            href={tab.href}
            aria-current={current ? 'page' : undefined}
            className={`-mb-px border-b-2 px-3 py-2 text-sm ${
              current
                ? 'border-blue-600 font-medium text-zinc-900 dark:text-zinc-100'
                : 'border-transparent text-zinc-600 hover:text-zinc-900 dark:text-zinc-400'
            }`}
          >
            {tab.label}
          </Link>
        );
      })}
    </nav>
  );
}
