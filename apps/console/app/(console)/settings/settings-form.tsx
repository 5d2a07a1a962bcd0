'use client';
import { useActionState } from 'react';
import { Button } from '@/components/ui/button';
import { Field, Select } from '@/components/ui/field';
import { saveSettings, type SettingsState } from './actions';

export function SettingsForm({ zones, zone, theme }: { zones: string[]; zone: string; theme: string }) {
  const [state, action, pending] = useActionState<SettingsState, FormData>(saveSettings, {});
  return (
    <form action={action} className="max-w-md space-y-4">
      <Field id="time_zone" label="Time zone" hint="UTC unless you choose another.">
        <Select id="time_zone" name="time_zone" defaultValue={zone}>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z}
            </option>
          ))}
        </Select>
      </Field>
      <Field id="theme" label="Theme">
        <Select id="theme" name="theme" defaultValue={theme}>
          <option value="system">Same as the system</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </Select>
      </Field>
      <Button type="submit" variant="primary" disabled={pending}>
        Save
      </Button>
      {state.error ? (
        <p role="alert" className="text-sm text-red-700">
          {state.error}
        </p>
      ) : null}
      {state.saved ? (
        <p role="status" className="text-sm text-green-700 dark:text-green-400">
          Saved.
        </p>
      ) : null}
    </form>
  );
}
