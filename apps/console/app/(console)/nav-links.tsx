'use client';
import Link from 'next/link';
import { usePathname } from 'next/navigation';

const LINKS: { href: string; label: string; indent?: boolean }[] = [
  { href: '/', label: 'Overview' },
  { href: '/brokers', label: 'Brokers' },
  { href: '/topics', label: 'Topics' },
  { href: '/groups', label: 'Consumer groups' },
  { href: '/security/users', label: 'Users' },
  { href: '/security/acls', label: 'ACLs' },
  { href: '/security/quotas', label: 'Quotas' },
  { href: '/security/audit', label: 'Audit log' },
  { href: '/settings', label: 'Settings' },
];

export function NavLinks() {
  const path = usePathname();
  return (
    <nav aria-label="Main" className="space-y-0.5 px-2">
      {LINKS.map((link) => {
        const current = link.href === '/' ? path === '/' : path === link.href || path.startsWith(`${link.href}/`);
        return (
          <Link
            key={link.href}
            href={link.href}
            // Rendering every section ahead of a click costs the broker work nobody asked for.
            prefetch={false}
            aria-current={current ? 'page' : undefined}
            className={`block rounded-md px-3 py-1.5 text-sm ${
              current
                ? 'bg-zinc-200 font-medium text-zinc-900 dark:bg-zinc-800 dark:text-zinc-100'
                : 'text-zinc-700 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800'
            }`}
          >
            {link.label}
          </Link>
        );
      })}
    </nav>
  );
}
