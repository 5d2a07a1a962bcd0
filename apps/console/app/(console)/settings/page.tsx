import type { Metadata } from 'next';
import { PageHeader } from '@/components/ui/page-header';
import { theme, timeZone } from '@/lib/settings';
import { SettingsForm } from './settings-form';

export const metadata: Metadata = { title: 'Settings' };

export default async function SettingsPage() {
  const zones = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  return (
    <>
      <PageHeader
        title="Settings"
        description="Kept in this browser. Every time the console shows, and every time you enter, uses this zone."
      />
      <SettingsForm zones={zones} zone={await timeZone()} theme={await theme()} />
    </>
  );
}
