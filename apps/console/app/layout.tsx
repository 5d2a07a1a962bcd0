import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import { theme } from '@/lib/settings';
import { THEME_COOKIE } from '@/lib/format';
import './globals.css';

export const metadata: Metadata = { title: { default: 'Runnel console', template: '%s · Runnel' } };

/**
 * With the theme set to "system" the class is decided before the first paint by this tiny script
 * (the preference is only known in the browser), so the page never flashes the wrong colours.
 */
const SYSTEM_THEME = `(function(){try{var m=document.cookie.match(/(?:^|; )${THEME_COOKIE}=(\\w+)/);var t=m?m[1]:'system';if(t==='dark'||(t==='system'&&matchMedia('(prefers-color-scheme: dark)').matches))document.documentElement.classList.add('dark')}catch(e){}})()`;

export default async function RootLayout({ children }: { children: ReactNode }) {
  const chosen = await theme();
  return (
    <html lang="en" className={chosen === 'dark' ? 'dark' : undefined} suppressHydrationWarning>
      <head>{chosen === 'system' ? <script dangerouslySetInnerHTML={{ __html: SYSTEM_THEME }} /> : null}</head>
      <body className="min-h-screen bg-white text-zinc-900 antialiased dark:bg-zinc-950 dark:text-zinc-100">{children}</body>
    </html>
  );
}
