/** A refusal or failure from the broker, shown with its status, error code and message. */
export function ErrorBox({ error, title = 'The broker refused this' }: { error: unknown; title?: string }) {
  const e = error as { status?: number; errorCode?: number; message?: string };
  return (
    <div
      role="alert"
      className="rounded-md border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
    >
      <p className="font-medium">
        {title}
        {e.status ? ` (HTTP ${e.status}${e.errorCode && e.errorCode !== e.status ? `, error ${e.errorCode}` : ''})` : ''}
      </p>
      <p className="mt-1 break-words">{e.message ?? String(error)}</p>
    </div>
  );
}

export function Notice({ children, tone = 'info' }: { children: React.ReactNode; tone?: 'info' | 'warning' | 'success' }) {
  const tones = {
    info: 'border-blue-300 bg-blue-50 text-blue-900 dark:border-blue-800 dark:bg-blue-950 dark:text-blue-200',
    warning: 'border-amber-300 bg-amber-50 text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200',
    success: 'border-green-300 bg-green-50 text-green-900 dark:border-green-800 dark:bg-green-950 dark:text-green-200',
  };
  return (
    <div role="status" className={`rounded-md border p-3 text-sm ${tones[tone]}`}>
      {children}
    </div>
  );
}
